"""Metrics and imported judges held to the human votes: the judges section of the correlation report.

Computed with the correlation report (in the background, never in a request),
once per board. Each metric and each imported judge (`metrics.models.Judge`)
gets a board of its own from its pairwise verdicts (fitted like the human
board by `leaderboard.rating.fit_leaderboard`) and the figures of
`leaderboard.judging`: separability, agreement with confidence and the pair
Brier score of that board against the human board; accuracy and Cohen's kappa
of its verdicts against the human votes on the same pairs; the Brier score of
its own probabilities; the swap test. The human-human ceiling is computed on
the same pairs. docs/correlation.md describes every figure.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Max

from leaderboard import correlation as corr
from leaderboard import judging
from leaderboard.rating import BattleCounts, fit_leaderboard
from leaderboard.selectors import OUTCOME, rated_votes
from metrics.models import Judgement

# A verdict in a pair's own frame (the pair's models in id order): the first, the second, tie, both bad.
FIRST, SECOND, TIE, BOTH_BAD = 0, 1, 2, 3


@dataclass(frozen=True)
class Verdict:
    """One pairwise verdict of a judge: the models on sides A and B (ids and names) and the winner."""

    prompt: int
    model_a: int
    model_b: int
    name_a: str
    name_b: str
    winner: str  # a, b, tie, both_bad
    probability_a: float | None = None
    a_first: bool = True

    def key(self) -> tuple[int, int, int]:
        """The pair: prompt and the two models in id order."""
        return self.prompt, min(self.model_a, self.model_b), max(self.model_a, self.model_b)

    def chosen(self) -> int | None:
        """The model judged better, or None (tie, both bad)."""
        return self.model_a if self.winner == "a" else self.model_b if self.winner == "b" else None

    def in_pair_frame(self) -> int:
        chosen = self.chosen()
        if chosen is None:
            return TIE if self.winner == "tie" else BOTH_BAD
        return FIRST if chosen == min(self.model_a, self.model_b) else SECOND


@dataclass(frozen=True)
class HumanVote:
    prompt: int
    model_a: int
    model_b: int
    winner: str  # a or b (decided votes only)
    annotator: int

    def key(self) -> tuple[int, int, int]:
        return self.prompt, min(self.model_a, self.model_b), max(self.model_a, self.model_b)

    def chosen(self) -> int:
        return self.model_a if self.winner == "a" else self.model_b


def human_votes(*, task: str, category: str) -> list[HumanVote]:
    """The board's decided votes (A or B better), in vote order."""
    votes = rated_votes(task=task, category=category).filter(winner__in=["a", "b"]).order_by("id")
    fields = ("prompt_id", "generator_a_id", "generator_b_id", "winner", "annotator_id")
    return [HumanVote(*row) for row in votes.values_list(*fields).iterator(chunk_size=10000)]


def judge_verdicts(*, task: str, category: str) -> dict[tuple[str, str], list[Verdict]]:
    """Every imported judge's verdicts on the board's prompts, by (judge name, kind)."""
    rows = Judgement.objects.all()
    if task:
        rows = rows.filter(prompt__task=task)
    if category:
        rows = rows.filter(prompt__category=category)
    fields = ("judge__name", "judge__kind", "prompt_id", "generator_a_id", "generator_b_id", "generator_a__name",
              "generator_b__name", "winner", "probability_a", "a_first")  # fmt: skip
    out: dict[tuple[str, str], list[Verdict]] = defaultdict(list)
    for name, kind, *rest in rows.order_by("judge__name", "id").values_list(*fields).iterator(chunk_size=10000):
        out[(name, kind)].append(Verdict(*rest))
    return dict(out)


def judgements_fingerprint() -> list[Any]:
    """What the report's judges section depends on beyond votes and metrics (for the report's fingerprint)."""
    summary = Judgement.objects.aggregate(n=Count("id"), last=Max("imported_at"))
    return [summary["n"], summary["last"]]


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def _against_votes(verdicts: Sequence[Verdict], votes: Sequence[HumanVote], rounds: int,
                   rng: np.random.Generator) -> dict[str, Any]:  # fmt: skip
    """Accuracy and kappa against every decided vote on the same pair (each verdict and vote once)."""
    by_pair: dict[tuple[int, int, int], list[Verdict]] = defaultdict(list)
    for verdict in verdicts:
        by_pair[verdict.key()].append(verdict)
    human, judge, forecast, outcome = [], [], [], []
    for vote in votes:
        for verdict in by_pair.get(vote.key(), []):
            side_a = 0 if vote.winner == "a" else 1
            chosen = verdict.chosen()
            human.append(side_a)
            judge.append(-1 if chosen is None else 0 if chosen == vote.model_a else 1)
            if verdict.probability_a is not None:
                p = verdict.probability_a if verdict.model_a == vote.model_a else 1.0 - verdict.probability_a
                forecast.append(p)
                outcome.append(1.0 if side_a == 0 else 0.0)
    weights = corr.vote_weights(len(human), rounds, rng)
    agreement = corr.agreement(np.array(human, dtype=np.int64), np.array(judge, dtype=np.int64), weights)
    probability = None
    if forecast:
        probability = judging.brier(forecast, outcome, corr.vote_weights(len(forecast), rounds, rng))
    return {"agreement": agreement, "probability_brier": probability}


def human_ceiling(votes: Sequence[HumanVote], rounds: int, rng: np.random.Generator) -> dict[str, Any]:
    """Two decided votes by different annotators on the same pair (prompt and models), each couple once."""
    keys = [vote.key() for vote in votes]
    choices = [0 if vote.chosen() == key[1] else 1 for vote, key in zip(votes, keys, strict=True)]
    first, second = corr.repeated_pairs(keys, [vote.annotator for vote in votes], choices)
    weights = corr.vote_weights(first.size, rounds, rng)
    return {**corr.agreement(first, second, weights, symmetric=True), "pairs_of_votes": int(first.size)}


def swap(verdicts: Sequence[Verdict]) -> dict[str, Any] | None:
    """The swap test over the pairs this judge saw in both orders (None when there is none)."""
    seen: dict[tuple[tuple[int, int, int], int], int] = {}
    for verdict in verdicts:
        first_shown = verdict.model_a if verdict.a_first else verdict.model_b
        seen[(verdict.key(), first_shown)] = verdict.in_pair_frame()
    first, second = [], []
    for (key, first_shown), value in seen.items():
        if first_shown == key[1] and (key, key[2]) in seen:
            first.append(value)
            second.append(seen[(key, key[2])])
    return judging.swap_test(first, second) if first else None


def _board(verdicts: Sequence[Verdict], rounds: int, seed: int) -> list[dict[str, Any]] | None:
    """The judge's own board, fitted like the human board (one row per verdict, counted once)."""
    if not verdicts:
        return None
    names = sorted({v.name_a for v in verdicts} | {v.name_b for v in verdicts})
    index = {name: k for k, name in enumerate(names)}
    a = np.array([index[v.name_a] for v in verdicts], dtype=np.int64)
    b = np.array([index[v.name_b] for v in verdicts], dtype=np.int64)
    outcome = np.array([OUTCOME[v.winner] for v in verdicts], dtype=np.int64)
    counts = BattleCounts(tuple(names), a, b, outcome, np.ones(len(verdicts), dtype=np.int64))
    board = fit_leaderboard(counts, bootstrap=rounds, seed=seed, workers=1)
    keep = ("model", "rating", "ci_low", "ci_high", "rank", "battles")
    return [{key: row[key] for key in keep} for row in board.rows]


def _bounds(rows: Sequence[dict[str, Any]], models: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rating, low and high bound per model of ``models`` (NaN where the board has none)."""
    by_model = {row["model"]: row for row in rows}
    out = np.full((3, len(models)), np.nan)
    for k, model in enumerate(models):
        row = by_model.get(model)
        if row is not None and row.get("ci_low") is not None and row.get("ci_high") is not None:
            out[:, k] = row["rating"], row["ci_low"], row["ci_high"]
        elif row is not None:
            out[0, k] = row["rating"]
    return out[0], out[1], out[2]


def board_figures(board: Sequence[dict[str, Any]], human: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Separability of a board, and its agreement with confidence and pair Brier score against the human board."""
    models = sorted({row["model"] for row in human} | {row["model"] for row in board})
    rating, low, high = _bounds(board, models)
    _, human_low, human_high = _bounds(human, models)
    return {
        "separability": judging.separability(low, high),
        "agreement_with_confidence": judging.agreement_with_confidence(low, high, human_low, human_high),
        "pair_brier": judging.pair_brier(rating, human_low, human_high),
    }


def entry(*, name: str, label: str, source: str, kind: str, verdicts: Sequence[Verdict], votes: Sequence[HumanVote],
          human: Sequence[dict[str, Any]], rounds: int, seed: int, rng: np.random.Generator,
          agreement: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """One metric's or judge's figures; a metric brings the vote agreement already computed for it."""
    board = _board(verdicts, rounds, seed)
    against = _against_votes(verdicts, votes, rounds, rng) if agreement is None else {
        "agreement": agreement, "probability_brier": None}  # fmt: skip
    return {
        "name": name,
        "label": label,
        "source": source,
        "kind": kind,
        "n_verdicts": len(verdicts),
        "board": board,
        **(
            board_figures(board, human)
            if board
            else {"separability": None, "agreement_with_confidence": None, "pair_brier": None}
        ),  # fmt: skip
        **against,
        "swap": swap(verdicts) if source == "judge" else None,
    }


def _rank_key(item: dict[str, Any]) -> tuple[float, float, float]:
    def value(block: dict[str, Any] | None) -> float:
        return -np.inf if not block or block.get("value") is None else float(block["value"])

    accuracy = (item.get("agreement") or {}).get("accuracy")
    return (-value(item["agreement_with_confidence"]), -value(item["separability"]), -value(accuracy))


def scope_judges(*, task: str, category: str, human: Sequence[dict[str, Any]],
                 metrics: Sequence[tuple[dict[str, Any], Sequence[Verdict]]], rounds: int,
                 seed: int) -> dict[str, Any]:  # fmt: skip
    """The judges section of one board: every metric (its verdicts on the board's battles) and imported judge.

    Parameters
    ----------
    human : sequence of dict
        The human board's rows (``model``, ``rating``, ``ci_low``, ``ci_high``).
    metrics : sequence of (payload, verdicts)
        Each metric's report entry (with its vote-level ``agreement``) and
        its verdicts on the board's battles.

    Returns
    -------
    dict
        ``human``: the human board's separability and the human-human
        ceiling on the same pairs; ``entries``: metrics and judges, best
        first (agreement with confidence, then separability, then accuracy).
    """
    key = f"judges/{task}/{category}"
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    votes = human_votes(task=task, category=category)
    entries = []
    for payload, verdicts in metrics:
        entries.append(entry(name=payload["name"], label=payload["label"], source="metric", kind="metric",
                             verdicts=verdicts, votes=votes, human=human, rounds=rounds, seed=seed, rng=rng,
                             agreement=payload["agreement"]))  # fmt: skip
    for (name, kind), verdicts in judge_verdicts(task=task, category=category).items():
        entries.append(entry(name=name, label=name, source="judge", kind=kind, verdicts=verdicts, votes=votes,
                             human=human, rounds=rounds, seed=seed, rng=rng))  # fmt: skip
    _, low, high = _bounds(human, [row["model"] for row in human])
    return {
        "human": {"separability": judging.separability(low, high), "ceiling": human_ceiling(votes, rounds, rng)},
        "entries": sorted(entries, key=_rank_key),
        "boards": boards_beside(human, [e for e in entries if e["source"] == "judge"]),
    }


def boards_beside(human: Sequence[dict[str, Any]], judges: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The human board's models in its order, each with its rating on every judge's own board (None: not rated)."""
    keep = ("rating", "ci_low", "ci_high", "rank")
    by_judge = [{row["model"]: {k: row[k] for k in keep} for row in judge["board"] or []} for judge in judges]
    models = [row["model"] for row in human]
    models += sorted({model for board in by_judge for model in board} - set(models))
    human_rows = {row["model"]: {k: row.get(k) for k in keep} for row in human}
    return {
        "judges": [judge["name"] for judge in judges],
        "rows": [
            {"model": model, "human": human_rows.get(model), "judges": [board.get(model) for board in by_judge]}
            for model in models
        ],
    }
