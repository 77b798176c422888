// The leaderboard page: charts of the board's numbers, and live updates in place.
//
// The server renders the table and the citation details, and is their only
// renderer: when new snapshots land, this module fetches the board's page
// again and moves its rows and details into this one without reloading. It
// draws the charts (Plotly) from the board's data embedded in the page.
import { announcer, byId, el, onResize, pressOnly, restartClass } from "./lib/dom.js";
import { ago, integer } from "./lib/format.js";
import { ACCENT, COLORS, GRID, baseLayout, chartSet, errorBars, hoverText, plotly, showCharts } from "./lib/charts.js";
import { getJson, getPage, liveSocket } from "./lib/live.js";

const root = byId("leaderboard");

const PROVISIONAL = "#a3a3a8";
const CHARTS = { ratings: "chart-ratings", winrate: "chart-winrate", counts: "chart-counts", history: "chart-history" };
// What a refresh takes from the freshly rendered page, beside the table's rows.
const DETAILS = [
  "caption-models", "caption-votes", "stat-votes", "stat-models", "stat-bootstrap", "stat-snapshot",
  "methods-snapshot", "methods-votes", "methods-hash", "methods-bootstrap", "methods-seed", "methods-time",
  "methods-mle", "methods-json", "reproduce-command", "controlled",
];
const FLASH_MS = 2400;
const STATUS_MS = 60_000;

const scope = new URLSearchParams();
if (root.dataset.task) scope.set("task", root.dataset.task);
if (root.dataset.family) scope.set("family", root.dataset.family);
if (root.dataset.category) scope.set("category", root.dataset.category);

const boardData = (doc) => JSON.parse(doc.getElementById("board-data").textContent);
const announce = announcer("board-status", STATUS_MS);

const charts = chartSet(CHARTS, (name) =>
  ["leaderboard", root.dataset.task || "overall", root.dataset.category || root.dataset.family, name, state.board.snapshot]);

// Read by the browser tests.
const state = {
  board: boardData(document),
  history: [],
  historyX: "votes",
  charted: charts.drawn,
  refreshes: 0,
  error: "",
};
window.leaderboardState = state;

const hasInterval = (row) => row.ci_low != null && row.ci_high != null;

// ---- the server-rendered parts ------------------------------------------------

const ratingShown = (tr) => tr.querySelector(".col-rating")?.textContent.trim();

// Moves the fresh page's rows into the table; a kept model keeps its row element.
function adoptRows(page, { flash }) {
  const table = byId("ranking");
  const style = page.getElementById("ranking").getAttribute("style");
  if (style) table.setAttribute("style", style);
  const body = byId("ranking-rows");
  const existing = new Map([...body.querySelectorAll("tr[data-model]")].map((tr) => [tr.dataset.model, tr]));
  page.querySelectorAll("#ranking-rows tr[data-model]").forEach((fresh) => {
    const tr = existing.get(fresh.dataset.model) ?? fresh;
    existing.delete(fresh.dataset.model);
    const changed = tr === fresh || ratingShown(tr) !== ratingShown(fresh);
    if (tr !== fresh) {
      tr.classList.toggle("is-provisional", fresh.classList.contains("is-provisional"));
      tr.replaceChildren(...fresh.childNodes);
    }
    body.append(tr); // moves a kept row into its new place
    if (flash && changed) {
      restartClass(tr, "is-changed");
      setTimeout(() => tr.classList.remove("is-changed"), FLASH_MS);
    }
  });
  existing.forEach((tr) => tr.remove());
}

function adoptDetails(page) {
  for (const id of DETAILS) {
    const fresh = page.getElementById(id);
    const current = byId(id);
    if (fresh && current) {
      if (current.open) fresh.open = true; // a <details> the reader opened stays open
      current.replaceWith(fresh);
    }
  }
}

function renderAge(board) {
  const age = byId("board-age");
  if (!board.created_at) return;
  const time = el("time", { datetime: board.created_at }, ago(board.created_at));
  age.replaceChildren("Computed ", time);
}

// ---- charts -----------------------------------------------------------------

function ratingsChart(board) {
  const rows = board.rows;
  const trace = (subset, name, color) => ({
    type: "scatter",
    mode: "markers",
    name,
    x: subset.map((row) => row.rating),
    y: subset.map((row) => row.model),
    customdata: subset.map((row) => [row.ci_low ?? row.rating, row.ci_high ?? row.rating, row.rank, row.battles]),
    error_x: errorBars(subset.map((row) => (hasInterval(row) ? { value: row.rating, low: row.ci_low, high: row.ci_high } : {})),
      color, { thickness: 2.5, width: 5 }),
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
    hovertemplate: `${hoverText(model)}: %{y:.0f}<extra></extra>`,
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

function renderCharts(board) {
  if (!plotly() || !board.snapshot) return;
  charts.draw("ratings", () => ratingsChart(board));
  charts.draw("winrate", (width) => winChart(board, width));
  charts.draw("counts", (width) => countChart(board, width));
  renderHistory();
}

function renderHistory() {
  if (!plotly() || !state.board.snapshot) return;
  charts.draw("history", () => historyChart(state.board, state.history, state.historyX));
}

// ---- data -------------------------------------------------------------------

async function loadHistory() {
  try {
    state.history = (await getJson(root.dataset.historyUrl, scope)).history;
  } catch (error) {
    state.error = String(error);
  }
}

// Shows the board; `page`, a freshly rendered copy of this page, brings its table and details.
function renderBoard(board, page = null) {
  const empty = !board.snapshot;
  byId("board-empty").hidden = !empty;
  byId("board-body").hidden = empty;
  if (empty) return;
  if (page) {
    adoptRows(page, { flash: true });
    adoptDetails(page);
  }
  renderAge(board);
  renderCharts(board); // after the body is visible, so the charts can measure it
}

let running = null;
let again = false;

// Fetch the board and its history and update the page; resolves to whether a new snapshot came.
async function refreshBoard() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      const [page, history] = await Promise.all([getPage(root.dataset.pageUrl, scope), getJson(root.dataset.historyUrl, scope)]);
      const board = boardData(page);
      const changed = board.snapshot !== state.board.snapshot;
      state.board = board;
      state.history = history.history;
      state.refreshes += 1;
      state.error = "";
      if (changed) {
        renderBoard(board, page);
        restartClass(root, "is-fresh");
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
      refreshBoard();
    }
  }
}
window.leaderboardRefresh = refreshBoard;

// ---- controls ---------------------------------------------------------------

function wireBoardControls() {
  const form = byId("category-form");
  byId("category-apply").hidden = true;
  byId("category-select").addEventListener("change", () => form.requestSubmit());

  const axes = root.querySelectorAll("[data-history-x]");
  axes.forEach((button) => {
    button.addEventListener("click", () => {
      state.historyX = button.dataset.historyX;
      pressOnly(axes, button);
      renderHistory();
    });
  });

  charts.wireDownloads(root.querySelectorAll(".svg-download"));
}

async function startBoard() {
  wireBoardControls();
  showCharts();
  renderBoard(state.board);
  setInterval(() => renderAge(state.board), 30_000);
  onResize(() => renderCharts(state.board));
  if (state.board.snapshot) {
    await loadHistory();
    renderHistory();
  }
  if ("WebSocket" in window) {
    liveSocket(root.dataset.livePath, (message) => {
      if (message?.snapshots?.length) refreshBoard();
    });
  }
}

startBoard();
