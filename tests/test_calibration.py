"""The calibration module: fitted probabilities follow the observed rates; cuts keep their precision."""

import numpy as np
import pytest

from search.calibration import (
    Calibrator,
    brier,
    choose_cut,
    expected_calibration_error,
    fit,
    isotonic_steps,
    precision_recall,
)


def synthetic(n: int, seed: int):
    """Two features; the true probability is a logistic function of the first only."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    p = 1 / (1 + np.exp(-(2.5 * X[:, 0] - 0.5)))
    return X, (rng.random(n) < p).astype(float), p


def test_fitted_probabilities_match_observed_rates_on_held_out_data():
    X, y, _ = synthetic(4000, 1)
    cal = fit(X, y, ["signal", "noise"])
    Xt, yt, true = synthetic(4000, 2)
    probs = cal.predict(Xt)
    assert expected_calibration_error(probs, yt) < 0.04
    assert np.corrcoef(probs, true)[0, 1] > 0.97
    assert abs(cal.weights[0]) > 5 * abs(cal.weights[1])  # the noise feature gets little weight
    assert brier(probs, yt) < brier(np.full(len(yt), yt.mean()), yt)


def test_a_cut_keeps_its_precision_and_a_json_round_trip_changes_nothing():
    X, y, _ = synthetic(3000, 3)
    cal = fit(X, y, ["signal", "noise"])
    cut = choose_cut(cal.predict(X), y, min_precision=0.9)
    precision, recall, n = precision_recall(cal.predict(X), y, cut)
    assert precision >= 0.9 and 0 < recall < 1 and n > 0
    again = Calibrator.from_json(cal.to_json())
    assert np.allclose(again.predict(X), cal.predict(X))
    assert again.predict_one({"signal": 3.0, "noise": 0.0}) > 0.95
    assert again.predict_one({"signal": -3.0, "noise": 0.0}) < 0.05


def test_isotonic_steps_are_monotone_and_pool_violations():
    xs, ys = isotonic_steps(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 1, 0, 1]))
    assert ys == sorted(ys)
    assert np.interp(0.25, xs, ys) == pytest.approx(0.5)


def test_no_cut_reaches_an_impossible_precision():
    assert choose_cut(np.array([0.9, 0.8]), np.array([0, 0]), 0.5) == 1.0


def test_fit_refuses_one_class_only():
    with pytest.raises(ValueError):
        fit(np.zeros((5, 1)), np.ones(5), ["x"])


def test_nonnegative_features_never_get_a_negative_weight():
    """A feature that hurts in the data is held at 0 when it must be monotone evidence."""
    X, y, _ = synthetic(3000, 4)
    X[:, 1] = -X[:, 0] + 0.1 * np.random.default_rng(5).normal(size=len(X))  # anti-correlated with y
    free = fit(X, y, ["signal", "against"], isotonic=False)
    held = fit(X, y, ["signal", "against"], isotonic=False, nonnegative=["against"])
    assert free.weights[1] < 0 and held.weights[1] == 0.0 and held.weights[0] > 0


def test_isotonic_ignores_examples_of_weight_zero():
    xs, ys = isotonic_steps(np.array([0.1, 0.2, 0.3]), np.array([0, 1, 0]), np.array([1.0, 1.0, 0.0]))
    assert all(np.isfinite(ys)) and ys == sorted(ys) and ys[-1] == 1.0
