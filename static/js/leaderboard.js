// The leaderboard page: charts of the board's numbers, and live updates in place.
//
// The server renders the table; this module draws the charts (Plotly, loaded
// as a classic script before this one) and, when new snapshots land, fetches
// the board again and updates the table, the charts and the citation details
// without reloading the page.
import { liveSocket } from "./live.js";

const root = document.getElementById("leaderboard");
const byId = (id) => document.getElementById(id);
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

const INK = "#1d1d1f";
const MUTED = "#6b6b70";
const GRID = "#ecece8";
const ACCENT = "#2f5fd0";
const PROVISIONAL = "#a3a3a8";
const COLORS = ["#2f5fd0", "#d0663b", "#1f8a4c", "#8e5bb8", "#b7791f", "#16919a", "#c0392b", "#5d6d7e", "#c2578f", "#6b8e23"];
const CHARTS = { ratings: "chart-ratings", winrate: "chart-winrate", counts: "chart-counts", history: "chart-history" };
const FLASH_MS = 2400;
const STATUS_MS = 60_000;

const scope = new URLSearchParams();
if (root.dataset.task) scope.set("task", root.dataset.task);
if (root.dataset.family) scope.set("family", root.dataset.family);
if (root.dataset.category) scope.set("category", root.dataset.category);

// Read by the browser tests.
const state = {
  board: JSON.parse(byId("board-data").textContent),
  history: [],
  historyX: "votes",
  charted: {},
  refreshes: 0,
  error: "",
};
window.leaderboardState = state;

// ---- numbers ----------------------------------------------------------------

const round = (x) => Math.round(x);
// Like Python's round(), which the server-rendered percentages use.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
const percent = (x) => (x == null ? "–" : `${roundHalfEven(x * 100)}%`);
const hasInterval = (row) => row.ci_low != null && row.ci_high != null;

function scaleOf(rows) {
  const withInterval = rows.filter(hasInterval);
  if (!withInterval.length) return null;
  return {
    min: Math.min(...withInterval.map((row) => row.ci_low)),
    max: Math.max(...withInterval.map((row) => row.ci_high)),
  };
}

function ago(iso) {
  const seconds = Math.min(0, (new Date(iso).getTime() - Date.now()) / 1000); // never "in 1 minute" on a skewed clock
  const steps = [[60, "second"], [60, "minute"], [24, "hour"], [30, "day"], [12, "month"], [Infinity, "year"]];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) {
      return unit === "second" ? (Math.abs(value) < 45 ? "just now" : "a minute ago") : relative.format(Math.round(value), unit);
    }
    value /= size;
  }
  return "";
}

// ---- DOM helpers ------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style") Object.entries(value).forEach(([name, v]) => node.style.setProperty(name, v));
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

const setText = (id, text) => {
  const node = byId(id);
  if (node) node.textContent = text;
};

// ---- the table --------------------------------------------------------------

function rowCells(row) {
  const r = round(row.rating);
  const ci = hasInterval(row)
    ? el("td", { class: "col-ci" },
        el("span", { class: "ci-text" }, `+${round(row.ci_high) - r} / −${r - round(row.ci_low)}`), " ",
        el("span", {
          class: "ci-bar",
          "aria-hidden": "true",
          title: `${round(row.ci_low)} – ${round(row.ci_high)}`,
          style: { "--lo": row.ci_low.toFixed(2), "--hi": row.ci_high.toFixed(2), "--r": row.rating.toFixed(2) },
        }, el("span", { class: "ci-range" }), el("span", { class: "ci-point" })))
    : el("td", { class: "col-ci" }, el("span", { class: "muted" }, "–"));
  const tally = `${row.wins} wins, ${row.ties} ties, ${row.bothbad} both bad, ${row.losses} losses`;
  return [
    el("td", { class: "num col-rank" }, el("span", { class: row.rank === 1 ? "rank rank-1" : "rank" }, String(row.rank))),
    el("th", { scope: "row", class: "col-model" },
      el("span", { class: "model-name" }, row.model),
      row.provisional ? " " : null,
      row.provisional ? el("span", { class: "chip provisional", title: "Too few votes yet for a stable rating" }, "provisional") : null),
    el("td", { class: "num col-rating" }, el("strong", {}, String(r))),
    ci,
    el("td", { class: "num col-votes", title: tally }, String(row.battles)),
    el("td", { class: "num col-winrate" }, percent(row.win_rate)),
    el("td", { class: "num col-exec" }, row.executability == null ? el("span", { class: "muted" }, "–") : percent(row.executability)),
    el("td", { class: "num col-elo secondary" }, row.elo_online == null ? "–" : String(round(row.elo_online))),
  ];
}

function renderTable(board, { flash }) {
  const table = byId("ranking");
  const scale = scaleOf(board.rows);
  if (scale) {
    table.style.setProperty("--min", scale.min.toFixed(2));
    table.style.setProperty("--max", scale.max.toFixed(2));
  }
  const body = byId("ranking-rows");
  const existing = new Map([...body.querySelectorAll("tr[data-model]")].map((tr) => [tr.dataset.model, tr]));
  const before = new Map([...existing].map(([model, tr]) => [model, tr.querySelector(".col-rating")?.textContent.trim()]));
  board.rows.forEach((row) => {
    const tr = existing.get(row.model) ?? el("tr", { "data-model": row.model });
    existing.delete(row.model);
    tr.classList.toggle("is-provisional", Boolean(row.provisional));
    tr.replaceChildren(...rowCells(row));
    body.append(tr); // moves a kept row into its new place
    if (flash && before.get(row.model) !== String(round(row.rating))) {
      tr.classList.remove("is-changed");
      void tr.offsetWidth; // restart the highlight
      tr.classList.add("is-changed");
      setTimeout(() => tr.classList.remove("is-changed"), FLASH_MS);
    }
  });
  existing.forEach((tr) => tr.remove());
  setText("caption-models", String(board.rows.length));
  setText("caption-votes", String(board.n_votes));
}

function renderDetails(board) {
  const options = board.options ?? {};
  setText("stat-votes", String(board.n_votes));
  setText("stat-models", String(board.rows.length));
  setText("stat-bootstrap", String(options.bootstrap ?? ""));
  setText("stat-snapshot", board.snapshot ?? "–");
  setText("methods-snapshot", board.snapshot ?? "–");
  setText("methods-votes", String(board.n_votes));
  setText("methods-hash", board.votes_hash ?? "–");
  setText("methods-bootstrap", String(options.bootstrap ?? ""));
  setText("methods-seed", String(options.seed ?? ""));
  const time = byId("methods-time");
  if (board.created_at) {
    time.dateTime = board.created_at;
    time.textContent = `${board.created_at.slice(0, 16).replace("T", " ")} UTC`;
  }
  byId("methods-mle").hidden = options.mle_exists !== false;
  if (board.snapshot) byId("methods-json").href = `${root.dataset.snapshotsUrl}${encodeURIComponent(board.snapshot)}/`;
  const flags = [`--bootstrap ${options.bootstrap ?? 1000}`, `--seed ${options.seed ?? 0}`];
  if (options.exclude_ties) flags.push("--exclude-ties");
  if (options.exclude_bothbad) flags.push("--exclude-bothbad");
  if (options.alpha) flags.push(`--alpha ${options.alpha}`);
  if (options.anchor) flags.push(`--anchor '${options.anchor[0]}=${options.anchor[1]}'`);
  setText("reproduce-command", `python -m leaderboard.rating arena-battles.json ${flags.join(" ")}`);
}

function renderAge(board) {
  const age = byId("board-age");
  if (!board.created_at) return;
  const time = el("time", { datetime: board.created_at }, ago(board.created_at));
  age.replaceChildren("Computed ", time);
}

// ---- charts -----------------------------------------------------------------

const plotly = () => window.Plotly;

function baseLayout(extra = {}) {
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

function chartConfig(name) {
  return {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
    toImageButtonOptions: { format: "png", filename: fileName(name), scale: 2 },
  };
}

function fileName(name) {
  const parts = ["leaderboard", root.dataset.task || "overall", root.dataset.category || root.dataset.family, name, state.board.snapshot];
  return parts.filter(Boolean).join("-").replace(/[^\w.-]+/g, "_");
}

function ratingsChart(board) {
  const rows = board.rows;
  const trace = (subset, name, color) => ({
    type: "scatter",
    mode: "markers",
    name,
    x: subset.map((row) => row.rating),
    y: subset.map((row) => row.model),
    customdata: subset.map((row) => [row.ci_low ?? row.rating, row.ci_high ?? row.rating, row.rank, row.battles]),
    error_x: {
      type: "data",
      symmetric: false,
      array: subset.map((row) => (hasInterval(row) ? row.ci_high - row.rating : 0)),
      arrayminus: subset.map((row) => (hasInterval(row) ? row.rating - row.ci_low : 0)),
      color,
      thickness: 2.5,
      width: 5,
    },
    marker: { color, size: 10, line: { color: "#fff", width: 1.5 } },
    hovertemplate:
      "<b>%{y}</b><br>Rating %{x:.0f}<br>95% interval %{customdata[0]:.0f} to %{customdata[1]:.0f}" +
      "<br>Rank %{customdata[2]} · %{customdata[3]} votes<extra></extra>",
  });
  const settled = rows.filter((row) => !row.provisional);
  const provisional = rows.filter((row) => row.provisional);
  const traces = [trace(settled, "Rated", ACCENT)];
  if (provisional.length) traces.push(trace(provisional, "Provisional", PROVISIONAL));
  const mean = rows.reduce((sum, row) => sum + row.rating, 0) / Math.max(rows.length, 1);
  const layout = baseLayout({
    height: Math.max(220, 70 + 34 * rows.length),
    showlegend: provisional.length > 0,
    legend: { orientation: "h", x: 0, xanchor: "left", y: 1.01, yanchor: "bottom" },
    xaxis: { title: { text: "Rating (Elo scale)" }, gridcolor: GRID, zeroline: false, automargin: true },
    yaxis: { type: "category", categoryorder: "array", categoryarray: board.models, autorange: "reversed", automargin: true, gridcolor: GRID },
    shapes: [{ type: "line", xref: "x", yref: "paper", x0: mean, x1: mean, y0: 0, y1: 1, line: { color: "#b9b9b3", width: 1, dash: "dash" } }],
  });
  return [traces, layout];
}

function heatmapLayout(board, width) {
  const size = board.models.length;
  return baseLayout({
    height: Math.round(Math.max(300, Math.min(120 + 42 * size, width + 60))),
    xaxis: { type: "category", tickangle: size > 4 || width < 500 ? -40 : 0, ticks: "", automargin: true, showgrid: false, title: { text: "Opponent" } },
    yaxis: { type: "category", autorange: "reversed", ticks: "", automargin: true, showgrid: false },
  });
}

// Numbers inside the cells only when the cells are wide enough to hold them.
function cellText(board, width, template) {
  const cell = (width - 160) / Math.max(board.models.length, 1);
  return cell >= 34 ? { texttemplate: template, textfont: { size: cell < 44 ? 10 : 12 } } : {};
}

function winChart(board, width) {
  const trace = {
    type: "heatmap",
    x: board.models,
    y: board.models,
    z: board.win_matrix,
    customdata: board.count_matrix,
    zmin: 0,
    zmax: 1,
    colorscale: [[0, "#d0663b"], [0.5, "#f5f4f0"], [1, "#2f5fd0"]],
    xgap: 2,
    ygap: 2,
    hoverongaps: false,
    colorbar: { thickness: 10, outlinewidth: 0, tickformat: ".0%", len: 0.9 },
    hovertemplate: "<b>%{y}</b> vs %{x}<br>%{y} won %{z:.0%} of %{customdata} battles<extra></extra>",
    ...cellText(board, width, "%{z:.2f}"),
  };
  return [[trace], heatmapLayout(board, width)];
}

function countChart(board, width) {
  const counts = board.count_matrix.map((row, i) => row.map((value, j) => (i === j ? null : value)));
  const trace = {
    type: "heatmap",
    x: board.models,
    y: board.models,
    z: counts,
    colorscale: [[0, "#f5f4f0"], [1, "#2f5fd0"]],
    zmin: 0,
    xgap: 2,
    ygap: 2,
    hoverongaps: false,
    colorbar: { thickness: 10, outlinewidth: 0, len: 0.9 },
    hovertemplate: "<b>%{y}</b> vs %{x}<br>%{z} battles<extra></extra>",
    ...cellText(board, width, "%{z}"),
  };
  return [[trace], heatmapLayout(board, width)];
}

// Plotly's date axes take zone-less strings; show the reader's local time.
function localTime(iso) {
  const d = new Date(iso);
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function historyChart(board, history, axis) {
  const byVotes = axis === "votes";
  const points = history.filter((point) => point.ratings);
  const provisional = new Set(board.rows.filter((row) => row.provisional).map((row) => row.model));
  const traces = board.models.map((model, k) => ({
    type: "scatter",
    mode: points.length > 30 ? "lines" : "lines+markers",
    name: model,
    x: points.map((point) => (byVotes ? point.n_votes : localTime(point.created_at))),
    y: points.map((point) => point.ratings[model] ?? null),
    line: { color: COLORS[k % COLORS.length], width: 2, dash: provisional.has(model) ? "dot" : "solid" },
    marker: { size: 5 },
    hovertemplate: `${model.replace(/[<>&]/g, "")}: %{y:.0f}<extra></extra>`,
  }));
  const layout = baseLayout({
    height: 340,
    hovermode: "x unified",
    legend: { orientation: "h", y: -0.22, yanchor: "top", x: 0 },
    xaxis: byVotes
      ? { title: { text: "Votes counted" }, gridcolor: GRID, zeroline: false }
      : { type: "date", gridcolor: GRID, zeroline: false },
    yaxis: { title: { text: "Rating" }, gridcolor: GRID, zeroline: false, automargin: true },
  });
  return [traces, layout];
}

// The chart's box gets the layout's height, so Plotly's resizing and the page agree.
function draw(name, build) {
  const node = byId(CHARTS[name]);
  if (!node || !plotly()) return;
  const [traces, layout] = build(node.clientWidth || 600);
  node.style.height = `${layout.height}px`;
  plotly().react(node, traces, layout, chartConfig(name));
  state.charted[name] = true;
}

function renderCharts(board) {
  if (!plotly() || !board.snapshot) return;
  draw("ratings", () => ratingsChart(board));
  draw("winrate", (width) => winChart(board, width));
  draw("counts", (width) => countChart(board, width));
  renderHistory();
}

function renderHistory() {
  if (!plotly() || !state.board.snapshot) return;
  draw("history", () => historyChart(state.board, state.history, state.historyX));
}

// ---- data -------------------------------------------------------------------

async function getJson(url) {
  const query = scope.toString();
  const response = await fetch(query ? `${url}?${query}` : url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

async function loadHistory() {
  try {
    state.history = (await getJson(root.dataset.historyUrl)).history;
  } catch (error) {
    state.error = String(error);
  }
}

function announce(text) {
  const status = byId("board-status");
  status.textContent = text;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { status.textContent = ""; }, STATUS_MS);
}

function render(board, { flash = false } = {}) {
  const empty = !board.snapshot;
  byId("board-empty").hidden = !empty;
  byId("board-body").hidden = empty;
  if (empty) return;
  renderTable(board, { flash });
  renderDetails(board);
  renderAge(board);
  renderCharts(board); // after the body is visible, so the charts can measure it
}

let running = null;
let again = false;

// Fetch the board and its history and update the page; resolves to whether a new snapshot came.
async function refresh() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      const [board, history] = await Promise.all([getJson(root.dataset.boardUrl), getJson(root.dataset.historyUrl)]);
      const changed = board.snapshot !== state.board.snapshot;
      state.board = board;
      state.history = history.history;
      state.refreshes += 1;
      state.error = "";
      if (changed) {
        render(board, { flash: true });
        root.classList.remove("is-fresh");
        void root.offsetWidth;
        root.classList.add("is-fresh");
        announce(`Updated just now: ${integer.format(board.n_votes)} votes.`);
      } else {
        renderHistory();
      }
      return changed;
    } catch (error) {
      state.error = String(error);
      announce("Could not load the latest board; the page will try again on the next update.");
      return false;
    }
  })();
  try {
    return await running;
  } finally {
    running = null;
    if (again) {
      again = false;
      refresh();
    }
  }
}
window.leaderboardRefresh = refresh;

// ---- controls ---------------------------------------------------------------

function wireControls() {
  const form = byId("category-form");
  byId("category-apply").hidden = true;
  byId("category-select").addEventListener("change", () => form.requestSubmit());

  root.querySelectorAll("[data-history-x]").forEach((button) => {
    button.addEventListener("click", () => {
      state.historyX = button.dataset.historyX;
      root.querySelectorAll("[data-history-x]").forEach((other) => {
        other.setAttribute("aria-pressed", String(other === button));
      });
      renderHistory();
    });
  });

  root.querySelectorAll(".svg-download").forEach((button) => {
    button.addEventListener("click", () => {
      const node = byId(CHARTS[button.dataset.chart]);
      if (!plotly() || !state.charted[button.dataset.chart]) return;
      plotly().downloadImage(node, {
        format: "svg",
        filename: fileName(button.dataset.chart),
        width: node.clientWidth,
        height: node.clientHeight,
      });
    });
  });
}

async function start() {
  wireControls();
  byId("chart-grid").hidden = !plotly();
  byId("charts-unavailable").hidden = Boolean(plotly());
  render(state.board);
  setInterval(() => renderAge(state.board), 30_000);
  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => renderCharts(state.board), 200);
  });
  if (state.board.snapshot) {
    await loadHistory();
    renderHistory();
  }
  if ("WebSocket" in window) {
    liveSocket(root.dataset.livePath, (message) => {
      if (message?.snapshots?.length) refresh();
    });
  }
}

start();
