// Workbench trend and monitoring charts, drawn by Chart.js (served from /static/portal/vendor).
// The numbers come from a JSON block in the page; change points are drawn as large red points.
(function () {
  "use strict";
  var COLOURS = ["#1f5fa8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d",
    "#2c3e50", "#b7950b", "#6c3483", "#117864", "#a04000"];
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function trendChart() {
    var answer = data("trend-data");
    var canvas = document.getElementById("trend-chart");
    if (!answer || !canvas) { return; }
    var datasets = answer.series.map(function (s, n) {
      var colour = COLOURS[n % COLOURS.length];
      return {
        label: s.label,
        data: s.values,
        borderColor: colour,
        backgroundColor: colour,
        tension: 0,
        pointRadius: s.values.map(function (_v, i) { return s.change_points.indexOf(i) >= 0 ? 7 : 2; }),
        pointBackgroundColor: s.values.map(function (_v, i) {
          return s.change_points.indexOf(i) >= 0 ? "#e00000" : colour;
        })
      };
    });
    var chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: answer.months, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        plugins: {
          title: { display: true, text: answer.measure_label + "（按" + answer.dimension_label + "）" },
          legend: { position: "bottom" }
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.setAttribute("data-drawn", String(chart.data.datasets.length));
  }
  function sparklines() {
    var board = data("board-data");
    if (!board) { return; }
    board.indicators.forEach(function (row) {
      var canvas = document.getElementById("spark-" + row.code);
      if (!canvas) { return; }
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: board.months,
          datasets: [{ data: row.series, borderColor: "#1f5fa8", pointRadius: 2, spanGaps: true }]
        },
        options: {
          animation: false,
          responsive: false,
          plugins: { legend: { display: false }, title: { display: false } },
          scales: { x: { display: false }, y: { display: false } }
        }
      });
      canvas.setAttribute("data-drawn", "1");
    });
  }
  trendChart();
  sparklines();
}());
