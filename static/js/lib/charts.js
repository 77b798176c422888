// Plotly charts as the pages draw them. Plotly is a classic script loaded
// (deferred) before the page's module, so it is read from `window`.
import { byId } from "./dom.js";

export const INK = "#1d1d1f";
export const MUTED = "#6b6b70";
export const GRID = "#ecece8";
export const ACCENT = "#2f5fd0";
export const COLORS = ["#2f5fd0", "#d0663b", "#1f8a4c", "#8e5bb8", "#b7791f", "#16919a", "#c0392b", "#5d6d7e", "#c2578f", "#6b8e23"];

export const plotly = () => window.Plotly;

// Shows the chart grid, or the note that the charts could not be loaded.
export function showCharts() {
  byId("chart-grid").hidden = !plotly();
  byId("charts-unavailable").hidden = Boolean(plotly());
}

// The layout every chart starts from (the page's font, no background), with `extra` on top.
export function baseLayout(extra = {}) {
  return {
    font: { family: getComputedStyle(document.body).fontFamily, size: 12, color: INK },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    margin: { l: 8, r: 16, t: 30, b: 8 }, // the top margin keeps the mode bar off the data
    hoverlabel: { bgcolor: "#fff", bordercolor: "#deded9", font: { color: INK } },
    colorway: COLORS,
    ...extra,
  };
}

// Text for a hover template, which reads <, > and & as markup.
export const hoverText = (text) => text.replace(/[<>&]/g, "");

function chartConfig(filename) {
  return {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    toImageButtonOptions: { format: "png", filename, scale: 2 },
  };
}

// Asymmetric error bars from points {value, low, high}; a missing end draws none.
export function errorBars(points, color, { thickness = 2, width = 4 } = {}) {
  return {
    type: "data",
    symmetric: false,
    array: points.map((p) => (p.value != null && p.high != null ? p.high - p.value : 0)),
    arrayminus: points.map((p) => (p.value != null && p.low != null ? p.value - p.low : 0)),
    color,
    thickness,
    width,
  };
}

// A download's file name from its parts, empty parts left out.
const fileName = (parts) => parts.filter(Boolean).join("-").replace(/[^\w.-]+/g, "_");

// Draws `build(width)` = [traces, layout] into the node; the node gets the
// layout's height, so Plotly's resizing and the page agree. Whether it drew.
function plot(node, build, filename) {
  if (!node || !plotly()) return false;
  const [traces, layout] = build(node.clientWidth || 600);
  node.style.height = `${layout.height}px`;
  plotly().react(node, traces, layout, chartConfig(filename));
  return true;
}

// A page's charts: `ids` maps each chart's name to its element's id, and
// `fileParts(name)` gives the parts of its download's file name.
export function chartSet(ids, fileParts) {
  const node = (name) => byId(ids[name]);
  const filename = (name) => fileName(fileParts(name));
  const drawn = {}; // the charts drawn so far, by name
  return {
    drawn,
    node,
    draw(name, build) {
      if (plot(node(name), build, filename(name))) drawn[name] = true;
    },
    // Buttons with data-chart (and data-format, SVG unless said) that download a drawn chart.
    wireDownloads(buttons) {
      buttons.forEach((button) => {
        button.addEventListener("click", () => {
          const name = button.dataset.chart;
          if (!plotly() || !drawn[name]) return;
          const format = button.dataset.format || "svg";
          const target = node(name);
          plotly().downloadImage(target, {
            format,
            filename: filename(name),
            width: target.clientWidth,
            height: target.clientHeight,
            scale: format === "png" ? 2 : 1,
          });
        });
      });
    },
  };
}
