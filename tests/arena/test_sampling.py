from __future__ import annotations

import numpy as np
import pytest

from arena.sampling import choose_pair, pair_weights, standard_errors
from leaderboard.simulation import simulate

PAIRS = [(0, 1), (0, 2), (1, 2)]


def test_uniform_gives_every_pair_the_same_chance():
    weights = pair_weights(PAIRS, np.zeros((3, 3)), np.zeros((3, 3)), strategy="uniform")
    assert np.allclose(weights, 1 / 3)


def test_the_variance_rule_favours_the_pair_with_fewer_votes():
    counts = np.array([[0, 50, 5], [50, 0, 50], [5, 50, 0]], dtype=float)
    weights = pair_weights(PAIRS, counts, counts / 2, strategy="variance")
    assert weights[1] > 3 * weights[0] and weights.sum() == pytest.approx(1)


def test_active_favours_pairs_whose_order_is_uncertain():
    counts = np.full((3, 3), 20.0)
    ratings = np.array([1000.0, 1010.0, 1400.0])
    errors = np.array([20.0, 20.0, 20.0])
    weights = pair_weights(PAIRS, counts, counts / 2, strategy="active", ratings=ratings, errors=errors)
    assert weights[0] > 5 * max(weights[1], weights[2])


def test_the_floor_keeps_every_pair_sampled():
    counts = np.full((3, 3), 20.0)
    ratings, errors = np.array([0.0, 10.0, 3000.0]), np.full(3, 1.0)
    weights = pair_weights(PAIRS, counts, counts / 2, strategy="active", ratings=ratings, errors=errors, floor=0.1)
    assert weights.min() >= 0.1 / 3 - 1e-12


def test_it_refuses_an_unknown_strategy():
    with pytest.raises(ValueError, match="unknown sampling strategy"):
        pair_weights(PAIRS, np.zeros((3, 3)), np.zeros((3, 3)), strategy="greedy")


def test_choose_pair_follows_the_weights():
    rng = np.random.default_rng(0)
    counts = np.array([[0, 0, 100], [0, 0, 100], [100, 100, 0]], dtype=float)
    picks = [choose_pair(PAIRS, counts, counts / 2, rng, strategy="variance", floor=0.0) for _ in range(300)]
    assert picks.count((0, 1)) > 250


def test_standard_errors_shrink_with_more_battles():
    a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
    few = standard_errors(3, a, b, np.zeros(3))
    many = standard_errors(3, np.repeat(a, 100), np.repeat(b, 100), np.zeros(3))
    assert np.all(many < few / 5)


def test_a_simulation_recovers_a_clear_ranking():
    run = simulate(strategy="active", votes=1500, seed=1, n_models=5, spread=800, checkpoint=100, bootstrap=20)
    assert run.final_tau >= 0.8 and run.votes_to_target is not None
