"""The reference of ``make bench-rating-cli``: the chat arena's rating code on a battles file.

Run as a script by the reference venv's Python (``var/bench/ref-venv``, from
``requirements-bench-reference.txt``), never imported by the app: LMArena's
``arena-rank`` package (the ranking code of the LMArena leaderboard) pins
numpy 2, which bpy's numpy 1.26 excludes. ::

    var/bench/ref-venv/bin/python -P leaderboard/bench_reference.py BATTLES.json ROUNDS

Reads the clean-battles JSON list with pandas, keeps the anonymous battles (as
the chat arena's board does), fits ``BradleyTerry`` and its bootstrap
intervals (``ci_method="bootstrap"``, ``num_bootstrap=ROUNDS``, its other
settings at their defaults: seed 42, one worker process per CPU) and prints the
rows as JSON (model, rating, ci_low, ci_high).

arena-rank's bootstrap starts its workers with ``multiprocessing``'s default
start method, ``fork`` on Linux, which deadlocks after JAX has started its
threads (JAX warns so); the script selects ``forkserver`` (Python 3.14's
default on Linux) and changes nothing else.
"""

import json
import multiprocessing
import sys


def main() -> int:
    import pandas as pd
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    path, rounds = sys.argv[1], int(sys.argv[2])
    battles = pd.read_json(path)
    if "anony" in battles:
        battles = battles[battles["anony"].fillna(True).astype(bool)].reset_index(drop=True)
    dataset = PairDataset.from_pandas(battles)
    model = BradleyTerry(n_competitors=len(dataset.competitors))
    result = model.compute_ratings_and_cis(dataset, ci_method="bootstrap", num_bootstrap=rounds)
    rows = [
        {"model": name, "rating": float(r), "ci_low": float(low), "ci_high": float(high)}
        for name, r, low, high in zip(
            result["competitors"], result["ratings"], result["rating_lower"], result["rating_upper"], strict=True
        )
    ]
    json.dump(rows, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    multiprocessing.set_start_method("forkserver")
    sys.exit(main())
