"""Scenarios: the static description of a council's service and the policies under test.

``schema`` holds the typed sections, ``loading`` reads YAML files (``extends:``,
``--set``), ``uncertain`` the parameters given as distributions, and
``pay_spine`` the shipped pay-point table.
"""
from workforce_sim.scenario.loading import (
    deep_merge,
    defining_file,
    load_scenario,
    parse_set,
    resolved_yaml,
    with_overrides,
)
from workforce_sim.scenario.schema import CASE_TYPES, ROLES, Scenario

__all__ = ["CASE_TYPES", "ROLES", "Scenario", "deep_merge", "defining_file", "load_scenario", "parse_set",
           "resolved_yaml", "with_overrides"]
