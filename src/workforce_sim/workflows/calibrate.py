"""``wfsim calibrate``: ABC-SMC on a council's published history, as a scenario that ``extends:`` the input.

``prepare`` checks the options and the file to write, and loads the scenario once; ``execute`` fits the
posterior (``experiments.calibrate``, with the DfE indicators of ``analysis.checks``) and makes the
scenario's calibrated keys. Writing the file and the text are ``reporting.calibrate``'s.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from workforce_sim.analysis.checks import annual_indicators
from workforce_sim.defaults import CEILINGS, DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.calibrate import Posterior, calibrate, posterior_scenario, targets_of
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.common import check_ceiling, check_writable

POPULATION_DEFAULT = 40           # a council's own calibration: more particles than the backtest (experiments.calibrate.POPULATION) affords
GENERATIONS_DEFAULT = 4          # and more generations: the prior narrowed further


@dataclass(frozen=True)
class CalibrateSpec:
    """A checked ``wfsim calibrate``: the scenario as loaded (once), the council, the last year of history, the file to write."""

    scenario_file: Path
    scenario: Scenario
    council: str
    through: int
    out: Path
    seed: int = DEFAULTS.seed
    population: int = POPULATION_DEFAULT
    generations: int = GENERATIONS_DEFAULT


@dataclass(frozen=True)
class CalibrateOutcome:
    """The posterior and the scenario mapping to write (the calibrated keys only, extending the input)."""

    spec: CalibrateSpec
    posterior: Posterior
    data: dict[str, Any]


def prepare(scenario_file: str | Path, through: int, *, council: Optional[str] = None, out: Optional[Path] = None,
            seed: Optional[int] = None, population: int = POPULATION_DEFAULT, generations: int = GENERATIONS_DEFAULT,
            allow_large: bool = False) -> CalibrateSpec:
    """Check every option before anything runs, the cheap ones first (calibrate never overwrites)."""
    if population < 2:
        raise InputError(f"needs at least 2 particles, got {population}", file="--population")
    if generations < 1:
        raise InputError(f"needs at least 1 generation, got {generations}", file="--generations")
    check_ceiling(population, CEILINGS.abc_population, "--population", "particles per generation", allow_large)
    check_ceiling(generations, CEILINGS.abc_generations, "--generations", "generations", allow_large)
    path = Path(scenario_file)
    scenario = load_scenario(path)
    given = council is not None
    council = council or scenario.council
    if not council:
        raise InputError("the scenario names no council; give --council", file=str(path), key="council")
    check_council(council, int(through), "--council" if given else str(path), None if given else "council")
    out = Path(out) if out is not None else path.with_name(f"{path.stem}_calibrated_{through}.yaml")
    if out.exists():
        raise InputError("exists; choose another file (calibrate never overwrites)", file="--out", key=str(out))
    check_writable(out.parent, "--out")
    return CalibrateSpec(path, scenario, council, int(through), out, DEFAULTS.seed if seed is None else int(seed), population, generations)


def check_council(council: str, through: int, where: str, key: Optional[str]) -> None:
    """Before any work: the council is known and has published figures to calibrate on by ``through``;
    an unknown council is named by ``where`` (``--council``, or the scenario file and its key)."""
    from workforce_sim.experiments.calibrate import history_window, table_through
    from workforce_sim.scenario.councils import find_council, load_table

    table = load_table()
    try:
        known = find_council(council, table)
    except InputError as exc:
        raise InputError(exc.message, file=where, key=key) from None
    try:
        c = find_council(council, table_through(through, table))
    except InputError:
        raise InputError(f"no DfE figures for {known.name} published by 30 September {through}", file="--through") from None
    try:
        history_window(c, through, table)
    except InputError as exc:
        raise InputError(exc.message, file="--through") from None


def overlay(scenario: Scenario, post: Posterior, extends: str) -> dict[str, Any]:
    """The calibrated keys only, in a scenario that extends the original."""
    full = posterior_scenario(scenario.model_dump(mode="json"), post)
    keys = list(targets_of(full))
    out: dict[str, Any] = {"extends": extends, "name": f"{scenario.name}_calibrated_{post.through}",
                           "description": f"{scenario.name} with parameters calibrated to {post.council}'s published history "
                                          f"{post.window[0] + 1}-{post.window[1]} (wfsim calibrate, ABC-SMC)",
                           "attrition": {"tenure_bands": full["attrition"]["tenure_bands"]},
                           "recruitment": {"pipeline": {"applicants_per_advert": full["recruitment"]["pipeline"]["applicants_per_advert"]}}}
    agency = {k: full["agency"][k] for k in ("cover_lag_days", "conversion_per_year") if f"agency.{k}" in keys}
    if agency:
        out["agency"] = agency
    out["sources"] = {k: full["sources"][k] for k in keys if k in full["sources"]}   # council_shocks.scale: not fitted here
    return out


def execute(spec: CalibrateSpec) -> CalibrateOutcome:
    post = calibrate(spec.council, spec.through, annual_indicators, seed=spec.seed, population=spec.population,
                     generations=spec.generations)
    extends = os.path.relpath(spec.scenario_file.resolve(), spec.out.resolve().parent)
    return CalibrateOutcome(spec, post, overlay(spec.scenario, post, extends))
