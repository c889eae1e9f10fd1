// Workbench usage statistics: fetched from /api/v1/usage and redrawn every 10 seconds.
(function () {
  "use strict";
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }
  function table(id, rows, name) {
    var body = document.getElementById(id);
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r[name]);
      cell(tr, String(r.calls));
      cell(tr, r.p95_ms === null ? "—" : String(r.p95_ms));
      body.appendChild(tr);
    });
  }
  function bars(days) {
    var box = document.getElementById("usage-days");
    box.textContent = "";
    var most = Math.max.apply(null, days.map(function (d) { return d.calls; }).concat([1]));
    days.forEach(function (d) {
      var line = document.createElement("div");
      line.className = "bar-line";
      var label = document.createElement("span");
      label.textContent = d.day + "：" + d.calls + " 次，错误 " + d.errors + " 次，P95 " +
        (d.p95_ms === null ? "—" : d.p95_ms + " 毫秒");
      var bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = Math.round((d.calls / most) * 100) + "%";
      line.appendChild(bar);
      line.appendChild(label);
      box.appendChild(line);
    });
  }
  function refresh() {
    fetch("/api/v1/usage?days=7", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var alerts = document.getElementById("usage-alerts");
        alerts.textContent = "";
        data.alerts.forEach(function (a) {
          var li = document.createElement("li");
          li.className = "error";
          li.textContent = a.message;
          alerts.appendChild(li);
        });
        bars(data.days);
        table("usage-callers", data.callers, "caller");
        table("usage-families", data.families, "family");
      });
  }
  refresh();
  setInterval(refresh, 10000);
})();
