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
        "backtest": 30,      # per forecast
        "library": 20,       # run_replications() called without a count
    })


@dataclass(frozen=True)
class RunDefaults:
    """Seed and replications by command. ``replications["run"]`` etc.; ``seed`` for every command."""

    seed: int = 2014
    replications: Mapping[str, int] = field(default_factory=_per_command)

    def replications_for(self, command: str) -> int:
        return self.replications[command]


DEFAULTS = RunDefaults()
