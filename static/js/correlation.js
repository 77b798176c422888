// The correlation page: metrics against the human rating, interactive and live.
//
// The server renders the table of the chosen board from the stored report;
// this module draws the charts (Plotly, loaded as a classic script before
// this one), lets the reader switch board (task and category), aggregation,
// coefficient and metric without reloading, and fetches the report again when new snapshots
// land (the leaderboard's websocket) or while a report is being computed. For a study board's
// criterion (`data-study`) the report holds that board alone: criteria are links, and it is
// fetched again only while the board is refitted (no websocket tells of study boards).
import { announcer, byId, el, onResize, pressOnly, restartClass, setText } from "./lib/dom.js";
import { fixed, percent, utcMinute } from "./lib/format.js";
import { ACCENT, GRID, INK, MUTED, baseLayout, chartSet, errorBars, hoverText, plotly, showCharts } from "./lib/charts.js";
import { getJson, liveSocket } from "./lib/live.js";

const root = byId("correlation");

const IMPORTED = "#8e5bb8";
const CEILING = "#1f8a4c";
const CHARTS = { bars: "chart-bars", scatter: "chart-scatter", agreement: "chart-agreement" };
const POLL_MS = 5000;
const COEFFICIENT_LABELS = { pearson: "Pearson r", spearman: "Spearman ρ", kendall: "Kendall τ" };
const AGGREGATION_LABELS = { conditional: "conditional means", penalised: "penalised means" };

const charts = chartSet(CHARTS, (name) =>
  ["correlation", state.study, state.task || "overall", state.category, name, state.aggregation, report()?.report]);

// Read by the browser tests.
const state = {
  data: JSON.parse(byId("correlation-data").textContent),
  task: root.dataset.task,
  category: root.dataset.category ?? "",
  study: root.dataset.study ?? "",
  aggregation: "conditional",
  coefficient: "spearman",
  metric: null,
  agreement: "accuracy",
  charted: charts.drawn,
  refreshes: 0,
  error: "",
};
window.correlationState = state;

const announce = announcer("report-status");

const report = () => state.data.report;
const scopes = () => report()?.scopes ?? [];
const categoryOf = (s) => s.category ?? "";
const findScope = (task, category) => scopes().find((s) => s.task === task && categoryOf(s) === category);
const scope = () => findScope(state.task, state.category) ?? findScope(state.task, "") ?? scopes()[0] ?? null;
const enoughModels = (s, block) => block.correlation.n_models >= (s.min_models ?? 3);
const metricOf = (s, name) => s?.metrics.find((m) => m.name === name) ?? s?.metrics[0] ?? null;
const blockOf = (metric) => metric.aggregations[state.aggregation];

// ---- the table ----------------------------------------------------------------

function estimateCell(est) {
  if (!est || est.value == null) return el("td", { class: "num" }, el("span", { class: "muted" }, "–"));
  const interval = est.low == null ? null : el("span", { class: "ci-text" }, `[${fixed(est.low)}, ${fixed(est.high)}]`);
  return el("td", { class: "num" }, el("strong", {}, fixed(est.value)), interval ? " " : null, interval);
}

function notEnoughCell(s) {
  return el("td", { class: "num not-enough", colspan: String(report().coefficients.length) },
    el("span", { class: "muted", title: `A correlation needs at least ${s.min_models ?? 3} models with a value` }, "not enough models"));
}

function metricRow(metric, s) {
  const block = blockOf(metric);
  const chips = [];
  if (metric.level === "model") chips.push(" ", el("span", { class: "chip imported", title: "Imported model-level values" }, "model level"));
  if (!metric.higher_is_better) {
    chips.push(" ", el("span", { class: "chip direction", title: "Lower is better: its sign is flipped, so a positive coefficient means agreement" }, "lower is better"));
  }
  if (metric.direction_assumed) {
    chips.push(" ", el("span", { class: "chip assumed", title: "Imported without a declared direction: taken as higher is better. Import it again with a direction column to say otherwise." }, "direction assumed"));
  }
  const agreement = metric.agreement;
  return el("tr", { "data-metric": metric.name, class: metric.name === state.metric ? "is-selected" : null },
    el("th", { scope: "row" }, el("span", { class: "model-name" }, metric.label), ...chips),
    ...(enoughModels(s, block) ? report().coefficients.map((name) => estimateCell(block.correlation[name])) : [notEnoughCell(s)]),
    el("td", { class: "num" }, String(block.correlation.n_models)),
    el("td", { class: "num" }, agreement ? percent(agreement.accuracy.value) : el("span", { class: "muted" }, "–")),
    el("td", { class: "num" }, agreement ? fixed(agreement.kappa.value) : el("span", { class: "muted" }, "–")));
}

function ceilingRow(s) {
  const human = s.human_agreement;
  return el("tr", { class: "ceiling", "data-metric": "human" },
    el("th", { scope: "row" }, el("span", { class: "model-name" }, "Another annotator"), " ",
      el("span", { class: "chip ceiling-chip", title: "Two annotators who voted on the same pair of assets" }, "ceiling")),
    el("td", { class: "num", colspan: "4" }, el("span", { class: "muted" }, `${human.pairs_of_votes} pairs of votes on the same asset pair`)),
    el("td", { class: "num" }, percent(human.accuracy.value)),
    el("td", { class: "num" }, fixed(human.kappa.value)));
}

function renderMetricTable(s) {
  const ceiling = s.human_agreement ? [ceilingRow(s)] : []; // a study board has none
  byId("corr-rows").replaceChildren(...s.metrics.map((m) => metricRow(m, s)), ...ceiling);
  byId("too-few-models").hidden = s.enough_models !== false;
  setText("too-few-count", String(s.models.length));
  setText("caption-scope", s.label);
  setText("caption-models", String(s.models.length));
  setText("caption-aggregation", AGGREGATION_LABELS[state.aggregation]);
  setText("stat-models", String(s.models.length));
  setText("stat-votes", String(s.n_votes));
  setText("stat-metrics", String(s.metrics.length));
  setText("stat-rounds", String(report().rounds));
  setText("methods-rounds", String(report().rounds));
}

// ---- judges and metrics against people (mirrors templates/leaderboard/_judges.html) ----

const dash = () => el("span", { class: "muted" }, "–");
const hasValue = (block) => block != null && block.value != null;
const roundPercent = (x) => percent(x).replace("%", "");

function cell(...children) {
  return el("td", { class: "num" }, ...children);
}

function shareCell(est, digits = null) {
  if (!hasValue(est)) return cell(dash());
  const show = digits == null ? percent : (x) => fixed(x, digits);
  const interval = est.low == null ? null : el("span", { class: "ci-text" },
    digits == null ? `[${roundPercent(est.low)}, ${roundPercent(est.high)}]` : `[${show(est.low)}, ${show(est.high)}]`);
  return cell(el("strong", {}, show(est.value)), interval ? " " : null, interval);
}

function countCell(block, strong, detail) {
  return hasValue(block) ? cell(el("strong", {}, strong), " ", el("span", { class: "ci-text" }, detail)) : cell(dash());
}

function judgeRow(item) {
  const chip = item.source === "judge" ? `${item.kind} judge` : "metric";
  const awc = item.agreement_with_confidence;
  const sep = item.separability;
  const brier = item.probability_brier;
  const swap = item.swap;
  return el("tr", { "data-judge": item.name, "data-source": item.source },
    el("th", { scope: "row" }, el("span", { class: "model-name" }, item.label), " ",
      el("span", { class: item.source === "judge" ? "chip imported" : "chip" }, chip)),
    countCell(awc, hasValue(awc) ? fixed(awc.value) : "", hasValue(awc) ? `+${awc.agree} −${awc.disagree} of ${awc.n_pairs}` : ""),
    countCell(sep, hasValue(sep) ? percent(sep.value) : "", hasValue(sep) ? `${sep.separated} of ${sep.n_pairs}` : ""),
    hasValue(item.pair_brier) ? cell(fixed(item.pair_brier.value, 3)) : cell(dash()),
    shareCell(item.agreement?.accuracy),
    shareCell(item.agreement?.kappa, 2),
    hasValue(brier) ? shareCell(brier, 3) : cell(dash()),
    swap ? cell(el("strong", {}, percent(swap.consistent.value)), " ",
      el("span", { class: "ci-text" }, `[${roundPercent(swap.consistent.low)}, ${roundPercent(swap.consistent.high)}] of ${swap.n}`))
      : cell(dash()));
}

function judgesCeilingRow(human) {
  const sep = human.separability;
  return el("tr", { class: "ceiling", "data-judge": "human" },
    el("th", { scope: "row" }, el("span", { class: "model-name" }, "Another annotator"), " ",
      el("span", { class: "chip ceiling-chip", title: "The human board itself, and two annotators who voted on the same pair (prompt and models)" }, "ceiling")),
    cell(dash()),
    countCell(sep, hasValue(sep) ? percent(sep.value) : "", hasValue(sep) ? `${sep.separated} of ${sep.n_pairs}` : ""),
    cell(dash()),
    shareCell(human.ceiling.accuracy),
    shareCell(human.ceiling.kappa, 2),
    el("td", { class: "num", colspan: "2" }, el("span", { class: "muted" }, `${human.ceiling.pairs_of_votes} pairs of votes on the same pair`)));
}

function ratingCell(row) {
  if (!row) return cell(dash());
  const interval = row.ci_low == null ? null
    : el("span", { class: "ci-text" }, `[${fixed(row.ci_low, 0)}, ${fixed(row.ci_high, 0)}]`);
  return cell(el("strong", {}, fixed(row.rating, 0)), interval ? " " : null, interval);
}

function renderJudges(s) {
  const judges = s.judges;
  if (!judges || !byId("judges-rows")) return;
  byId("judges-rows").replaceChildren(...judges.entries.map(judgeRow), judgesCeilingRow(judges.human));
  setText("judges-scope", s.label);
  const names = judges.boards.judges;
  byId("judges-none").hidden = names.length > 0;
  byId("judge-boards-wrap").hidden = names.length === 0;
  byId("judge-boards-head").replaceChildren(el("th", { scope: "col" }, "Model"), el("th", { scope: "col", class: "num" }, "People"),
    ...names.map((name) => el("th", { scope: "col", class: "num" }, name)));
  byId("judge-boards-rows").replaceChildren(...judges.boards.rows.map((row) =>
    el("tr", { "data-model": row.model }, el("th", { scope: "row" }, el("span", { class: "model-name" }, row.model)),
      ratingCell(row.human), ...row.judges.map(ratingCell))));
}

function boardHref(task, category) {
  const query = new URLSearchParams();
  if (task) query.set("task", task);
  if (category) query.set("category", category);
  const text = query.toString();
  return text ? `?${text}` : location.pathname;
}

function chooseBoard(task, category) {
  // A category with no votes on the chosen task falls back to all categories.
  state.task = task;
  state.category = findScope(task, category) ? category : "";
  history.replaceState(null, "", boardHref(state.task, state.category));
  renderReport();
}

function renderMetricSelect(s) {
  const select = byId("metric-select");
  const options = s.metrics.map((m) => el("option", { value: m.name, selected: m.name === state.metric }, m.label));
  select.replaceChildren(...options);
}

function renderControls(s) {
  renderMetricSelect(s);
  if (state.study) return; // its criteria are server-rendered links
  const tabs = byId("task-tabs");
  tabs.replaceChildren(...scopes().filter((item) => !categoryOf(item)).map((item) => {
    const tab = el("a", { class: "tab", href: boardHref(item.task, ""), "data-task": item.task,
      "aria-current": item.task === s.task ? "page" : null }, item.task ? item.label : "Overall");
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      chooseBoard(item.task, state.category);
    });
    return tab;
  }));
  const categories = scopes().filter((item) => item.task === s.task && categoryOf(item)).map(categoryOf).sort();
  byId("category-select").replaceChildren(el("option", { value: "" }, "All categories"),
    ...categories.map((name) => el("option", { value: name, selected: name === categoryOf(s) }, name)));
  byId("category-select").value = categoryOf(s);
}

function renderReportAge() {
  const r = report();
  if (!r) return;
  const time = el("time", { datetime: r.generated_at }, utcMinute(r.generated_at));
  byId("report-age").replaceChildren("Computed ", time, ` in ${r.compute_seconds.toFixed(1)} s`);
}

// ---- charts ---------------------------------------------------------------------

function barsChart(s) {
  const metrics = s.metrics;
  const points = metrics.map((m) => blockOf(m).correlation[state.coefficient]);
  const trace = {
    type: "bar",
    orientation: "h",
    x: points.map((p) => p.value),
    y: metrics.map((m) => m.label),
    customdata: metrics.map((m, k) => [m.name, fixed(points[k].low), fixed(points[k].high), blockOf(m).correlation.n_models]),
    marker: { color: metrics.map((m) => (m.name === state.metric ? INK : m.level === "model" ? IMPORTED : ACCENT)) },
    error_x: errorBars(points, MUTED),
    hovertemplate: `<b>%{y}</b><br>${COEFFICIENT_LABELS[state.coefficient]} %{x:.2f}` +
      "<br>95% interval %{customdata[1]} to %{customdata[2]}<br>%{customdata[3]} models<extra></extra>",
  };
  const layout = baseLayout({
    height: Math.max(240, 80 + 34 * metrics.length),
    xaxis: { title: { text: `${COEFFICIENT_LABELS[state.coefficient]} with the rating (${AGGREGATION_LABELS[state.aggregation]})` },
      range: [-1.05, 1.05], gridcolor: GRID, zeroline: true, zerolinecolor: "#b9b9b3", automargin: true },
    yaxis: { type: "category", autorange: "reversed", automargin: true },
    bargap: 0.35,
  });
  return [[trace], layout];
}

function scatterChart(s) {
  const metric = metricOf(s, state.metric);
  if (!metric) return [[], baseLayout({ height: 300 })];
  const means = blockOf(metric).means;
  const models = s.models;
  const x = means.map((p) => p.value);
  const trace = {
    type: "scatter",
    mode: "markers+text",
    x,
    y: models.map((m) => m.rating),
    text: models.map((m) => m.model),
    textposition: "top center",
    textfont: { size: 11, color: MUTED },
    customdata: models.map((m, k) => [fixed(m.ci_low, 0), fixed(m.ci_high, 0), fixed(means[k].low, 4), fixed(means[k].high, 4)]),
    error_y: errorBars(models.map((m) => ({ value: m.rating, low: m.ci_low, high: m.ci_high })), "#c7d4f4"),
    error_x: errorBars(means, "#e3c9b8"),
    marker: { color: metric.level === "model" ? IMPORTED : ACCENT, size: 11, line: { color: "#fff", width: 1.5 } },
    hovertemplate: "<b>%{text}</b><br>Rating %{y:.0f} (%{customdata[0]} to %{customdata[1]})" +
      `<br>${hoverText(metric.label)} %{x:.4g} (%{customdata[2]} to %{customdata[3]})<extra></extra>`,
  };
  const corr = blockOf(metric).correlation;
  const summary = report().coefficients.map((name) => {
    const est = corr[name];
    return `${COEFFICIENT_LABELS[name]} ${fixed(est.value)} [${fixed(est.low)}, ${fixed(est.high)}]`;
  }).join(" · ");
  const unit = metric.unit ? ` (${metric.unit})` : "";
  const layout = baseLayout({
    height: 420,
    margin: { l: 8, r: 16, t: 46, b: 8 },
    showlegend: false,
    title: { text: `${summary} · ${corr.n_models} models`, font: { size: 12, color: MUTED }, x: 0, xanchor: "left" },
    xaxis: { title: { text: `${metric.label}${unit}, ${metric.higher_is_better ? "higher" : "lower"} is better` },
      gridcolor: GRID, zeroline: false, automargin: true, autorange: metric.higher_is_better ? true : "reversed" },
    yaxis: { title: { text: "Rating (Elo scale)" }, gridcolor: GRID, zeroline: false, automargin: true },
  });
  return [[trace], layout];
}

function agreementChart(s) {
  const metrics = s.metrics.filter((m) => m.agreement);
  const stat = state.agreement;
  const points = metrics.map((m) => m.agreement[stat]);
  const trace = {
    type: "bar",
    orientation: "h",
    x: points.map((p) => p.value),
    y: metrics.map((m) => m.label),
    customdata: metrics.map((m, k) => [fixed(points[k].low), fixed(points[k].high), m.agreement.n, percent(m.agreement.coverage)]),
    marker: { color: ACCENT },
    error_x: errorBars(points, MUTED),
    hovertemplate: `<b>%{y}</b><br>${stat === "kappa" ? "κ" : "Accuracy"} %{x:.2f} (%{customdata[0]} to %{customdata[1]})` +
      "<br>%{customdata[2]} votes where the metric has a preference (%{customdata[3]} of decided votes)<extra></extra>",
  };
  const ceiling = s.human_agreement?.[stat].value;
  const chance = stat === "kappa" ? 0 : 0.5;
  const line = (x, dash, color) => ({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color, width: 1.5, dash } });
  const shapes = [line(chance, "dot", "#b9b9b3")];
  if (ceiling != null) shapes.push(line(ceiling, "dash", CEILING));
  const layout = baseLayout({
    height: Math.max(220, 80 + 34 * metrics.length),
    xaxis: { title: { text: stat === "kappa" ? "Cohen's κ with the vote" : "Share of decided votes where the metric agrees" },
      range: stat === "kappa" ? [-1, 1] : [0, 1], gridcolor: GRID, zeroline: false, automargin: true },
    yaxis: { type: "category", autorange: "reversed", automargin: true },
    shapes,
    bargap: 0.35,
  });
  return [[trace], layout];
}

function renderReportCharts(s) {
  if (!plotly() || !s) return;
  charts.draw("bars", () => barsChart(s));
  charts.draw("scatter", () => scatterChart(s));
  charts.draw("agreement", () => agreementChart(s));
  const bars = charts.node("bars");
  if (!bars.dataset.wired) {
    bars.dataset.wired = "1";
    bars.on("plotly_click", (event) => {
      const name = event.points?.[0]?.customdata?.[0];
      if (name) selectMetric(name);
    });
  }
}

// ---- everything -----------------------------------------------------------------

function renderReport() {
  const s = scope();
  const ready = Boolean(s);
  byId("report-body").hidden = !ready;
  const empty = byId("report-empty");
  if (empty) empty.hidden = ready;
  if (!ready) return;
  state.task = s.task;
  state.category = categoryOf(s);
  root.dataset.task = s.task;
  root.dataset.category = state.category;
  if (!s.metrics.some((m) => m.name === state.metric)) state.metric = s.metrics[0]?.name ?? null;
  renderControls(s);
  renderMetricTable(s);
  renderJudges(s);
  renderReportAge();
  renderReportCharts(s);
}

function selectMetric(name) {
  state.metric = name;
  byId("metric-select").value = name;
  renderReport();
}

let polling = 0;
async function refreshReport() {
  try {
    const data = await getJson(root.dataset.apiUrl);
    const before = report()?.report;
    state.data = data;
    state.refreshes += 1;
    if (data.report?.report !== before) {
      renderReport();
      restartClass(root, "is-fresh");
      announce(before ? "Updated just now." : "");
    } else {
      announce(data.updating ? "Updating…" : "");
    }
    clearTimeout(polling);
    if (data.status === "computing" || data.updating) polling = setTimeout(refreshReport, POLL_MS);
  } catch (error) {
    state.error = String(error);
    announce("Could not load the latest report; the page will try again on the next update.");
  }
}
window.correlationRefresh = refreshReport;

function wireReportControls() {
  byId("aggregation-select").addEventListener("change", (event) => {
    state.aggregation = event.target.value;
    renderReport();
  });
  byId("coefficient-select").addEventListener("change", (event) => {
    state.coefficient = event.target.value;
    renderReport();
  });
  byId("metric-select").addEventListener("change", (event) => selectMetric(event.target.value));
  if (!state.study) {
    byId("category-apply").hidden = true;
    byId("category-form").addEventListener("submit", (event) => event.preventDefault());
    byId("category-select").addEventListener("change", (event) => chooseBoard(state.task, event.target.value));
  }
  const agreements = root.querySelectorAll("[data-agreement]");
  agreements.forEach((button) => {
    button.addEventListener("click", () => {
      state.agreement = button.dataset.agreement;
      pressOnly(agreements, button);
      renderReportCharts(scope());
    });
  });
  charts.wireDownloads(root.querySelectorAll(".image-download"));
  byId("corr-rows").addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-metric]");
    if (row && row.dataset.metric !== "human") selectMetric(row.dataset.metric);
  });
}

function startReport() {
  byId("aggregation-select").value = state.aggregation;
  byId("coefficient-select").value = state.coefficient;
  wireReportControls();
  showCharts();
  renderReport();
  onResize(() => renderReportCharts(scope()));
  if (state.data.status === "computing" || state.data.updating) polling = setTimeout(refreshReport, POLL_MS);
  if (root.dataset.livePath && "WebSocket" in window) liveSocket(root.dataset.livePath, () => refreshReport());
}

startReport();
