// The vote page: ask for a pair, show both assets, send the vote, reveal the names.
import { ModelViewer, linkViewers } from "./viewer.js";
import { byId, el, pressOnly, restartClass } from "./lib/dom.js";
import { integer } from "./lib/format.js";
import { liveSocket } from "./lib/live.js";

const root = byId("arena");
const SIDES = ["a", "b"];
const AUTO_ADVANCE_KEY = "arena.autoAdvance";
const AUTO_ADVANCE_MS = 2000;
const TASK_LABELS = { "text-to-3d": "Text to 3D", "image-to-3d": "Image to 3D" };
const WINNER_TEXT = { a: "A is better", b: "B is better", tie: "Tie", both_bad: "Both are bad" };
const KEYS = { a: "a", 1: "a", b: "b", 2: "b", t: "tie", 3: "tie", x: "both_bad", 4: "both_bad" };

// A study with criteria asks each of them on one screen: a row of four answers per criterion, one submit.
const criteriaForm = byId("criteria-form");
const criterionRows = criteriaForm ? [...criteriaForm.querySelectorAll(".criterion")] : [];
const CRITERIA = criterionRows.map((row) => row.dataset.criterion);

const viewers = {
  a: new ModelViewer(byId("stage-a"), { label: "Model A" }),
  b: new ModelViewer(byId("stage-b"), { label: "Model B" }),
};
const link = linkViewers(viewers.a, viewers.b, { enabled: true });

// Read by the browser tests; nothing in it names a generator before the vote.
const state = {
  phase: "loading", // loading | ready | voted | error | finished (a study is over)
  busy: false,
  loaded: { a: false, b: false },
  showing: { a: "", b: "" },
  linked: true,
  mode: "clay",
  pairs: 0,
  battle: null,
  result: null,
  study: null, // within a study: { done, quota, status, code, next }
  answers: {}, // a study's criteria: { key: winner } on this screen
  row: 0, // the criterion row the keys answer
  error: "",
  viewers,
  cameras: () => ({ a: viewers.a.cameraState(), b: viewers.b.cameraState() }),
};
window.arenaState = state;

// Votes cast sooner than this after a pair was served are kept but not counted,
// so the buttons wait that long (plus a little for the trip to the server).
const MIN_VOTE_MS = Math.max(0, parseFloat(root.dataset.minVoteSeconds) || 0) * 1000;
const MIN_VOTE_MARGIN_MS = MIN_VOTE_MS ? 250 : 0;

let pairSeq = 0;
let advanceTimer = 0;

// A study sends its participant back to the platform this long after showing the code.
const STUDY_EXIT_MS = 3000;

// ---- server ----------------------------------------------------------------

function csrfToken() {
  if (root.dataset.csrf) return root.dataset.csrf;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function post(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  } catch {
    throw new Error("The server could not be reached. Check your connection and try again.");
  }
  let data;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || !data) {
    throw new Error((data && data.error) || `The server answered with an error (${response.status}).`);
  }
  return data;
}

// ---- page state ------------------------------------------------------------

function setPhase(phase) {
  state.phase = phase;
  root.dataset.phase = phase;
  updateControls();
}

function updateControls() {
  const canVote = state.phase === "ready" && !state.busy;
  for (const button of document.querySelectorAll(".vote")) button.disabled = !canVote;
  if (criteriaForm) {
    for (const input of criteriaForm.querySelectorAll("input[type=radio]")) input.disabled = !canVote;
    criterionRows.forEach((row, i) => row.classList.toggle("is-current", canVote && i === state.row));
    byId("criteria-submit").disabled = !canVote || !answersComplete();
    criteriaForm.setAttribute("aria-busy", state.busy ? "true" : "false");
  } else {
    byId("vote-bar").setAttribute("aria-busy", state.busy ? "true" : "false");
  }
  byId("skip-button").hidden = state.phase === "voted" || state.phase === "finished";
  byId("skip-button").disabled = state.busy;
  byId("next-button").hidden = state.phase !== "voted";
  byId("arena").classList.toggle("is-finished", state.phase === "finished");
}

function say(text, tone = "") {
  const status = byId("status");
  status.textContent = text;
  status.dataset.tone = tone;
}

function setVotesToday(count) {
  if (typeof count !== "number") return;
  const node = byId("votes-today");
  byId("votes-today-unit").textContent = count === 1 ? "vote today" : "votes today";
  if (node.textContent !== integer.format(count)) {
    node.textContent = integer.format(count);
    restartClass(node.parentElement, "bump");
  }
}

function showError(message) {
  state.error = message || "";
  byId("arena-error").hidden = !message;
  byId("arena-error-text").textContent = message || "";
}

// ---- a pair ----------------------------------------------------------------

function showPrompt(prompt) {
  const image = byId("prompt-image");
  const isImage = Boolean(prompt && prompt.image);
  byId("prompt-card").classList.toggle("has-image", isImage);
  image.hidden = !isImage;
  if (isImage) image.src = prompt.image;
  else image.removeAttribute("src");
  // Every reference view of an image prompt, in the release's order (the first is the large one).
  const views = byId("prompt-views");
  const extra = (prompt && prompt.images ? prompt.images : []).slice(1);
  views.replaceChildren(
    ...extra.map((url, i) => el("img", { class: "prompt-view", src: url, alt: `Reference view ${i + 2}` })),
  );
  views.hidden = extra.length === 0;
  byId("prompt-task").textContent = prompt ? TASK_LABELS[prompt.task] || prompt.task : "";
  const category = byId("prompt-category");
  category.textContent = (prompt && prompt.category) || "";
  category.hidden = !category.textContent;
  const text = byId("prompt-text");
  if (prompt) {
    text.textContent = prompt.text || "";
  } else {
    text.innerHTML = '<span class="skeleton-line"></span><span class="skeleton-line short"></span>';
  }
  byId("prompt-heading").textContent = isImage
    ? "Which 3D model matches the reference image better?"
    : "Which 3D model fits the prompt better?";
}

function showStats(side, info) {
  const node = byId(`stats-${side}`);
  if (!info) {
    node.textContent = "";
    return;
  }
  const viewer = viewers[side];
  const triangles = typeof info.triangles === "number" ? info.triangles : viewer.triangles;
  const parts = [`${integer.format(triangles)} triangle${triangles === 1 ? "" : "s"}`];
  if (viewer.lineSegments) parts.push(`${integer.format(viewer.lineSegments)} edges`);
  node.textContent = parts.join(" · ");
}

function clearReveal() {
  for (const side of SIDES) {
    const box = byId(`reveal-${side}`);
    box.hidden = true;
    box.replaceChildren();
    byId(`side-${side}`).classList.remove("is-winner", "is-loser", "is-tie", "is-bad");
  }
}

async function nextPair() {
  clearTimeout(advanceTimer);
  byId("next-button").classList.remove("counting");
  const seq = ++pairSeq;
  state.battle = null;
  state.result = null;
  state.busy = false;
  state.loaded = { a: false, b: false };
  state.showing = { a: "", b: "" };
  state.answers = {};
  state.row = 0;
  if (criteriaForm) criteriaForm.reset();
  clearReveal();
  showError("");
  showPrompt(null);
  for (const side of SIDES) {
    showStats(side, null);
    viewers[side].clear();
    viewers[side].setLoading(true, "Finding a pair…");
  }
  setPhase("loading");
  say("Loading a new pair…");

  let battle;
  try {
    battle = await post(root.dataset.battlesUrl, {});
  } catch (error) {
    if (seq !== pairSeq) return;
    for (const side of SIDES) viewers[side].setLoading(false);
    showError(error.message);
    say("");
    setPhase("error");
    return;
  }
  if (seq !== pairSeq) return;
  const servedAt = performance.now();
  showProgress(battle.study);
  state.battle = battle;
  state.pairs += 1;
  showPrompt(battle.prompt);
  setVotesToday(battle.votes_today);
  say("Loading the two models…");
  await Promise.all(SIDES.map((side) => loadSide(side, battle[side], seq)));
  if (seq !== pairSeq) return;
  link.refresh();
  const wait = servedAt + MIN_VOTE_MS + MIN_VOTE_MARGIN_MS - performance.now();
  if (wait > 0) {
    say("Take a moment to look at both models…");
    await new Promise((resolve) => setTimeout(resolve, wait));
    if (seq !== pairSeq) return;
  }
  setPhase("ready");
  const shown = SIDES.map((side) => state.showing[side]);
  say(
    shown.includes("views")
      ? "Showing the clay renders. Pick the better model."
      : "Both models are ready. Drag to turn them, scroll to zoom, then vote.",
  );
}

async function loadSide(side, asset, seq) {
  const viewer = viewers[side];
  let showing;
  try {
    showing = await viewer.load(asset.glb, asset.views || []);
  } catch {
    showing = "failed";
  }
  if (seq !== pairSeq || showing === "stale") return;
  state.showing[side] = showing;
  state.loaded[side] = true;
  showStats(side, asset);
}

// ---- voting ----------------------------------------------------------------

// `answers` (a study's criteria, the first one's answer being `winner`) or the single `winner`.
async function vote(winner, answers = null) {
  if (state.phase !== "ready" || state.busy || !state.battle) return;
  state.busy = true;
  updateControls();
  const button = answers ? byId("criteria-submit") : document.querySelector(`.vote[data-winner="${winner}"]`);
  button.classList.add("is-sending");
  say(answers ? "Sending your answers…" : "Sending your vote…");
  const seq = pairSeq;
  try {
    const result = await post(root.dataset.voteUrl, {
      token: state.battle.token,
      ...(answers ? { answers } : { winner }),
      interacted_a: viewers.a.interacted,
      interacted_b: viewers.b.interacted,
    });
    if (seq !== pairSeq) return;
    state.result = { ...result, winner, answers };
    state.busy = false;
    setVotesToday(result.votes_today);
    showProgress(result.study);
    if (result.study && result.study.status !== "started") {
      finishStudy(result.study);
      return;
    }
    reveal(result, winner);
    setPhase("voted");
    byId("next-button").focus({ preventScroll: true });
    if (byId("auto-advance").checked) startAutoAdvance();
  } catch (error) {
    if (seq !== pairSeq) return;
    state.busy = false;
    updateControls();
    say(`${error.message} You can skip to a new pair.`, "error");
  } finally {
    button.classList.remove("is-sending");
  }
}

function votedText(winner) {
  if (!criteriaForm) return `You voted “${WINNER_TEXT[winner]}”.`;
  const parts = CRITERIA.map((key, i) => `${criterionLabel(i)}: ${WINNER_TEXT[state.answers[key]]}`);
  return `Your answers: ${parts.join("; ")}.`;
}

function reveal(result, winner) {
  if (!result.reveal) {
    // A study without the reveal: the choice is confirmed, the names stay hidden.
    for (const side of SIDES) byId(`side-${side}`).classList.add(verdictClass(side, winner));
    const note = result.counted === false ? ` ${result.note || "This vote was kept but not counted."}` : "";
    say(`${votedText(winner)}${note}`, result.counted === false ? "warn" : "ok");
    return;
  }
  const names = [];
  for (const side of SIDES) {
    const info = (result.reveal && result.reveal[side]) || {};
    const box = byId(`reveal-${side}`);
    box.replaceChildren(
      el("span", { class: "reveal-label" }, `Model ${side.toUpperCase()} was`),
      el(info.url ? "a" : "strong", { class: "reveal-name", href: info.url || null }, info.name || "unknown"),
    );
    if (info.setting) box.append(el("span", { class: "reveal-setting" }, info.setting));
    if (info.attempts && info.attempts.length > 1) box.append(trajectory(info.attempts));
    const verdict = verdictFor(side, winner);
    if (verdict) box.append(el("span", { class: "verdict" }, verdict));
    box.hidden = false;
    byId(`side-${side}`).classList.add(verdictClass(side, winner));
    names.push(`Model ${side.toUpperCase()} was ${info.name || "unknown"}`);
  }
  let text = `${votedText(winner)} ${names.join("; ")}.`;
  if (result.counted === false) text += ` ${result.note || "This vote was kept but not counted."}`;
  say(text, result.counted === false ? "warn" : "ok");
}

function verdictClass(side, winner) {
  if (winner === side) return "is-winner";
  if (winner === "a" || winner === "b") return "is-loser";
  return winner === "tie" ? "is-tie" : "is-bad";
}

// ---- a study ---------------------------------------------------------------

function answersComplete() {
  return CRITERIA.every((key) => state.answers[key]);
}

function criterionLabel(index) {
  return criterionRows[index].querySelector(".criterion-label").textContent;
}

// Answer one criterion's row, then move to the next row still unanswered (the same one when all are).
function answer(index, winner) {
  if (state.phase !== "ready" || state.busy) return;
  const input = criterionRows[index].querySelector(`input[value="${winner}"]`);
  input.checked = true;
  state.answers[CRITERIA[index]] = winner;
  const order = CRITERIA.map((_, i) => (index + 1 + i) % CRITERIA.length);
  const next = order.find((i) => !state.answers[CRITERIA[i]]);
  state.row = next === undefined ? index : next;
  updateControls();
  say(next === undefined ? "All answered: press Enter or Submit answers." : `Next: ${criterionLabel(next)}.`);
}

function submitAnswers() {
  if (state.phase !== "ready" || state.busy) return;
  const missing = CRITERIA.map((key, i) => (state.answers[key] ? "" : criterionLabel(i))).filter(Boolean);
  if (missing.length) {
    say(`Please answer every row first: ${missing.join(", ")}.`, "warn");
    return;
  }
  vote(state.answers[CRITERIA[0]], { ...state.answers });
}

function showProgress(study) {
  if (!study) return;
  state.study = study;
  const bar = byId("study-progress");
  bar.max = study.quota;
  bar.value = Math.min(study.done, study.quota);
  byId("study-progress-text").textContent = `${integer.format(study.done)} of ${integer.format(study.quota)} pairs`;
}

function finishStudy(study) {
  stopAutoAdvance();
  for (const side of SIDES) viewers[side].clear();
  byId("study-done-title").textContent =
    study.status === "completed" ? "Thank you: you have finished!" : "Thank you for your time.";
  byId("study-done-code").textContent = study.code || "";
  byId("study-done-code").parentElement.hidden = !study.code;
  byId("study-done-link").href = study.next;
  byId("study-done").hidden = false;
  setPhase("finished");
  say(study.code ? `Your code is ${study.code}. Taking you back…` : "Taking you back…", "ok");
  setTimeout(() => window.location.assign(study.next), STUDY_EXIT_MS);
}

function trajectory(attempts) {
  // The refinement trajectory: each attempt's status as the runner recorded it, its error on hover.
  return el("ol", { class: "reveal-attempts" }, ...attempts.map((attempt) => el("li",
    { "data-status": attempt.status || "", title: attempt.error || null },
    `attempt ${attempt.number}: ${attempt.status || "not rendered"}`)));
}

function verdictFor(side, winner) {
  if (winner === side) return "your pick";
  if (winner === "tie") return "tie";
  if (winner === "both_bad") return "both bad";
  return "";
}

function startAutoAdvance() {
  clearTimeout(advanceTimer);
  const next = byId("next-button");
  next.style.setProperty("--advance-ms", `${AUTO_ADVANCE_MS}ms`);
  restartClass(next, "counting");
  advanceTimer = setTimeout(() => {
    if (state.phase === "voted") nextPair();
  }, AUTO_ADVANCE_MS);
}

function stopAutoAdvance() {
  clearTimeout(advanceTimer);
  byId("next-button").classList.remove("counting");
}

// ---- controls --------------------------------------------------------------

function setupToolbar() {
  const modes = document.querySelectorAll(".seg[data-mode]");
  for (const button of modes) {
    button.addEventListener("click", () => {
      state.mode = button.dataset.mode;
      pressOnly(modes, button);
      for (const side of SIDES) viewers[side].setMode(state.mode);
    });
  }
  const turntable = byId("turntable-button");
  turntable.addEventListener("click", () => {
    const on = turntable.getAttribute("aria-pressed") !== "true";
    turntable.setAttribute("aria-pressed", String(on));
    link.setAutoRotate(on);
  });
  const linkButton = byId("link-button");
  linkButton.addEventListener("click", () => {
    state.linked = !state.linked;
    linkButton.setAttribute("aria-pressed", String(state.linked));
    linkButton.querySelector(".tool-text").textContent = state.linked ? "Cameras linked" : "Cameras independent";
    link.setEnabled(state.linked);
  });
  byId("reset-button").addEventListener("click", () => link.resetView());
}

function setupCriteria() {
  if (!criteriaForm) return;
  criterionRows.forEach((row, index) => {
    for (const input of row.querySelectorAll("input[type=radio]")) {
      input.addEventListener("change", () => answer(index, input.value));
    }
    row.addEventListener("focusin", () => {
      state.row = index;
      updateControls();
    });
  });
  criteriaForm.addEventListener("submit", (event) => {
    event.preventDefault();
    submitAnswers();
  });
}

function setupActions() {
  for (const button of document.querySelectorAll(".vote")) {
    button.addEventListener("click", () => vote(button.dataset.winner));
  }
  byId("next-button").addEventListener("click", () => nextPair());
  byId("skip-button").addEventListener("click", () => {
    if (!state.busy) nextPair();
  });
  byId("retry-button").addEventListener("click", () => nextPair());

  const auto = byId("auto-advance");
  const stored = localStorage.getItem(AUTO_ADVANCE_KEY);
  auto.checked = stored === null ? root.dataset.autoAdvance === "1" : stored === "1";
  auto.addEventListener("change", () => {
    localStorage.setItem(AUTO_ADVANCE_KEY, auto.checked ? "1" : "0");
    if (!auto.checked) stopAutoAdvance();
    else if (state.phase === "voted") startAutoAdvance();
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    // Letters typed into a field are text, not votes; a focused checkbox takes no letters.
    const typing = "textarea, select, [contenteditable], input:not([type=checkbox]):not([type=radio]):not([type=button])";
    if (target.closest && target.closest(typing)) return;
    const key = event.key.toLowerCase();
    if (KEYS[key] && state.phase === "ready") {
      event.preventDefault();
      if (criteriaForm) answer(state.row, KEYS[key]);
      else vote(KEYS[key]);
    } else if (key === "enter" && criteriaForm && state.phase === "ready") {
      if (target.closest && target.closest("button, a")) return; // the focused button does it
      event.preventDefault();
      submitAnswers();
    } else if ((key === "n" || key === "enter") && state.phase === "voted") {
      // Enter on a focused button or link already activates it.
      if (key === "enter" && target.closest && target.closest("button, a")) return;
      event.preventDefault();
      nextPair();
    } else if (key === "s" && !state.busy && state.phase !== "voted") {
      event.preventDefault();
      nextPair();
    }
  });
}

function setupLive() {
  try {
    liveSocket("/ws/arena/", (message) => {
      if (message && typeof message.votes_today === "number") setVotesToday(message.votes_today);
    });
  } catch {
    // The page works without live updates.
  }
}

setupToolbar();
setupCriteria();
setupActions();
setupLive();
nextPair();
