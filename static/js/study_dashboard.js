// A study's dashboard, live: its socket says "changed", the page fetches the figures and redraws them.
// The agreement panel and the study board links stay as loaded.

import { getJson, liveSocket } from "./lib/live.js";

const root = document.getElementById("study-dashboard");
const ANSWERS = ["a", "b", "tie", "both_bad"];
let fetching = false;
let again = false;

function setLive(state, text) {
  const box = document.getElementById("study-live");
  box.dataset.state = state;
  document.getElementById("study-live-text").textContent = text;
}

// Replace a table body's rows: one cell per key of `columns`, the keys in `code` shown as code.
function fillRows(tbody, rows, columns, empty, code = []) {
  const fresh = rows.map((row) => {
    const tr = document.createElement("tr");
    for (const key of columns) {
      const td = document.createElement("td");
      const text = String(row[key]);
      if (code.includes(key)) {
        const inner = document.createElement("code");
        inner.textContent = text;
        td.append(inner);
      } else {
        td.textContent = text;
      }
      tr.append(td);
    }
    return tr;
  });
  if (!fresh.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = columns.length;
    td.textContent = empty;
    tr.append(td);
    fresh.push(tr);
  }
  tbody.replaceChildren(...fresh);
}

function render(figures) {
  for (const node of root.querySelectorAll("[data-figure]")) {
    const value = figures[node.dataset.figure];
    if (node.dataset.figure === "median_seconds") {
      node.textContent = value === null ? "–" : `${value.toFixed(1)} s`;
    } else {
      node.textContent = String(value);
    }
  }
  fillRows(document.getElementById("per-prompt"), figures.per_prompt, ["prompt", "votes"], "No votes yet.");
  fillRows(document.getElementById("per-pair"), figures.per_pair, ["pair", "votes"], "No votes yet.");
  for (const criterion of figures.criteria) {
    const row = root.querySelector(`tr[data-criterion="${CSS.escape(criterion.key)}"]`);
    const cells = row ? [...row.cells].slice(1, 1 + ANSWERS.length) : [];  // after the label: A, B, tie, both bad
    cells.forEach((td, i) => { td.textContent = String(criterion.answers[ANSWERS[i]]); });
  }
  const flagged = figures.flagged_participants;
  document.getElementById("flagged-heading").textContent = `Flagged participants (${flagged.count})`;
  fillRows(document.getElementById("flagged-rows"), flagged.rows, ["participant", "status", "votes", "reason"], "None.",
    ["participant"]);
}

// One fetch at a time; a change told during a fetch makes one more after it.
async function refresh() {
  if (fetching) {
    again = true;
    return;
  }
  fetching = true;
  try {
    do {
      again = false;
      render(await getJson(root.dataset.figuresUrl));
      setLive("live", `Live: updated ${new Date().toLocaleTimeString()}`);
    } while (again);
  } catch (error) {
    setLive("off", `Could not fetch the figures (${error.message}); retrying on the next change.`);
  } finally {
    fetching = false;
  }
}

if (root && "WebSocket" in window) {
  liveSocket(root.dataset.livePath, () => refresh(), {
    onClose: () => setLive("off", "Reconnecting… the figures may be behind."),
  });
}
