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
from typing import Optional

import numpy as np

from workforce_sim.analysis.measures import ensemble_crps

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
    return ensemble_crps(actual, ens)   # as the backtest scores


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


# ------------------------------------------------------------------ a council's forecast recalibrated (wfsim run/report --recalibrated)
KNOWN_MEASURES = ("agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct", "caseload")   # the backtest's measures
# a target's measure -> (the backtest measure whose fit moves it, sign, points -> the target's unit). The permanent
# share is 1 - the agency rate (both of filled FTE), so its bias is the agency rate's, negated. Caseload is not
# moved: the backtest forecasts it from the staffing alone (docs/validation.md), not as a run with cases does.
TARGET_MEASURES: dict[str, tuple[str, float, float]] = {
    "agency_share": ("agency_rate_pct", 1.0, 0.01),
    "permanent_share": ("agency_rate_pct", -1.0, 0.01),
    "vacancy_rate": ("vacancy_rate_pct", 1.0, 0.01),
    "permanent_turnover": ("turnover_rate_pct", 1.0, 0.01),
}
SHARES = ("agency_share", "permanent_share", "vacancy_rate")   # kept within 0-1 after the move


def data_year(start) -> int:
    """The DfE year of a run's start: the latest 30 September on or before it (workforce figures are at 30 September)."""
    return start.year if (start.month, start.day) >= (9, 30) else start.year - 1


def horizon(start, when) -> int:
    """Whole years from a run's start to a date (the backtest's horizons: 30 September of Y + h from Y)."""
    return int(round((when - start).days / 365.25))


@dataclass(frozen=True)
class Recalibration:
    """A backtest's fit applied to a council's forecast: ``origin`` is the year by which every outcome it was fitted on
    had been published (a scenario may use it only from that year's data on); ``file`` where it was read."""

    fits: Mapping[tuple[str, int], Fit]
    origin: int
    file: str
    fitted_on: str = ""

    def fit_for(self, measure: str, h: int) -> Optional[Fit]:
        """The fit that moves a target's measure ``h`` years ahead (None: left raw)."""
        if measure not in TARGET_MEASURES or h < 1:
            return None
        f = self.fits.get((TARGET_MEASURES[measure][0], h))
        return f if f is not None and f.cases >= MIN_CASES else None

    def adjust(self, values: np.ndarray, measure: str, h: int) -> tuple[np.ndarray, str]:
        """A target's per-replication values ``h`` years ahead, recalibrated, and a note saying how (or why not)."""
        if measure not in TARGET_MEASURES:
            return values, ""
        f = self.fit_for(measure, h)
        if f is None:
            return values, (f"not recalibrated: {self.file} has no fit {h} year(s) ahead" if h >= 1
                            else "not recalibrated: less than a year ahead")
        _, sign, scale = TARGET_MEASURES[measure]
        out = apply(values, Fit(sign * scale * f.bias, f.spread, f.cases))
        out = np.clip(out, 0.0, 1.0) if measure in SHARES else np.maximum(out, 0.0)
        return out, (f"recalibrated {h} year(s) ahead: median moved {sign * f.bias:+.1f} points, spread x{f.spread:.2f} "
                     f"({self.file}, fitted on {f.cases} backtest forecasts with outcomes published by {self.origin})")

    def shift(self, measure: str, h: int) -> float:
        """How far the median moves ``h`` years ahead, in the target's unit (0 when left raw)."""
        f = self.fit_for(measure, h)
        if f is None:
            return 0.0
        _, sign, scale = TARGET_MEASURES[measure]
        return sign * scale * f.bias

    def describe(self) -> str:
        return (f"recalibrated with {self.file} (bias and spread by measure and horizon, fitted on backtest forecasts whose "
                f"outcomes were published by {self.origin}); moves the agency rate, permanent share, vacancy rate and turnover")

    def as_dict(self) -> dict:
        return {"file": self.file, "origin": self.origin, "fitted_on": self.fitted_on, "fits": to_json(self.fits)}


def parse(data: object, file: str) -> Recalibration:
    """A recalibration file's content (``recalibration.json`` of a backtest run folder) checked: a bad one raises
    ``InputError`` naming the file and the key."""
    from workforce_sim.errors import InputError

    if not isinstance(data, Mapping):
        raise InputError("not a recalibration (a JSON object with origin and fits)", file=file)
    origin = data.get("origin")
    if isinstance(origin, bool) or not isinstance(origin, int):
        raise InputError("missing or not a year: the year by which the outcomes it was fitted on were published "
                         "(written by wfsim backtest)", file=file, key="origin")
    fits_in = data.get("fits")
    if not isinstance(fits_in, Mapping) or not fits_in:
        raise InputError("missing or empty: bias and spread by measure and horizon", file=file, key="fits")
    fits: dict[tuple[str, int], Fit] = {}
    for m, hs in fits_in.items():
        if m not in KNOWN_MEASURES:
            raise InputError(f"unknown measure; known: {', '.join(KNOWN_MEASURES)}", file=file, key=f"fits.{m}")
        if not isinstance(hs, Mapping):
            raise InputError("expected horizons (years ahead) with their bias and spread", file=file, key=f"fits.{m}")
        for h, v in hs.items():
            key = f"fits.{m}.{h}"
            if not str(h).isdigit() or int(h) < 1:
                raise InputError("the horizon must be a whole number of years, at least 1", file=file, key=key)
            if not isinstance(v, Mapping):
                raise InputError("expected bias, spread and cases", file=file, key=key)
            for k, lo, hi in (("bias", -100.0, 100.0), ("spread", float(SPREADS[0]), float(SPREADS[-1])), ("cases", 0, 1e9)):
                x = v.get(k)
                if isinstance(x, bool) or not isinstance(x, (int, float)) or not (lo <= float(x) <= hi):
                    raise InputError(f"missing or not a number between {lo:g} and {hi:g}", file=file, key=f"{key}.{k}")
            fits[(m, int(h))] = Fit(float(v["bias"]), float(v["spread"]), int(v["cases"]))
    return Recalibration(fits, int(origin), file, str(data.get("fitted_on", "")))
