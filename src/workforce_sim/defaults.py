"""Run defaults: the one place every entry point (CLI, notebooks, app, schedule
manifests, library functions) reads its seed and replication counts from.

Like pydesrap's ``Param``, one frozen object holds them, so a default changes
in one line. Part of the shared kernel: it imports no layer.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _per_command() -> Mapping[str, int]:
    return MappingProxyType({
        "run": 100,          # wfsim run, the report notebook
        "report": 100,
        "compare": 100,
        "schedule": 100,     # a manifest entry that names none
        "sweep": 50,         # per grid point
        "optimise": 20,      # per candidate during the search
        "confirm": 100,      # per candidate when the best are confirmed
        "backtest": 20,      # per forecast (read at p(n + 1), 20 hold their intervals as 30 do: docs/validation.md)
        "library": 20,       # run_replications() called without a count
    })


@dataclass(frozen=True)
class RunDefaults:
    """Seed and replications by command. ``replications["run"]`` etc.; ``seed`` for every command."""

    seed: int = 2014
    replications: Mapping[str, int] = field(default_factory=_per_command)
    auto_first: int = 20             # --replications auto: the first batch (then the total doubles)
    precision: float = 1.0           # --replications auto: half-width of the headline's 90% interval, in points

    def replications_for(self, command: str) -> int:
        return self.replications[command]


DEFAULTS = RunDefaults()


@dataclass(frozen=True)
class Ceilings:
    """What one command may ask for unless ``--allow-large`` is given (docs/cli.md)."""

    replications: int = 10_000       # per scenario; 1,000 replications of a 126-post council take under 2 minutes on 2 cores
    grid_points: int = 400           # points of one sweep grid
    memory_check_from: int = 500     # runs of at least this many replications in all get a memory estimate
    memory_share: float = 0.8        # of the memory available now that a run's tables may take
    abc_population: int = 10_000     # wfsim calibrate --population: particles per generation
    abc_generations: int = 100       # wfsim calibrate --generations
    optimise_trials: int = 10_000    # wfsim optimise --trials
    auto_replications: int = 2_000   # --replications auto stops here if the precision is not reached
    cache_bytes: int = 2 * 2**30     # the replication cache (outputs/.cache): oldest entries removed beyond this


CEILINGS = Ceilings()
