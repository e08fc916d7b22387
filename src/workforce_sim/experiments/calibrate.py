"""Calibration to a council's published history: ABC-SMC (``pyabc``) on the workforce model.

The simulator is the model itself, without children's cases, started as a forecast is: for
each year of the history window, the council's baseline (``wfsim init`` rules) on
30 September of the year before (from what was published then), run one year, with the
uncertain parameters set by a particle:

- ``attrition_factor`` multiplies every tenure band's leaving hazard;
- ``applicants_factor`` multiplies the applicants per advert of every role;
- ``cover_lag_factor`` multiplies the mean delay before a vacancy is covered by an agency worker;
- ``conversion_per_year``: the hazard that an agency worker takes the permanent post.

The summaries are the DfE indicators the model gives for each year to 30 September
of the window after its first (agency rate, turnover, vacancy rate, in points), set
against the council's published figures; the distance is their mean absolute
difference, weighted towards the latest years. One replication a particle: ABC-SMC fits
a stochastic simulator, so the run-to-run noise of a small council widens the posterior
as it should. When the council shocks' scale is fitted (a noise scale), two replications a
particle and their CRPS (``crps_distance``): one replication's distance is least with no
noise at all, and pulled every council's scale to about 0.7 whatever scale its figures
came from (``scripts/scale_recovery.py``).

Each year starts from its own published state because the forecast does: a run
started three years back drifts from its start state (its vacancy rate and turnover
end higher than a run started a year back: ``scripts/calibration_start.py``), so
parameters fitted to a run's third year and applied to a fresh start at the origin
forecast the turnover, vacancy and agency rates too low (docs/validation.md).

Only what was published by 30 September of ``through`` is read (``table_through``):
a test proves that deleting every later year changes nothing. ``pyabc`` draws from
NumPy's global generator; it is seeded from the calibration's seed for the call and
restored after, and each particle's replication seed is drawn from it, so a seed
gives the same posterior on any machine and executor.

The factors multiply a scenario's own values (``posterior_scenario``): fitted on the
council's baseline, they carry to the council's baseline at the origin, or to any
scenario of the council, as the bias of its parameters against its history.
"""
from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.replications import Results, combine, single_run
from workforce_sim.files import scratch_folder
from workforce_sim.scenario.councils import Council, find_council, table_through, workforce_years
from workforce_sim.scenario.councils import series as _series
from workforce_sim.scenario.keys import set_value
from workforce_sim.scenario.schema import Agency, Scenario
from workforce_sim.scenario.start_state import SHOCK_MEASURES, SHOCK_QUANTILES, drift_section, shocks_section, start_state  # noqa: F401

MEASURES = ("agency_rate_pct", "turnover_rate_pct", "vacancy_rate_pct")   # summaries fitted (DfE indicator names)
WINDOW_YEARS = 3           # years of history simulated (from 30 September of through - 3)
POPULATION = 20            # particles a generation (the backtest's default, chosen by measurement: docs/validation.md)
GENERATIONS = 1            # ABC-SMC generations after pyabc's sample of the prior that sets the first threshold (the backtest's default)
DRAWS = 2                  # replications a particle when the shock scale is fitted: their CRPS (``crps_distance``); 1 otherwise
GROUP = "calibration"      # the group of the posterior's empirical distributions (one particle a replication)
CONVERSION = float(Agency.model_fields["conversion_per_year"].default)   # the model's default conversion hazard a year
# prior: (low, high) of each parameter; factors are uniform on their log2 scale
PRIORS: dict[str, tuple[float, float]] = {
    "attrition_factor": (2 ** -0.8, 2 ** 0.8),
    "applicants_factor": (2 ** -2.0, 2 ** 2.0),
    "cover_lag_factor": (2 ** -2.0, 2 ** 2.0),
    # log2-uniform about the model's default (0.04 a year: S2 Appendix 1), the rate the start's agency cover balances
    # its flows with (scenario.start_state); 0-0.3 (median 0.15), which a small budget barely narrows, drained
    # agency posts from the first year (the calibrated agency rate's bias, docs/validation.md)
    "conversion_per_year": (CONVERSION * 2 ** -2.0, CONVERSION * 2 ** 2.0),
    # only for a scenario with council_shocks: log2-uniform about 1 (the councils' pooled changes the shocks are drawn from), as
    # wide as councils' volatility differs in the published figures up to 2019 (sd 0.46-0.53 on the log2 scale, chance included:
    # scripts/volatility_spread.py; a uniform of half-width 0.8 has sd 0.46). A council's three years barely narrow it
    # (scripts/scale_recovery.py, docs/validation.md "The shock scale's calibration")
    "shock_scale": (2 ** -0.8, 2 ** 0.8),
}
LOG2 = {"attrition_factor", "applicants_factor", "cover_lag_factor", "conversion_per_year", "shock_scale"}
PARAMETERS = tuple(PRIORS)
DESCRIPTIONS = {
    "attrition_factor": "multiplies attrition.tenure_bands.*.hazard_per_year",
    "applicants_factor": "multiplies recruitment.pipeline.applicants_per_advert.*",
    "cover_lag_factor": "multiplies agency.cover_lag_days",
    "conversion_per_year": "sets agency.conversion_per_year",
    "shock_scale": "multiplies council_shocks.scale",
}
Indicators = Callable[[Results], pd.DataFrame]


@dataclass
class Posterior:
    """The last ABC-SMC generation: particles (parameter values) and their weights."""

    council: str
    new_la_code: str
    through: int
    window: tuple[int, int]                 # (first, last) year of the history simulated
    particles: pd.DataFrame                 # one column per parameter (natural scale)
    weights: np.ndarray
    observed: dict[str, float]              # "<measure>:<year>" -> published value
    simulations: int = 0
    epsilons: list[float] = field(default_factory=list)
    seconds: float = 0.0                    # CPU seconds of the calibration

    def summary(self) -> pd.DataFrame:
        """Weighted median and 90% interval of each parameter, beside its prior."""
        rows = []
        for p in (p for p in PARAMETERS if p in self.particles.columns):
            q = weighted_quantiles(self.particles[p].to_numpy(), self.weights, (0.05, 0.5, 0.95))
            lo, hi = PRIORS[p]
            rows.append({"parameter": p, "median": q[1], "p5": q[0], "p95": q[2], "prior_low": lo, "prior_high": hi,
                         "applies_to": DESCRIPTIONS[p]})
        return pd.DataFrame(rows)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs) -> list[float]:
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cum, v)) for q in qs]


# ------------------------------------------------------------------ applying parameters to a scenario
def _centre(value: Any) -> float:
    """A number, or the centre of a distribution written as a mapping."""
    if not isinstance(value, dict):
        return float(value)
    kind = value.get("dist", "uniform")
    if kind == "normal":
        return float(value["mean"])
    if kind == "triangular":
        return float(value["mode"])
    if kind == "empirical":
        w = value.get("weights") or [1.0] * len(value["values"])
        return float(np.average(value["values"], weights=w))
    return (float(value["low"]) + float(value["high"])) / 2


def _numbers(x: Any) -> Any:
    """A scenario value as plain numbers (a range written as a list becomes its centre)."""
    if isinstance(x, list) and len(x) == 2 and all(isinstance(v, (int, float)) for v in x):
        return (float(x[0]) + float(x[1])) / 2
    return _centre(x)


def targets_of(data: dict[str, Any]) -> dict[str, float]:
    """Dotted key -> the value each calibrated parameter acts on, from a scenario mapping."""
    out: dict[str, float] = {}
    bands = (data.get("attrition") or {}).get("tenure_bands")
    if bands is None:
        from workforce_sim.scenario.schema import Attrition

        bands = [b.model_dump(mode="json") for b in Attrition().tenure_bands]
    for i, b in enumerate(bands):
        out[f"attrition.tenure_bands.{i}.hazard_per_year"] = _numbers(b["hazard_per_year"])
    apps = ((data.get("recruitment") or {}).get("pipeline") or {}).get("applicants_per_advert")
    if apps is None:
        from workforce_sim.scenario.schema import Pipeline

        apps = Pipeline().applicants_per_advert
    for role, v in apps.items():
        out[f"recruitment.pipeline.applicants_per_advert.{role}"] = _numbers(v)
    ag = data.get("agency") or {}
    if ag.get("enabled", True):
        from workforce_sim.scenario.schema import Agency

        out["agency.cover_lag_days"] = _numbers(ag.get("cover_lag_days", Agency().cover_lag_days))
        out["agency.conversion_per_year"] = _numbers(ag.get("conversion_per_year", Agency().conversion_per_year))
    if data.get("council_shocks"):
        out["council_shocks.scale"] = _numbers(data["council_shocks"].get("scale", 1.0))
    return out


def _param_for(key: str) -> str:
    if key.startswith("attrition."):
        return "attrition_factor"
    if key.startswith("recruitment."):
        return "applicants_factor"
    if key.startswith("council_shocks."):
        return "shock_scale"
    return "cover_lag_factor" if key == "agency.cover_lag_days" else "conversion_per_year"


def _value(base: float, param: str, x: np.ndarray) -> np.ndarray:
    return np.asarray(x, float) if param == "conversion_per_year" else base * np.asarray(x, float)


def with_parameters(data: dict[str, Any], theta: dict[str, float]) -> dict[str, Any]:
    """A copy of a scenario mapping with one particle's parameters applied."""
    out = copy.deepcopy(data)
    _fill_defaults(out)
    for key, base in targets_of(out).items():
        p = _param_for(key)
        if p in theta:
            set_value(out, key, round(float(_value(base, p, theta[p])), 6))
    return out


def _fill_defaults(data: dict[str, Any]) -> None:
    """Write the default tenure bands and applicants into the mapping when it has none (so they can be set)."""
    from workforce_sim.scenario.schema import Attrition, Pipeline

    att = data.setdefault("attrition", {})
    if "tenure_bands" not in att:
        att["tenure_bands"] = [b.model_dump(mode="json") for b in Attrition().tenure_bands]
    pipe = data.setdefault("recruitment", {}).setdefault("pipeline", {})
    if "applicants_per_advert" not in pipe:
        pipe["applicants_per_advert"] = dict(Pipeline().applicants_per_advert)


def posterior_scenario(data: dict[str, Any], post: Posterior, name: Optional[str] = None) -> dict[str, Any]:
    """A copy of a scenario mapping whose calibrated parameters are the posterior's particles
    (empirical distributions of one group, so a replication takes one whole particle)."""
    out = copy.deepcopy(data)
    _fill_defaults(out)
    w = post.weights / post.weights.sum()
    weights = [round(float(x), 6) for x in w]
    src = out.setdefault("sources", {})
    years = f"{post.window[0] + 1}-{post.window[1]}"
    for key, base in targets_of(out).items():
        p = _param_for(key)
        if p not in post.particles.columns:   # e.g. council shocks the calibration did not fit: left as they are
            continue
        values = [round(float(v), 6) for v in _value(base, p, post.particles[p].to_numpy())]
        set_value(out, key, {"dist": "empirical", "values": values, "weights": weights, "group": GROUP})
        how = "the fitted value" if p == "conversion_per_year" else f"{base:g} x the fitted {p}"
        src[key] = (f"calibrated (wfsim calibrate, ABC-SMC in pyabc): {how}, {len(values)} particles fitted to "
                    f"{post.council}'s published agency rate, turnover and vacancy rate {years} (DfE csww indicators, "
                    f"data/dfe_councils.csv.gz), data published by 30 September {post.through} only")
    if name:
        out["name"] = name
    return out


# ------------------------------------------------------------------ the history and the simulator
def history_window(c: Council, through: int, table: pd.DataFrame, years: int = WINDOW_YEARS) -> tuple[int, dict[str, float]]:
    """(first year, observed) for the council's history up to ``through``: the first year is
    ``through - years`` or the earliest year with workforce figures; observed holds the published
    indicators of the years after it."""
    t = table_through(through, table)
    have = [y for y in workforce_years(c, t) if through - years <= y < through]
    if not have:
        raise InputError(f"no DfE workforce figures for {c.name} in the {years} years before {through} to calibrate on",
                         file="command line", key="--through")
    first = min(have)
    observed: dict[str, float] = {}
    for m in MEASURES:
        s = _series(c, m, table=t)
        for y in range(first + 1, through + 1):
            if y in s.index and math.isfinite(float(s[y])):
                observed[f"{m}:{y}"] = float(s[y])
    if not observed:
        raise InputError(f"no published indicators for {c.name} in {first + 1}-{through} to calibrate on",
                         file="command line", key="--through")
    return first, observed


def history_scenario(c: Council, first: int, through: int, table: pd.DataFrame,
                     until: Optional[int] = None, now: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The council's state on 30 September of ``first`` (its baseline from what was published by
    then), run to 1 October of ``until`` (default ``through``; the snapshot the indicators for the year
    to 30 September read), without cases, with the calibrated parameters' values of its baseline at
    ``through`` (``now``, if given: that baseline's mapping): the values the fitted factors multiply in
    the forecast from ``through``."""
    until = through if until is None else until
    _, data = start_state(c.new_la_code, first, horizon_years=until - first, table=table_through(first, table))
    if now is None:
        _, now = start_state(c.new_la_code, through, table=table_through(through, table))
    data = model_only(data, until)
    data["attrition"] = {**data.get("attrition", {}), "tenure_bands": copy.deepcopy(now["attrition"]["tenure_bands"])}
    data["recruitment"]["pipeline"]["applicants_per_advert"] = copy.deepcopy(now["recruitment"]["pipeline"]["applicants_per_advert"])
    if data.get("agency", {}).get("enabled", True) and now.get("agency", {}).get("enabled", True):
        for key in ("cover_lag_days", "conversion_per_year"):
            if key in now["agency"]:
                data["agency"][key] = now["agency"][key]
    data["sources"]["attrition.tenure_bands"] = f"the council's baseline at {through} (calibration's history run)"
    drift, text = drift_section(c, first, table_through(through, table), known_until=through)
    if drift:   # the posts change as the council's published posts did (the history replayed)
        data["establishment_drift"] = drift
        data["sources"]["establishment_drift"] = text
    else:
        data.pop("establishment_drift", None)
    return data


def history_runs(c: Council, first: int, through: int, observed: dict[str, float], table: pd.DataFrame,
                 shocks: bool = False, origin: Optional[dict[str, Any]] = None) -> dict[int, dict[str, Any]]:
    """The calibration's runs: for each year with published indicators (``observed``), the council's
    state on 30 September of the latest year before it with workforce figures (the year before,
    unless a year is missing), run to that year's 1 October (``history_scenario``); with ``shocks``, the
    council's own yearly shocks, as councils' published changes up to ``through`` show them."""
    t = table_through(through, table)
    have = workforce_years(c, t)
    if (origin is not None and origin.get("la_code") == c.new_la_code and str(origin.get("start_date")) == f"{through}-09-30"
            and (not shocks or "council_shocks" in origin)):
        # the council's state at ``through`` already built (the backtest's origin scenario, from the same data)
        now = origin
        section, shock_text = (origin["council_shocks"], origin["sources"]["council_shocks"]) if shocks else ({}, "")
    else:
        _, now = start_state(c.new_la_code, through, table=t)
        section, shock_text = shocks_section(t, through) if shocks else ({}, "")
    runs = {}
    for y in sorted({int(k.split(":")[1]) for k in observed}):
        start = max(v for v in have if first <= v < y)
        runs[y] = data = history_scenario(c, start, through, table, until=y, now=now)
        if section:
            data["council_shocks"] = copy.deepcopy(section)
            data["sources"]["council_shocks"] = shock_text
    return runs


def model_only(data: dict[str, Any], last_year: int) -> dict[str, Any]:
    """A scenario mapping without targets and children's cases, ending just after 1 October of ``last_year``."""
    out = {k: v for k, v in data.items() if k not in ("targets", "demand", "caseload")}
    out["end_date"] = f"{last_year}-10-02"
    out["sources"] = {k: v for k, v in (data.get("sources") or {}).items()
                      if not k.startswith(("demand", "caseload", "targets", "end_date"))}
    out["sources"]["end_date"] = "just after 1 October of the last year scored (the indicators read the 1 October snapshot)"
    return out


def summaries(results: Results, indicators: Indicators, keys: list[str]) -> dict[str, float]:
    """The simulated indicators for the observed keys; a year without a value (no staff) counts as 0."""
    ind = indicators(results)
    years = ind["year_to_30_sept"].to_numpy()
    out = {}
    for k in keys:
        m, y = k.split(":")
        v = ind[m].to_numpy(float)[years == int(y)]
        v = v[~np.isnan(v)]
        mean = float(v.mean()) if len(v) else float("nan")     # the mean over replications (NaNs left out)
        out[k] = mean if math.isfinite(mean) else 0.0
    return out


def year_weights(keys: list[str], through: int) -> dict[str, float]:
    """The distance's weight of each summary ``measure:year``: doubling each year towards ``through``
    (1, 2, 4 for a three-year window), so that the forecast starts from parameters that reproduce the
    council's latest years rather than the average of its window (equal weights pulled a rising
    history's forecast below its last value); the weights sum to 1."""
    raw = {k: 2.0 ** -(through - int(k.split(":")[1])) for k in keys}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def draw_key(key: str, draw: int) -> str:
    """The summary ``key`` of a particle's replication ``draw`` (the first keeps the observed key)."""
    return key if draw == 0 else f"{key}#{draw}"


def crps_distance(weights: dict[str, float], draws: int) -> Callable[[dict, dict], float]:
    """The distance of a particle's ``draws`` replications from the published figures: each summary's
    CRPS by the fair estimator (the mean absolute error of the draws less half their mean absolute
    difference over distinct pairs), weighted as the summaries are. Its expectation is the CRPS of the
    particle's distribution, which the distribution the figures came from minimises: the noise's scale
    is fitted, not pulled towards none (the distance of one replication, ``|x - y|``, is smallest in
    expectation with no noise at all, so a threshold on it prefers the narrowest particles)."""
    import scoringrules

    if draws < 2:
        raise ValueError("the CRPS distance needs at least 2 draws a particle")
    keys = list(weights)
    w = np.array([weights[k] for k in keys], float)

    def distance(x: dict, x0: dict) -> float:
        v = np.array([[x[draw_key(k, d)] for d in range(draws)] for k in keys], float)
        y = np.array([x0[k] for k in keys], float)
        return float(w @ np.asarray(scoringrules.crps_ensemble(y, v, m_axis=-1, estimator="fair"), float))

    return distance


@contextlib.contextmanager
def _numpy_seeded(seed: int):
    """NumPy's global generator (which pyabc draws from) seeded for the block, then restored."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def _quiet_pyabc() -> None:
    for name in ("ABC", "ABC.Sampler", "ABC.History", "ABC.Distance", "ABC.Epsilon", "ABC.Transition", "ABC.Adaptation",
                 "ABC.Predictor", "ABC.Acceptor", "ABC.Population"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a KeyboardInterrupt was being handled (its context chain holds one):
    pyabc closes its database in a ``finally``, which raises anew when the interrupt broke a write."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__context__
    return False


def derived_seed(seed: int, *keys: Any) -> int:
    """A seed for (seed, keys): the same whatever else runs."""
    words = [int.from_bytes(str(k).encode()[:8].ljust(8, b"\0"), "little") % 2**32 for k in keys]
    return int(np.random.SeedSequence([seed, *words]).generate_state(1)[0])


def calibrate(council: str, through: int, indicators: Indicators, table: Optional[pd.DataFrame] = None, seed: int = DEFAULTS.seed,
              population: int = POPULATION, generations: int = GENERATIONS, window_years: int = WINDOW_YEARS,
              db_dir: Optional[Path] = None, shocks: bool = False, parameters: Optional[Sequence[str]] = None,
              origin: Optional[dict[str, Any]] = None, draws: Optional[int] = None) -> Posterior:
    """ABC-SMC posterior of the four parameters for ``council`` from its history up to ``through``
    (with ``shocks``, the history run has the council's yearly shocks, ``shocks_section``, and their
    ``shock_scale`` is a fifth parameter); ``parameters``: only these of them (default all), the others
    left at the scenario's values.

    ``table`` is the long DfE table (default the shipped one); only its rows up to
    ``through`` are read. ``indicators`` turns a run's results into the DfE indicators
    by replication and year (``analysis.checks.annual_indicators``). ``origin``: the council's
    scenario mapping at ``through`` already built from the same table (the backtest's origin
    scenario, with its shocks), used instead of building it again; the posterior is the same. ``draws``:
    replications a particle (1: the weighted mean absolute distance; 2 or more: ``crps_distance``); by default
    ``DRAWS`` when ``shock_scale`` is fitted (a noise scale needs a proper score: ``crps_distance``), else 1.
    """
    import pyabc

    from workforce_sim.scenario.councils import load_table

    if population < 2 or generations < 1:
        raise InputError("needs a population of at least 2 and at least 1 generation", file="command line", key="--population")
    table = load_table() if table is None else table
    t = table_through(through, table)
    try:
        c = find_council(council, t)
    except InputError:
        known = find_council(council, table)  # an unknown council says so; a known one had no figures yet
        raise InputError(f"no DfE figures for {known.name} published by 30 September {through}", file="command line",
                         key="--through") from None
    first, observed = history_window(c, through, t, window_years)
    runs = history_runs(c, first, through, observed, t, shocks, origin)
    keys = sorted(observed)
    keys_of = {y: [k for k in keys if int(k.split(":")[1]) == y] for y in runs}
    for base in runs.values():
        Scenario.model_validate(base)  # bad data is found here, not inside pyabc

    unknown = sorted(set(parameters or ()) - set(PARAMETERS))
    if unknown:
        raise InputError(f"unknown calibration parameter {', '.join(unknown)}; known: {', '.join(PARAMETERS)}", file="command line",
                         key="--calibrate-parameters")
    params = [p for p in PARAMETERS if (parameters is None or p in parameters)
              and (p != "shock_scale" or all("council_shocks" in b for b in runs.values()))]
    if not params:
        raise InputError("no parameter to calibrate (shock_scale needs the council shocks)", file="command line", key="--calibrate-parameters")
    draws = (DRAWS if "shock_scale" in params else 1) if draws is None else draws
    if draws < 1:
        raise ValueError("the calibration needs at least 1 draw a particle")

    def simulate(par: dict[str, float]) -> dict[str, float]:
        theta = {p: (2 ** float(par[p]) if p in LOG2 else float(par[p])) for p in params}
        scenarios = {y: Scenario.model_validate(with_parameters(base, theta)) for y, base in runs.items()}
        out: dict[str, float] = {}
        for d in range(draws):
            s = int(np.random.randint(0, 2**31 - 1))
            for y, sc in scenarios.items():   # each year from its own published start, one replication, the draw's seed
                got = summaries(combine(sc, s, [single_run(sc, s, 0, indicators_only=True)]), indicators, keys_of[y])
                out.update({draw_key(k, d): v for k, v in got.items()})
        return out

    priors = {}
    for p in params:
        lo, hi = PRIORS[p]
        a, b = (math.log2(lo), math.log2(hi)) if p in LOG2 else (lo, hi)
        priors[p] = pyabc.RV("uniform", a, b - a)
    _quiet_pyabc()
    cpu = time.process_time()
    with _numpy_seeded(derived_seed(seed, c.new_la_code, through)), scratch_folder("wfsim-abc-", db_dir) as tmp:
        weights = year_weights(keys, through)
        distance = pyabc.PNormDistance(p=1, fixed_weights=weights) if draws == 1 else crps_distance(weights, draws)
        abc = pyabc.ABCSMC(simulate, pyabc.Distribution(**priors), distance,
                           population_size=population, sampler=pyabc.sampler.SingleCoreSampler())
        abc.new("sqlite:///" + str(Path(tmp) / "abc.db"), observed)
        try:
            hist = abc.run(max_nr_populations=generations)
        except Exception as exc:
            if _interrupted(exc):   # Ctrl-C (or SIGTERM) mid-write: pyabc's clean-up then fails on the broken session
                raise KeyboardInterrupt from None
            raise
        df, w = hist.get_distribution(m=0, t=hist.max_t)
        pops = hist.get_all_populations()
        sims = int(hist.total_nr_simulations)
        eps = [float(e) for e in pops["epsilon"] if np.isfinite(e)]
    w = np.asarray(w, float)
    parts = pd.DataFrame({p: (2 ** df[p].to_numpy() if p in LOG2 else df[p].to_numpy()) for p in params})
    return Posterior(council=c.name, new_la_code=c.new_la_code, through=through, window=(first, through), particles=parts,
                     weights=w, observed=observed, simulations=sims, epsilons=eps, seconds=time.process_time() - cpu)


