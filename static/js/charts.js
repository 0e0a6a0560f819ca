/*
 * Draws the dashboards' charts with the vendored Chart.js.
 *
 * Each chart is a <canvas data-chart="ID"> whose data sits in <script type="application/json" id="ID">
 * (Django's json_script): {type, stacked, horizontal, labels, datasets: [{label, data}]}. No inline script,
 * so the pages keep working under a strict Content-Security-Policy. The same numbers are in a table
 * next to each chart for screen readers and for anyone without JavaScript.
 */
(function () {
  "use strict";

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  // Where a series name carries meaning, its colour does too.
  var NAMED = { Violations: "#D55E00", Crossings: "#56B4E9", Opened: "#D55E00", Resolved: "#009E73", Dismissed: "#999999" };

  function colour(name, index) {
    return NAMED[name] || PALETTE[index % PALETTE.length];
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var valueAxis = { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0 } };
    var categoryAxis = { stacked: spec.stacked };
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          var fill = colour(dataset.label, index);
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: fill,
            borderColor: fill,
            borderWidth: spec.type === "line" ? 2 : 0,
            tension: 0.2
          };
        })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        animation: reduceMotion ? false : undefined,
        responsive: true,
        aspectRatio: spec.horizontal ? 1.6 : 2,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
      }
    });
  }

  function drawAll() {
    if (typeof window.Chart === "undefined") {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
