"""Scenarios: the static description of a council's service and the policies under test.

``schema`` holds the typed sections (plain descriptions that read no files),
``loading`` reads YAML files (``extends:``, ``--set``) and everything a
scenario names (staff lists through ``staff_files``, the investment baseline's
path), ``reading`` is the one reader of the user's files (regular files only,
size limits, text encodings), ``councils`` looks councils up in the shipped
DfE tables, ``start_state`` builds a council's published state as a scenario
(``wfsim init``), ``uncertain`` the parameters given as distributions, and
``pay_spine`` the shipped pay-point table.
"""
from workforce_sim.scenario.loading import (
    deep_merge,
    defining_file,
    investment_baseline_path,
    load_scenario,
    parse_set,
    resolved_yaml,
    with_overrides,
)
from workforce_sim.scenario.schema import CASE_TYPES, ROLES, Scenario

__all__ = ["CASE_TYPES", "ROLES", "Scenario", "deep_merge", "defining_file", "investment_baseline_path", "load_scenario",
           "parse_set", "resolved_yaml", "with_overrides"]
