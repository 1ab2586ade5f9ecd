// Charts drawn from the tables on the page (progressive enhancement: without this file, or without Chart.js,
// the tables are the content and stay where they are).
//
// <figure class="chart" data-chart="bar|line" [data-stacked] [data-horizontal] [data-axis-label="…"]>
//   <figcaption>…</figcaption>
//   <details open> <summary>Table</summary> <table> … </table> </details>
// </figure>
// The table's header cells marked data-series are the series (data-color="--a-css-property" gives a colour); each
// body row is a category: its row header's data-label names it in the chart (data-title in the tooltip), and
// the cells' data-value hold the numbers (empty: no value). The chart is drawn above the table, which is folded.
//
// <table data-sparklines> … <td data-sparkline></td>: a tiny line through the row's cells with a data-value.
(function () {
  "use strict";

  const root = getComputedStyle(document.documentElement);
  const cssValue = (name, fallback) => (root.getPropertyValue(name) || "").trim() || fallback;
  const PALETTE = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-5", "--chart-6", "--chart-7",
    "--chart-8", "--chart-9"];
  const FALLBACK = ["#0b5f4f", "#e69f00", "#0072b2", "#cc79a7", "#56b4e9", "#d55e00", "#009e73", "#6b7280",
    "#8c6d1f"];
  const language = document.documentElement.lang || undefined;
  const numbers = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });

  function toNumber(text) {
    if (text === undefined || text === null || text.trim() === "") return null;
    const value = Number(text);
    return Number.isFinite(value) ? value : null;
  }

  function colour(spec, index) {
    if (spec && spec.startsWith("--")) return cssValue(spec, FALLBACK[index % FALLBACK.length]);
    if (spec) return spec;
    return cssValue(PALETTE[index % PALETTE.length], FALLBACK[index % FALLBACK.length]);
  }

  // The categories and series of a table, as written in its cells.
  function readTable(table) {
    const heads = Array.from(table.tHead.rows[0].cells);
    const rows = Array.from(table.tBodies).flatMap((body) => Array.from(body.rows))
      .filter((row) => row.cells.length === heads.length);
    const series = [];
    heads.forEach((cell, index) => {
      if (cell.hasAttribute("data-series")) {
        series.push({ index, name: cell.dataset.label || cell.textContent.trim(), colour: cell.dataset.color });
      }
    });
    return {
      labels: rows.map((row) => row.cells[0].dataset.label || row.cells[0].textContent.trim()),
      titles: rows.map((row) => (row.cells[0].dataset.title || row.cells[0].textContent).replace(/\s+/g, " ").trim()),
      series: series.map((item, n) => ({
        name: item.name,
        colour: colour(item.colour, n),
        values: rows.map((row) => toNumber(row.cells[item.index].dataset.value)),
      })),
    };
  }

  function drawChart(figure) {
    const table = figure.querySelector("table");
    if (!table || !table.tHead) return;
    const data = readTable(table);
    if (!data.labels.length || !data.series.length) return;
    const type = figure.dataset.chart === "line" ? "line" : "bar";
    const stacked = figure.hasAttribute("data-stacked");
    const horizontal = figure.hasAttribute("data-horizontal");
    // Among many series, those with nothing to show only crowd the legend (a few all stay, to name the parts).
    const series = data.series.length > 3
      ? data.series.filter((item) => item.values.some((value) => value !== null && value !== 0)) : data.series;
    const shown = series.length ? series : data.series.slice(0, 1);

    const box = document.createElement("div");
    box.className = "chart-box" + (horizontal ? " chart-box-horizontal" : "");
    if (horizontal) box.style.height = Math.max(150, data.labels.length * 22 + 80) + "px";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    const caption = figure.querySelector("figcaption");
    canvas.setAttribute("aria-label", caption ? caption.textContent.trim() : "");
    canvas.textContent = caption ? caption.textContent.trim() : "";
    box.append(canvas);
    (caption || figure.firstChild).after(box);

    // Counts that span more than two orders of magnitude (thousands of suggestions, a handful of closed
    // matches) go on a logarithmic axis when the page offers one, so that the small bars stay visible.
    const positive = shown.flatMap((item) => item.values).filter((value) => value > 0);
    const logarithmic = Boolean(figure.dataset.logAxisLabel) && !stacked && positive.length > 1
      && Math.max(...positive) / Math.min(...positive) >= 100;
    const axisLabel = logarithmic ? figure.dataset.logAxisLabel : figure.dataset.axisLabel || "";
    const valueAxis = logarithmic ? {
      type: "logarithmic",
      min: 0.5,
      ticks: { maxRotation: 0, callback: (value) => (Math.log10(value) % 1 === 0 ? numbers.format(value) : "") },
      grid: { color: (context) => (Math.log10(context.tick.value) % 1 === 0 ? cssValue("--line", "#d5dde2") : "transparent") },
    } : { beginAtZero: true, grace: "5%", ticks: { precision: 0, callback: (value) => numbers.format(value) } };
    Object.assign(valueAxis, { stacked, title: { display: Boolean(axisLabel), text: axisLabel } });
    if (logarithmic) figure.dataset.scale = "logarithmic";
    // Lines keep their first and last points off the edges (a single month stays in the middle).
    const categoryAxis = { stacked, offset: true, grid: { display: false }, ticks: { autoSkip: !horizontal } };
    const muted = cssValue("--muted", "#4d5d68");

    const chart = new window.Chart(canvas, {
      type,
      data: {
        labels: data.labels,
        datasets: shown.map((item) => ({
          label: item.name,
          data: item.values,
          backgroundColor: item.colour,
          borderColor: item.colour,
          borderWidth: type === "line" ? 2 : 0,
          pointRadius: type === "line" ? 3 : 0,
          tension: 0,
          spanGaps: true,
          maxBarThickness: 42,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        interaction: { mode: "index", intersect: false },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { display: shown.length > 1, position: "bottom", labels: { boxWidth: 12, color: muted } },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? data.titles[items[0].dataIndex] : ""),
              label: (item) => `${item.dataset.label}: ${item.raw === null ? "—" : numbers.format(item.raw)}`,
            },
          },
        },
      },
    });
    figure.dataset.drawn = "true";
    const details = figure.querySelector("details.chart-data");
    if (details) details.open = false;
    return chart;
  }

  // A sparkline: the row's values scaled to the cell, the last one marked. Drawn by hand (103 small charts).
  function drawSparkline(cell) {
    const values = Array.from(cell.parentElement.cells)
      .filter((other) => other !== cell && other.hasAttribute("data-value"))
      .map((other) => toNumber(other.dataset.value));
    const points = values.map((value, index) => ({ index, value })).filter((point) => point.value !== null);
    if (!points.length) return;
    const width = 96;
    const height = 28;
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.className = "sparkline";
    canvas.setAttribute("aria-hidden", "true");
    cell.append(canvas);
    const context = canvas.getContext("2d");
    context.scale(ratio, ratio);
    const low = Math.min(...points.map((point) => point.value));
    const high = Math.max(...points.map((point) => point.value));
    const pad = 4;
    const x = (index) => (values.length > 1 ? pad + (index * (width - 2 * pad)) / (values.length - 1) : width / 2);
    const y = (value) => (high === low ? height / 2 : height - pad - ((value - low) * (height - 2 * pad)) / (high - low));
    const ink = cssValue("--chart-1", FALLBACK[0]);
    context.strokeStyle = ink;
    context.lineWidth = 1.75;
    context.lineJoin = "round";
    context.beginPath();
    points.forEach((point, n) => (n ? context.lineTo(x(point.index), y(point.value))
      : context.moveTo(x(point.index), y(point.value))));
    context.stroke();
    const last = points[points.length - 1];
    context.fillStyle = ink;
    context.beginPath();
    context.arc(x(last.index), y(last.value), 2.5, 0, 2 * Math.PI);
    context.fill();
    cell.dataset.drawn = "true";
  }

  document.querySelectorAll("table[data-sparklines] [data-sparkline]").forEach(drawSparkline);

  if (typeof window.Chart !== "function") return;
  const Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = cssValue("--muted", "#4d5d68");
  Chart.defaults.borderColor = cssValue("--line", "#d5dde2");
  document.querySelectorAll("figure.chart[data-chart]").forEach(drawChart);
})();
