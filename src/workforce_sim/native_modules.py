"""The model modules compiled with mypyc when the package is built with a C compiler (``setup.py``).

Kept in a module that imports nothing, so the build reads the list without importing the package.
"""
from __future__ import annotations

COMPILED = (
    "workforce_sim.model.allocation",
    "workforce_sim.model.entities",
    "workforce_sim.model.fastqueue",
    "workforce_sim.model.hazard",
    "workforce_sim.model.staff",
    "workforce_sim.model.recruitment",
    "workforce_sim.model.cases.case",
    "workforce_sim.model.cases.caseload",
    "workforce_sim.model.cases.pace",
    "workforce_sim.model.cases.pathway",
    "workforce_sim.model.cases.visits",
    "workforce_sim.model.cases.durations",
    "workforce_sim.model.cases.referrals",
    "workforce_sim.model.cases.opening",
    "workforce_sim.model.cases.records",
    "workforce_sim.model.cases.service",
)
