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
from workforce_sim.defaults import DEFAULTS
from workforce_sim.errors import InputError
from workforce_sim.experiments.calibrate import GENERATIONS, POPULATION, Posterior, calibrate, posterior_scenario, targets_of
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Scenario
from workforce_sim.workflows.common import check_writable

POPULATION_DEFAULT = 2 * POPULATION
GENERATIONS_DEFAULT = 2 * GENERATIONS


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
            seed: Optional[int] = None, population: int = POPULATION_DEFAULT, generations: int = GENERATIONS_DEFAULT) -> CalibrateSpec:
    """Check every option before anything runs (calibrate never overwrites)."""
    path = Path(scenario_file)
    scenario = load_scenario(path)
    council = council or scenario.council
    if not council:
        raise InputError("the scenario names no council; give --council", file=str(path), key="council")
    out = Path(out) if out is not None else path.with_name(f"{path.stem}_calibrated_{through}.yaml")
    if out.exists():
        raise InputError("exists; choose another file (calibrate never overwrites)", file="--out", key=str(out))
    check_writable(out.parent, "--out")
    return CalibrateSpec(path, scenario, council, int(through), out, DEFAULTS.seed if seed is None else int(seed), population, generations)


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
    out["sources"] = {k: full["sources"][k] for k in keys}
    return out


def execute(spec: CalibrateSpec) -> CalibrateOutcome:
    post = calibrate(spec.council, spec.through, annual_indicators, seed=spec.seed, population=spec.population,
                     generations=spec.generations)
    extends = os.path.relpath(spec.scenario_file.resolve(), spec.out.resolve().parent)
    return CalibrateOutcome(spec, post, overlay(spec.scenario, post, extends))
