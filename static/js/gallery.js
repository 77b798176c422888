// Gallery: live render progress, and cells that refresh when their render lands.
import { byId } from "./lib/dom.js";
import { getJson, getPage, liveSocket } from "./lib/live.js";

const bar = byId("render-progress");

async function refreshCounts() {
  const counts = await getJson("/renders/progress/");
  bar.hidden = counts.done === counts.total;
  bar.querySelector("progress").max = counts.total;
  bar.querySelector("progress").value = counts.done;
  bar.querySelector(".label").textContent = `${counts.done} / ${counts.total} rendered`;
}

async function refreshCell(assetId) {
  const fresh = (await getPage(location.href)).querySelector(`[data-asset="${assetId}"]`);
  const cell = document.querySelector(`[data-asset="${assetId}"]`);
  if (fresh && cell) cell.replaceWith(fresh);
}

liveSocket("/ws/renders/", (event) => {
  const cell = document.querySelector(`[data-asset="${event.asset}"]`);
  if (cell && event.stage !== "done") {
    const badge = cell.querySelector(".badge");
    if (badge) badge.textContent = `${event.stage} ${Math.round(event.fraction * 100)}%`;
  }
  if (event.stage === "done" || event.stage === "failed") {
    refreshCounts();
    if (cell) refreshCell(event.asset);
  }
});
