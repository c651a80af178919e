"""Calibrated confidence: the estimated probability that a proposed match is right.

One module for every kind of match the product proposes (a search hit, an overlap pair, a
lineage link): a small logistic regression over features that can be explained (cosines,
BM25, shared words, shared place in the graph), fitted on judged data, optionally followed
by isotonic regression so that the probabilities match the observed rates. A `Calibrator`
is plain data (JSON): feature names, standardisation, weights, the isotonic steps, the
cuts chosen for a stated precision, and what it was fitted on.

    cal = fit(X, y, names, l2=1.0, isotonic=True)      X: [n x len(names)], y: 0/1
    cal.predict(X) -> probabilities in [0, 1]
    cal.cuts["strong"] = choose_cut(cal.predict(X_tune), y_tune, min_precision=0.9)
    Calibrator.from_json(cal.to_json())

Everything here is numpy: the models are tiny (a handful of features, a few thousand
judged pairs), and Newton's method converges in a few steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Calibrator:
    names: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    # Isotonic map from the logistic probability to the observed rate: breakpoints and values.
    iso_x: list[float] = field(default_factory=list)
    iso_y: list[float] = field(default_factory=list)
    cuts: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)  # what it was fitted on, when, held-out figures

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The logistic regression's probability (before the isotonic step)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        z = ((X - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def predict(self, X: np.ndarray) -> np.ndarray:
        p = self.raw(X)
        if self.iso_x:
            p = np.interp(p, self.iso_x, self.iso_y)
        return np.clip(p, 0.0, 1.0)

    def predict_one(self, features: dict[str, float]) -> float:
        return float(self.predict(np.array([[features[n] for n in self.names]]))[0])

    def contributions(self, features: dict[str, float]) -> dict[str, float]:
        """Each feature's push on the log-odds (weight x standardised value): what made it confident."""
        return {n: float(w * (features[n] - m) / s)
                for n, w, m, s in zip(self.names, self.weights, self.mean, self.scale, strict=True)}

    def to_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> Calibrator:
        return cls(**data)

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Calibrator:
        return cls.from_json(json.loads(Path(path).read_text()))


def fit(X: np.ndarray, y: np.ndarray, names: list[str], l2: float = 1.0, isotonic: bool = True,
        weights: np.ndarray | None = None, iterations: int = 50,
        nonnegative: tuple[str, ...] | list[str] = ()) -> Calibrator:
    """Logistic regression with an L2 penalty (Newton's method), then isotonic regression.

    `weights` weigh the examples (e.g. so that each query or item counts once). Features named
    in `nonnegative` get weights >= 0 (active set: a feature whose weight comes out negative is
    held at 0 and the rest refitted, until none does), so that more of that evidence never
    lowers the probability: the model stays monotone in it.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(names) or len(X) != len(y):
        raise ValueError("X must be [n x len(names)] and y of length n")
    if len(set(y.tolist())) < 2:
        raise ValueError("need both positive and negative examples")
    w_ex = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    free = np.ones(Z.shape[1], dtype=bool)
    constrained = np.array([n in set(nonnegative) for n in names] + [False])
    while True:
        beta = np.zeros(Z.shape[1])
        beta[free] = _newton(Z[:, free], y, w_ex, l2, iterations)
        negative = free & constrained & (beta < 0)
        if not negative.any():
            break
        free[np.argmin(np.where(negative, beta, np.inf))] = False  # hold the most negative at 0
    cal = Calibrator(names=list(names), mean=mean.tolist(), scale=scale.tolist(),
                     weights=beta[:-1].tolist(), bias=float(beta[-1]))
    if isotonic:
        cal.iso_x, cal.iso_y = isotonic_steps(cal.raw(X), y, w_ex)
    return cal


def _newton(Z: np.ndarray, y: np.ndarray, w_ex: np.ndarray, l2: float, iterations: int) -> np.ndarray:
    """Penalised logistic regression on standardised columns; the last column is the bias (not shrunk)."""
    beta = np.zeros(Z.shape[1])
    penalty = np.full(Z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ beta, -40, 40)))
        grad = Z.T @ (w_ex * (p - y)) + penalty * beta
        hess = (Z * (w_ex * p * (1 - p))[:, None]).T @ Z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def isotonic_steps(scores: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                   ) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: a non-decreasing map score -> rate, as breakpoints for np.interp."""
    w_all = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = w_all > 0  # examples of weight 0 say nothing
    scores, y, w_all = np.asarray(scores)[keep], np.asarray(y, dtype=np.float64)[keep], w_all[keep]
    order = np.argsort(scores, kind="stable")
    s, t, w = scores[order], y[order], w_all[order]
    blocks: list[list[float]] = []  # [weighted sum of y, weight, min score, max score]
    for si, ti, wi in zip(s, t, w, strict=True):
        blocks.append([ti * wi, wi, si, si])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            top = blocks.pop()
            blocks[-1] = [blocks[-1][0] + top[0], blocks[-1][1] + top[1], blocks[-1][2], top[3]]
    xs, ys = [], []
    for total, weight, lo, hi in blocks:
        rate = total / weight
        xs += [lo, hi]
        ys += [rate, rate]
    return [float(x) for x in xs], [float(v) for v in ys]


def choose_cut(probs: np.ndarray, labels: np.ndarray, min_precision: float) -> float:
    """The lowest confidence at which everything at or above it reaches `min_precision`
    (most recall for that precision); 1.0 when no cut reaches it."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    order = np.argsort(-probs, kind="stable")
    sorted_probs = probs[order]
    hits = np.cumsum(labels[order])
    precision = hits / np.arange(1, len(order) + 1)
    # Only the last of equal confidences is a possible cut: a cut takes all ties or none.
    last_of_tie = np.append(sorted_probs[1:] != sorted_probs[:-1], True)
    ok = np.flatnonzero((precision >= min_precision) & last_of_tie)
    if not len(ok):
        return 1.0
    return float(sorted_probs[ok[-1]])


def precision_recall(probs: np.ndarray, labels: np.ndarray, cut: float) -> tuple[float, float, int]:
    """(precision, recall, how many at or above the cut)."""
    probs = np.asarray(probs)
    labels = np.asarray(labels).astype(bool)
    chosen = probs >= cut
    n = int(chosen.sum())
    precision = float(labels[chosen].mean()) if n else 1.0
    recall = float(labels[chosen].sum() / labels.sum()) if labels.sum() else 1.0
    return precision, recall, n


def brier(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean squared error of the probabilities: how well calibrated (lower is better)."""
    return float(np.mean((np.asarray(probs) - np.asarray(labels, dtype=np.float64)) ** 2))


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """The gap between confidence and observed rate, averaged over equal-width bins."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (probs >= lo) & ((probs < hi) | (hi == 1.0))
        if inside.any():
            total += inside.sum() * abs(probs[inside].mean() - labels[inside].mean())
    return total / max(1, len(probs))
