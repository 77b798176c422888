"""Agreement and bias figures of a set of pairwise votes (pure numpy/scipy, no Django).

A vote is on an *item*: a prompt and an unordered pair of models. Its answer is
side-independent: the item's first model (by a fixed order, e.g. the lower id)
is better (``FIRST``), the second is (``SECOND``), a tie (``TIE``) or both are
bad (``BOTH_BAD``). ``left_first`` says whether the first model was shown on
the left. A *repeat* is the same item shown again to the same annotator with
the sides swapped; it points at the vote it repeats.

Every figure comes with what a methods section needs: the count it is over,
the estimate and a 95% interval (Wilson for shares; a percentile bootstrap over
items for Cohen's kappa and Krippendorff's alpha). docs/studies.md ("Methods")
says what each figure is in prose. ``python -m arena.agreement`` prints the
figures of a simulated study.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import Any

import krippendorff
import numpy as np
from scipy import stats

FIRST, SECOND, TIE, BOTH_BAD = 0, 1, 2, 3
ANSWERS = ("first", "second", "tie", "both_bad")
N_ANSWERS = len(ANSWERS)
CONFIDENCE = 0.95
BOOTSTRAP_ROUNDS = 2000
# The bootstrap is seeded: the same votes give the same interval on every page load.
BOOTSTRAP_SEED = 20260501


@dataclass(frozen=True)
class VoteTable:
    """Votes as parallel arrays, one entry per vote, in vote order.

    Attributes
    ----------
    item : ndarray of int, shape (n,)
        The item (prompt and unordered model pair) as an integer code.
    annotator : ndarray of int, shape (n,)
        The annotator as an integer code.
    answer : ndarray of int, shape (n,)
        ``FIRST``, ``SECOND``, ``TIE`` or ``BOTH_BAD`` (side-independent).
    left_first : ndarray of bool, shape (n,)
        Whether the item's first model was shown on the left.
    seconds : ndarray of float, shape (n,)
        Seconds from serving the pair to the vote.
    repeat_of : ndarray of int, shape (n,)
        For a repeat, the position in this table of the vote it repeats; -1 otherwise
        (also when the repeated vote is not in the table).
    """

    item: np.ndarray
    annotator: np.ndarray
    answer: np.ndarray
    left_first: np.ndarray
    seconds: np.ndarray
    repeat_of: np.ndarray

    @classmethod
    def build(
        cls,
        *,
        item: Any,
        annotator: Any,
        answer: Any,
        left_first: Any,
        seconds: Any,
        repeat_of: Any = None,
    ) -> VoteTable:
        """Check and convert the columns; a bad column raises ``ValueError`` naming it and the first bad row."""
        columns = {
            "item": np.asarray(item, dtype=np.int64).reshape(-1),
            "annotator": np.asarray(annotator, dtype=np.int64).reshape(-1),
            "answer": np.asarray(answer, dtype=np.int64).reshape(-1),
            "left_first": np.asarray(left_first, dtype=bool).reshape(-1),
            "seconds": np.asarray(seconds, dtype=float).reshape(-1),
        }
        n = columns["item"].size
        columns["repeat_of"] = (
            np.full(n, -1, dtype=np.int64) if repeat_of is None else np.asarray(repeat_of, dtype=np.int64).reshape(-1)
        )
        for name, column in columns.items():
            if column.size != n:
                raise ValueError(f"{name}: {column.size} values for {n} votes")
        _check_rows("answer", (columns["answer"] < 0) | (columns["answer"] >= N_ANSWERS), "is not an answer code 0-3")
        _check_rows("seconds", ~np.isfinite(columns["seconds"]) | (columns["seconds"] < 0), "is not a time >= 0")
        repeat = columns["repeat_of"]
        _check_rows("repeat_of", (repeat < -1) | (repeat >= np.arange(n)), "does not point at an earlier vote")
        return cls(**columns)

    def __len__(self) -> int:
        return int(self.item.size)


def _check_rows(name: str, bad: np.ndarray, what: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: row {row} {what}")


@dataclass(frozen=True)
class Share:
    """A proportion ``k / n`` with its Wilson interval (and, for position bias, a test against 0.5)."""

    k: int
    n: int
    estimate: float | None
    low: float | None
    high: float | None
    pvalue: float | None = None


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa over ``items`` pairs of judgements, with observed and chance agreement."""

    items: int
    observed: float | None
    expected: float | None
    estimate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha (nominal) over ``units`` items with two or more judgements."""

    units: int
    values: int
    annotators: int
    estimate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Times:
    """Seconds per vote: median and quartiles."""

    n: int
    median: float | None
    q1: float | None
    q3: float | None


@dataclass(frozen=True)
class Agreement:
    """Every figure of the panel."""

    votes: int
    annotators: int
    items: int
    kappa: Kappa
    alpha: Alpha
    repeat: Share
    position: Share
    ties: Share
    both_bad: Share
    seconds: Times

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- shares ----------------------------------------------------------------------


def wilson_interval(k: int, n: int, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion.

    Parameters
    ----------
    k, n : int
        Successes and trials, ``0 <= k <= n``, ``n >= 1``.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    (low, high) : tuple of float
        Equal to ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")``.
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval: need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def share(k: int, n: int, *, test: bool = False) -> Share:
    """``k / n`` with its Wilson interval; ``test`` adds the exact two-sided binomial test against 0.5."""
    if n == 0:
        return Share(k=0, n=0, estimate=None, low=None, high=None)
    low, high = wilson_interval(k, n)
    pvalue = float(stats.binomtest(k, n, 0.5).pvalue) if test else None
    return Share(k=int(k), n=int(n), estimate=k / n, low=low, high=high, pvalue=pvalue)


# -- Cohen's kappa -----------------------------------------------------------------


def first_two(table: VoteTable) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of judgements kappa is computed on: per item, its first two annotators.

    Repeats are left out and each annotator's first judgement of an item is theirs;
    of the items judged by two or more annotators, the first (earliest vote) is
    rater 1 and the second is rater 2. Returns the two raters' answers, one entry per item.
    """
    firsts = _first_judgements(table)
    items, answers = table.item[firsts], table.answer[firsts]
    # Vote order within an item: positions are in vote order, and a stable sort keeps it.
    order = np.argsort(items, kind="stable")
    items, answers = items[order], answers[order]
    starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
    counts = np.diff(np.r_[starts, items.size])
    keep = starts[counts >= 2]
    return answers[keep], answers[keep + 1]


def _first_judgements(table: VoteTable) -> np.ndarray:
    """Positions of each (item, annotator)'s first vote that is not a repeat, in vote order."""
    positions = np.flatnonzero(table.repeat_of < 0)
    keys = np.stack([table.item[positions], table.annotator[positions]], axis=1)
    _, first = np.unique(keys, axis=0, return_index=True)
    return np.sort(positions[first])


def kappa_table(first: np.ndarray, second: np.ndarray, *, categories: int = N_ANSWERS) -> np.ndarray:
    """The ``categories`` x ``categories`` table of counts: rows rater 1's answer, columns rater 2's."""
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    if first.shape != second.shape:
        raise ValueError(f"kappa_table: {first.size} answers of rater 1 against {second.size} of rater 2")
    cells = np.bincount(first * categories + second, minlength=categories * categories)
    return cells.reshape(categories, categories)


def kappa_from_tables(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cohen's kappa of one table (k, k) or a stack (..., k, k): (kappa, observed, chance agreement).

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of items on the
    diagonal and ``p_e = sum_c p1(c) p2(c)`` from the two raters' marginals. It is
    NaN where ``p_e = 1`` (both raters always gave one and the same answer).
    """
    tables = np.asarray(tables, dtype=float)
    n = tables.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.trace(tables, axis1=-2, axis2=-1) / n
        expected = (tables.sum(axis=-1) * tables.sum(axis=-2)).sum(axis=-1) / (n * n)
        kappa = np.where(expected < 1, (observed - expected) / (1 - expected), np.nan)
    return kappa, observed, expected


def cohen_kappa(
    first: np.ndarray,
    second: np.ndarray,
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = BOOTSTRAP_SEED,
) -> Kappa:
    """Cohen's kappa of two raters' nominal answers, with a percentile bootstrap interval over items.

    Resampling items with replacement only changes how many items fall in each
    cell of the table, so each bootstrap table is a multinomial draw of ``n``
    items with the observed cell shares (exactly the item bootstrap, without
    materialising resampled items).
    """
    table = kappa_table(first, second)
    n = int(table.sum())
    if n == 0:
        return Kappa(items=0, observed=None, expected=None, estimate=None, low=None, high=None)
    kappa, observed, expected = (float(v) for v in kappa_from_tables(table))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, table.reshape(-1) / n, size=rounds).reshape(rounds, *table.shape)
    low, high = _percentiles(kappa_from_tables(draws)[0])
    return Kappa(items=n, observed=observed, expected=expected, estimate=_finite(kappa), low=low, high=high)


# -- Krippendorff's alpha ------------------------------------------------------------


def value_counts(table: VoteTable) -> np.ndarray:
    """Units x answers: how many annotators gave each answer to each item (first judgements, no repeats)."""
    return _units(table)[2]


def _units(table: VoteTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First judgements' positions, each one's unit (item index), and the units' value counts."""
    firsts = _first_judgements(table)
    _, unit = np.unique(table.item[firsts], return_inverse=True)
    counts = np.zeros((int(unit.max()) + 1 if unit.size else 0, N_ANSWERS), dtype=np.int64)
    np.add.at(counts, (unit, table.answer[firsts]), 1)
    return firsts, unit, counts


def alpha_from_counts(counts: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Nominal Krippendorff's alpha from value counts (units x values), for one or many unit weightings.

    Parameters
    ----------
    counts : ndarray, shape (units, values)
        Annotators per unit and value. Units with fewer than two values are not pairable and add nothing.
    weights : ndarray, shape (rounds, units), optional
        How many times each unit is taken (a bootstrap resample); default: each once.

    Returns
    -------
    ndarray
        Alpha per weighting (a scalar array without ``weights``); NaN where there is no
        expected disagreement. Equal to ``krippendorff.alpha(value_counts=counts,
        level_of_measurement="nominal")``.
    """
    counts = np.asarray(counts, dtype=float)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    values = counts.shape[1]
    # Each unit's coincidences o_ck = (n_c n_k - [c = k] n_c) / (m - 1), flattened to values^2 columns.
    outer = counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(values)[None]
    per_unit = (outer / (m - 1)[:, None, None]).reshape(counts.shape[0], values * values)
    if weights is None:
        coincidences = per_unit.sum(axis=0)[None]
    else:
        coincidences = np.asarray(weights, dtype=float)[:, pairable] @ per_unit
    coincidences = coincidences.reshape(-1, values, values)
    n_c = coincidences.sum(axis=2)
    n = n_c.sum(axis=1)
    disagree = n - np.trace(coincidences, axis1=1, axis2=2)
    chance = n * n - (n_c * n_c).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(chance > 0, 1 - (n - 1) * disagree / chance, np.nan)
    return alpha if weights is not None else alpha.reshape(())


def krippendorff_alpha(table: VoteTable, *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = BOOTSTRAP_SEED) -> Alpha:
    """Krippendorff's alpha (nominal) over every item two or more annotators judged, with a bootstrap over items.

    The estimate is the ``krippendorff`` package's. For the interval, items with
    the same value counts are interchangeable, so a resample of the ``U`` pairable
    items is a multinomial draw of ``U`` over the distinct count profiles.
    """
    firsts, unit, counts = _units(table)
    is_pairable = counts.sum(axis=1) >= 2
    pairable = counts[is_pairable]
    annotators = int(np.unique(table.annotator[firsts][is_pairable[unit]]).size)
    units, values = int(pairable.shape[0]), int(pairable.sum())
    if units == 0 or np.count_nonzero(pairable.sum(axis=0)) < 2:  # nothing to pair, or one answer only
        return Alpha(units=units, values=values, annotators=annotators, estimate=None, low=None, high=None)
    estimate = float(krippendorff.alpha(value_counts=pairable, level_of_measurement="nominal"))
    profiles, frequency = np.unique(pairable, axis=0, return_counts=True)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(units, frequency / units, size=rounds)
    low, high = _percentiles(alpha_from_counts(profiles, weights))
    return Alpha(units=units, values=values, annotators=annotators, estimate=_finite(estimate), low=low, high=high)


# -- repeats, position, rates, time ------------------------------------------------------


def repeat_consistency(table: VoteTable) -> Share:
    """Share of repeats (same annotator, same item, sides swapped) whose side-independent answer held."""
    repeats = np.flatnonzero(table.repeat_of >= 0)
    held = int(np.sum(table.answer[repeats] == table.answer[table.repeat_of[repeats]]))
    return share(held, repeats.size)


def position_bias(table: VoteTable) -> Share:
    """Share of decisive votes (first or second better) that went to the side shown on the left, tested against 0.5."""
    decisive = table.answer <= SECOND
    left = (table.answer == FIRST) == table.left_first
    return share(int(np.sum(decisive & left)), int(np.sum(decisive)), test=True)


def time_summary(seconds: np.ndarray) -> Times:
    seconds = np.asarray(seconds, dtype=float)
    if seconds.size == 0:
        return Times(n=0, median=None, q1=None, q3=None)
    q1, median, q3 = (float(v) for v in np.percentile(seconds, [25, 50, 75]))
    return Times(n=int(seconds.size), median=median, q1=q1, q3=q3)


def agreement(table: VoteTable, *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = BOOTSTRAP_SEED) -> Agreement:
    """Every figure of the panel from one table of votes.

    Kappa and alpha use each annotator's first judgement of an item (repeats left
    out); position bias, tie and both-bad rates and time per vote use every vote
    of the table, repeats included; repeat consistency uses the repeats.
    """
    n = len(table)
    return Agreement(
        votes=n,
        annotators=int(np.unique(table.annotator).size),
        items=int(np.unique(table.item).size),
        kappa=cohen_kappa(*first_two(table), rounds=rounds, seed=seed),
        alpha=krippendorff_alpha(table, rounds=rounds, seed=seed),
        repeat=repeat_consistency(table),
        position=position_bias(table),
        ties=share(int(np.sum(table.answer == TIE)), n),
        both_bad=share(int(np.sum(table.answer == BOTH_BAD)), n),
        seconds=time_summary(table.seconds),
    )


def _percentiles(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float | None, float | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None, None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


# -- a simulated study -----------------------------------------------------------------


def simulate(
    *,
    annotators: int = 300,
    votes_each: int = 30,
    items: int = 400,
    repeat_rate: float = 0.1,
    seed: int = 0,
) -> VoteTable:
    """Votes of a simulated study: each item has a true answer that an annotator gives with probability 0.7.

    Otherwise the answer is drawn at random (with a pull to the left side for
    decisive ones); a share ``repeat_rate`` of each annotator's votes repeat an
    earlier one of theirs, answered the same way with probability 0.8.
    """
    rng = np.random.default_rng(seed)
    truth = rng.choice(N_ANSWERS, size=items, p=[0.4, 0.4, 0.12, 0.08])
    rows: list[tuple[int, int, int, bool, float, int]] = []
    for annotator in range(annotators):
        mine: list[int] = []
        for item in rng.choice(items, size=votes_each, replace=False):
            if mine and rng.random() < repeat_rate:
                original = mine.pop(int(rng.integers(len(mine))))
                _, _, answer, left, _, _ = rows[original]
                if rng.random() > 0.8:
                    answer = int(rng.integers(N_ANSWERS))
                rows.append((rows[original][0], annotator, answer, not left, float(rng.lognormal(2.1, 0.5)), original))
                continue
            left = bool(rng.random() < 0.5)
            answer = int(truth[item]) if rng.random() < 0.7 else int(rng.integers(N_ANSWERS))
            if answer <= SECOND and rng.random() < 0.1:
                answer = FIRST if left else SECOND
            mine.append(len(rows))
            rows.append((int(item), annotator, answer, left, float(rng.lognormal(2.1, 0.5)), -1))
    columns = list(zip(*rows, strict=True))
    return VoteTable.build(
        item=columns[0],
        annotator=columns[1],
        answer=columns[2],
        left_first=columns[3],
        seconds=columns[4],
        repeat_of=columns[5],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The agreement figures of a simulated study.")
    parser.add_argument("--annotators", type=int, default=300)
    parser.add_argument("--votes", type=int, default=30, help="votes per annotator")
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--repeat-rate", type=float, default=0.1)
    args = parser.parse_args(argv)
    table = simulate(annotators=args.annotators, votes_each=args.votes, items=args.items, repeat_rate=args.repeat_rate)
    for name, value in agreement(table).as_dict().items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
