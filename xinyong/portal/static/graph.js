// Relationship graph on the subject page: drawn with cytoscape.js (vendor/cytoscape) from
// GET /api/v1/subjects/{code}/graph. Pan by dragging, zoom with the wheel or two fingers,
// a click (tap) on a node the platform holds opens its page. Persons come from the API with
// an opaque reference and a masked ID number only.
(function () {
  "use strict";
  var box = document.getElementById("subject-graph");
  var status = document.getElementById("subject-graph-status");
  if (!box || typeof window.cytoscape !== "function") {
    if (status) { status.textContent = "图谱组件未能加载"; }
    return;
  }
  function percent(ratio) {
    return ratio === null || ratio === undefined ? "" : " " + (ratio * 100).toFixed(2) + "%";
  }
  function elements(graph) {
    var nodes = graph.nodes.map(function (n) {
      var label = n.name + (n.kind === "natural_person" && n.code ? "\n" + n.code : "");
      return {
        group: "nodes",
        data: {
          id: n.id, label: label, kind: n.kind, root: n.root ? "yes" : "no",
          link: n.in_platform ? "/subjects/" + encodeURIComponent(n.id) : ""
        }
      };
    });
    var edges = graph.edges.map(function (e, i) {
      var label = e.kind === "holding" ? "持股" + percent(e.ratio) : (e.role || e.kind_label);
      return {
        group: "edges",
        data: { id: "e" + i, source: e.source, target: e.target, kind: e.kind, label: label }
      };
    });
    return nodes.concat(edges);
  }
  var style = [
    { selector: "node", style: {
      "label": "data(label)", "text-wrap": "wrap", "text-max-width": "120px", "font-size": "11px",
      "text-valign": "bottom", "text-margin-y": "4px", "background-color": "#1f4e8c",
      "width": "26px", "height": "26px", "color": "#1d2733"
    } },
    { selector: "node[kind = 'natural_person']", style: {
      "background-color": "#c27c0e", "shape": "ellipse"
    } },
    { selector: "node[kind = 'organization']", style: { "shape": "round-rectangle" } },
    { selector: "node[root = 'yes']", style: {
      "background-color": "#a4262c", "width": "36px", "height": "36px", "font-weight": "bold"
    } },
    { selector: "node[link != '']", style: { "border-width": "2px", "border-color": "#0b6bcb" } },
    { selector: "edge", style: {
      "width": 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle",
      "line-color": "#8a99ad", "target-arrow-color": "#8a99ad", "label": "data(label)",
      "font-size": "9px", "text-rotation": "autorotate", "text-background-color": "#fafbfd",
      "text-background-opacity": 1
    } },
    { selector: "edge[kind != 'holding']", style: { "line-style": "dashed" } }
  ];
  function draw(graph) {
    var cy = window.cytoscape({
      container: box,
      elements: elements(graph),
      style: style,
      layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1, padding: 12 },
      minZoom: 0.2, maxZoom: 4, wheelSensitivity: 0.3
    });
    cy.on("tap", "node", function (event) {
      var link = event.target.data("link");
      if (link && event.target.data("root") !== "yes") { window.location.assign(link); }
    });
    window.subjectGraph = cy; // for the browser test and for the curious
    // Cytoscape caches where its box is on the page; content above it that grows after
    // start-up (fonts, sections) moves the box, so it measures again before each gesture.
    box.addEventListener("pointerenter", function () { cy.resize(); });
    window.addEventListener("load", function () { cy.resize(); });
    if (document.fonts) { document.fonts.ready.then(function () { cy.resize(); }); }
    var shown = graph.nodes.length + " 个节点，" + graph.edges.length + " 条关系";
    status.textContent = graph.truncated ? shown + "（关系过多，仅显示部分）" : shown;
    box.setAttribute("data-ready", "yes");
  }
  var url = "/api/v1/subjects/" + encodeURIComponent(box.getAttribute("data-code")) + "/graph?depth=2";
  fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (graph) {
      if (!graph.edges.length) {
        status.textContent = "暂无股东、任职或控制关系";
        box.hidden = true;
        return;
      }
      draw(graph);
    })
    .catch(function (error) { status.textContent = "图谱加载失败（" + error.message + "）"; });
})();
