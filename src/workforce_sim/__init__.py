"""workforce_sim: workforce planning and simulation for children's social care."""
from __future__ import annotations

__version__ = "0.1.0"

from workforce_sim import native  # noqa: E402,F401  (chooses the compiled or pure-Python model before it is imported)

__all__ = ["__version__", "load_scenario", "run_replications", "single_run"]


def __getattr__(name: str):
    if name == "load_scenario":
        from workforce_sim.scenario.loading import load_scenario

        return load_scenario
    if name in ("run_replications", "single_run"):
        from workforce_sim.experiments import replications

        return getattr(replications, name)
    raise AttributeError(name)
