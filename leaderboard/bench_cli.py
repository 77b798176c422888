"""Benchmark of the rating command line against the chat arena's code: ``python -m leaderboard.bench_cli``.

Writes a clean-battles JSON file once (the chat arena's format: a list of
objects with ``model_a``, ``model_b``, ``winner``, ``judge``, ``turn``,
``anony``, ``language``, ``tstamp``; battles drawn from a known Bradley–Terry
truth, as in :mod:`leaderboard.bench`), then times whole processes on it,
interleaved: ``python -m leaderboard.rating FILE --bootstrap ROUNDS`` and the
reference, LMArena's ``arena-rank`` (:mod:`leaderboard.bench_reference`, run
by the reference venv's Python). Prints medians, the ratio, the largest
differences of ratings and interval bounds between the two, and the stages
of ours timed in one process. Prints a markdown report.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SCRIPT = ROOT / "leaderboard" / "bench_reference.py"
LANGUAGES = ("English", "Chinese", "German", "Spanish", "Russian")


def write_battles(path: Path, *, n_battles: int, n_models: int, seed: int) -> None:
    """A clean-battles JSON list of ``n_battles`` among ``n_models``, seeded."""
    import numpy as np

    from leaderboard.bench import simulate_battles
    from leaderboard.rating import WINNERS

    battles, _ = simulate_battles(n_models, n_battles, seed=seed)
    rng = np.random.default_rng(seed + 1)
    judge, language = rng.integers(50_000, size=n_battles), rng.integers(len(LANGUAGES), size=n_battles)
    parts = []
    for k, (a, b, o) in enumerate(zip(battles.a.tolist(), battles.b.tolist(), battles.outcome.tolist(), strict=True)):
        record = {
            "model_a": battles.models[a], "model_b": battles.models[b], "winner": WINNERS[o],
            "judge": f"arena_user_{judge[k]}", "turn": 1, "anony": True,
            "language": LANGUAGES[language[k]], "tstamp": 1_700_000_000.0 + 2.5 * k,
        }  # fmt: skip
        parts.append(json.dumps(record))
    tmp = path.with_suffix(".tmp")
    tmp.write_text("[\n" + ",\n".join(parts) + "\n]\n", encoding="utf-8")
    tmp.replace(path)


def timed(command: list[str], out: Path) -> float:
    """Wall time of one whole process; its standard output goes to ``out``."""
    with out.open("wb") as fh:
        start = time.perf_counter()
        subprocess.run(command, stdout=fh, stderr=subprocess.PIPE, check=True, cwd=ROOT)
        return time.perf_counter() - start


def stages(path: str, rounds: int) -> dict[str, float]:
    """Seconds per stage of the command line's work, in this process (imports excluded)."""
    import numpy as np

    from leaderboard import rating

    times: dict[str, float] = {}
    start = time.perf_counter()
    battles = rating.read_battles(path)
    times["read the file"] = time.perf_counter() - start
    start = time.perf_counter()
    counts = battles.counts()
    n = len(counts.models)
    cells = rating._cells(n, counts.a, counts.b, counts.outcome, counts.count, False, False)
    times["aggregate to counts"] = time.perf_counter() - start
    start = time.perf_counter()
    fit = rating.fit_counts(n, counts.a, counts.b, counts.outcome, counts.count, bootstrap=0)
    theta = rating._strengths(cells, 0.0)
    times["point estimate, tallies, matrices"] = time.perf_counter() - start
    start = time.perf_counter()
    rating._bootstrap(cells, rounds, 0, 0.0, theta, None)
    times[f"bootstrap ({rounds} rounds)"] = time.perf_counter() - start
    start = time.perf_counter()
    rating.online_elo(n, battles.a, battles.b, battles.outcome)
    times["online Elo"] = time.perf_counter() - start
    start = time.perf_counter()
    rows = [{"model": m, "rating": float(r)} for m, r in zip(counts.models, np.asarray(fit.rating), strict=True)]
    json.dumps(rows, indent=2)
    times["output"] = time.perf_counter() - start
    return times


def compare(ours: Path, reference: Path) -> dict[str, float]:
    """Largest absolute differences of ratings and interval bounds, by model."""
    a = {r["model"]: r for r in json.loads(ours.read_text())}
    b = {r["model"]: r for r in json.loads(reference.read_text())}
    if set(a) != set(b):
        raise SystemExit(f"the two boards rate different models: {sorted(set(a) ^ set(b))[:5]}")
    width_a = statistics.median(a[m]["ci_high"] - a[m]["ci_low"] for m in a)
    width_b = statistics.median(b[m]["ci_high"] - b[m]["ci_low"] for m in a)
    return {
        "rating": max(abs(a[m]["rating"] - b[m]["rating"]) for m in a),
        "bound": max(max(abs(a[m]["ci_low"] - b[m]["ci_low"]), abs(a[m]["ci_high"] - b[m]["ci_high"])) for m in a),
        "width_ours": width_a,
        "width_reference": width_b,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leaderboard.bench_cli", description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5, help="whole-process runs of ours")
    parser.add_argument("--reference-runs", type=int, default=1, help="whole-process runs of the reference")
    parser.add_argument("--reference-python", default=str(ROOT / "var" / "bench" / "ref-venv" / "bin" / "python"))
    parser.add_argument("--dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--stages", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages:
        print(json.dumps(stages(args.stages, args.rounds)))
        return 0

    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"battles-{args.battles}-{args.models}-{args.seed}.json"
    if not path.exists():
        write_battles(path, n_battles=args.battles, n_models=args.models, seed=args.seed)
    if not Path(args.reference_python).exists():
        print(f"error: no reference Python at {args.reference_python} (make bench-rating-cli creates it)")
        return 1
    ours_cmd = [sys.executable, "-m", "leaderboard.rating", str(path), "--bootstrap", str(args.rounds)]
    # -P: the script's folder (leaderboard/, with a selectors.py) must not shadow the standard library.
    ref_cmd = [args.reference_python, "-P", str(REFERENCE_SCRIPT), str(path), str(args.rounds)]
    start_cmd = [sys.executable, "-c", "import leaderboard.rating"]
    ours_out, ref_out = args.dir / "rating-cli-ours.json", args.dir / "rating-cli-reference.json"
    loads = [os.getloadavg()[0]]
    ours_t: list[float] = []
    ref_t: list[float] = []
    start_t: list[float] = []
    for k in range(max(args.runs, args.reference_runs)):
        if k < args.runs:
            ours_t.append(timed(ours_cmd, ours_out))
            start_t.append(timed(start_cmd, args.dir / "rating-cli-start.txt"))
        if k < args.reference_runs:
            ref_t.append(timed(ref_cmd, ref_out))
        loads.append(os.getloadavg()[0])
    done = subprocess.run(
        [sys.executable, "-m", "leaderboard.bench_cli", "--stages", str(path), "--rounds", str(args.rounds)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    stage = json.loads(done.stdout)
    diff = compare(ours_out, ref_out)
    ours_m, ref_m = statistics.median(ours_t), statistics.median(ref_t)
    ratio = ref_m / ours_m

    size = path.stat().st_size / 2**20
    print("# Rating command line against the chat arena's code\n")
    print(
        f"{args.battles:,} battles among {args.models} models in a clean-battles JSON list ({size:.0f} MiB), "
        f"{args.rounds} bootstrap rounds; whole processes, interleaved, {args.runs} runs of ours and "
        f"{args.reference_runs} of the reference; {os.cpu_count()} CPUs; 1-minute load average "
        f"{min(loads):.1f}–{max(loads):.1f} during the runs.\n"
    )
    print("| process | median s | runs (s) |")
    print("|---|---:|---|")
    print(f"| `python -m leaderboard.rating FILE --bootstrap {args.rounds}` | **{ours_m:.2f}** | "
          f"{', '.join(f'{t:.2f}' for t in ours_t)} |")  # fmt: skip
    print(f"| reference: arena-rank `BradleyTerry`, bootstrap {args.rounds} rounds | **{ref_m:.1f}** | "
          f"{', '.join(f'{t:.1f}' for t in ref_t)} |")  # fmt: skip
    print(f"| of ours: interpreter start and `import leaderboard.rating` | {statistics.median(start_t):.2f} | |")
    print("\n| stage of ours (one process, imports excluded) | seconds |")
    print("|---|---:|")
    for name, seconds in stage.items():
        print(f"| {name} | {seconds:.2f} |")
    verdict = "met" if ratio >= 20 else "not met"
    print(f"\nOurs is **{ratio:.0f}x** faster than the reference (goal 20x: {verdict}).")
    print(
        f"Largest rating difference {diff['rating']:.2g} points (goal under 1); largest difference of an "
        f"interval bound {diff['bound']:.2f} points; median 95% interval width {diff['width_ours']:.2f} (ours) "
        f"and {diff['width_reference']:.2f} (reference) points."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
