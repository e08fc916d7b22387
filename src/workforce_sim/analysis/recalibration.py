"""Recalibration of a forecast ensemble: bias and spread by measure and horizon.

In the manner of ensemble model output statistics (EMOS), a post-processing fitted on past
forecasts whose outcomes are known: the ensemble's median is moved by the mean error of the
past medians (``bias``: outcome - median), and its members' distances from the median are
multiplied by ``spread``, the factor (on a grid) that gives the past forecasts, so moved,
their least mean CRPS. Pure functions: the backtest fits it, for a forecast made at origin Y,
only on forecasts whose outcome was published by Y (``fit_before``), and writes the fit on
every scored forecast to its run folder (``recalibration.json``) for later forecasts.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

MIN_CASES = 10                                     # fewer past forecasts: no fit (the raw ensemble)
SPREADS = np.round(np.arange(0.5, 4.0001, 0.05), 2)  # the spread factors tried


@dataclass(frozen=True)
class Past:
    """One past forecast: its measure, horizon, outcome year, outcome and ensemble."""

    measure: str
    horizon: int
    year: int
    actual: float
    ensemble: np.ndarray


@dataclass(frozen=True)
class Fit:
    bias: float = 0.0
    spread: float = 1.0
    cases: int = 0

    def as_dict(self) -> dict[str, float]:
        return {"bias": round(self.bias, 6), "spread": round(self.spread, 4), "cases": self.cases}


def apply(ensemble: np.ndarray, fit: Fit) -> np.ndarray:
    """The ensemble recalibrated: median + bias + spread x (member - median)."""
    e = np.asarray(ensemble, float)
    med = float(np.median(e))
    return med + fit.bias + fit.spread * (e - med)


def _crps(actual: np.ndarray, ens: np.ndarray) -> np.ndarray:
    import scoringrules

    return np.asarray(scoringrules.crps_ensemble(actual, ens, m_axis=-1), float)


def fit_one(past: list[Past]) -> Fit:
    """Bias and spread fitted on past forecasts of one measure and horizon (the raw ensemble when too few)."""
    if len(past) < MIN_CASES:
        return Fit(cases=len(past))
    n = min(len(p.ensemble) for p in past)
    ens = np.array([np.sort(p.ensemble)[np.linspace(0, len(p.ensemble) - 1, n).round().astype(int)] for p in past])
    actual = np.array([p.actual for p in past])
    med = np.median(ens, axis=1, keepdims=True)
    bias = float(np.mean(actual - med[:, 0]))
    dev = ens - med
    best = min(SPREADS, key=lambda s: (float(np.mean(_crps(actual, med + bias + s * dev))), abs(s - 1.0)))
    return Fit(bias=bias, spread=float(best), cases=len(past))


def fit(past: Iterable[Past]) -> dict[tuple[str, int], Fit]:
    """A fit for every measure and horizon among the past forecasts."""
    groups: dict[tuple[str, int], list[Past]] = {}
    for p in past:
        groups.setdefault((p.measure, p.horizon), []).append(p)
    return {k: fit_one(v) for k, v in sorted(groups.items())}


def fit_before(past: Iterable[Past], origin: int) -> dict[tuple[str, int], Fit]:
    """The fit a forecast made at ``origin`` may use: past forecasts whose outcome was published by then."""
    return fit(p for p in past if p.year <= origin)


def to_json(fits: Mapping[tuple[str, int], Fit]) -> dict[str, dict[str, dict[str, float]]]:
    out: dict[str, dict[str, dict[str, float]]] = {}
    for (m, h), f in fits.items():
        out.setdefault(m, {})[str(h)] = f.as_dict()
    return out


def from_json(data: Mapping[str, Mapping[str, Mapping[str, float]]]) -> dict[tuple[str, int], Fit]:
    return {(m, int(h)): Fit(float(v["bias"]), float(v["spread"]), int(v.get("cases", 0)))
            for m, hs in data.items() for h, v in hs.items()}
