"""Property: any mutation of a valid scenario either runs (exit 0, finite results) or is
refused with one line (exit 2) — never a traceback, never exit 1 for input."""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workforce_sim.cli.main import main
from workforce_sim.errors import InputError
from workforce_sim.scenario.loading import _resolve_chain, deep_merge, load_scenario

ROOT = Path(__file__).resolve().parents[1]

# a real scenario with children's cases (its files merged, as a user writes them), over two months
BASE: dict = {}
for _, _raw in _resolve_chain(ROOT / "scenarios" / "slough_2014_baseline.yaml"):
    BASE = deep_merge(BASE, _raw)
BASE.pop("sources", None)
BASE["end_date"] = "2014-04-01"
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(BASE)

ODD_VALUES = st.sampled_from([
    float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 1e12, -1.0, -1, 0, 0.0, 1e-320, 2**63, True, None,
    "", "x", "2014-02-30", "2014-13-01", "9999-12-31", "1066-01-01", "nan", [], {}, [1, 2], {"dist": "uniform"},
    {"dist": "uniform", "low": 1, "high": 0}, {"dist": "normal", "mean": 0, "sd": -1}, [0.5, float("nan")],
])


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


@st.composite
def mutated(draw) -> dict:
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        try:
            parent = _get(data, path[:-1])
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
        kind = draw(st.sampled_from(["value", "number", "delete", "duplicate", "scale"]))
        key = path[-1]
        if kind == "value":
            parent[key] = draw(ODD_VALUES)
        elif kind == "number":
            parent[key] = draw(st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True)))
        elif kind == "delete":
            del parent[key]
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif kind == "duplicate" and isinstance(parent, dict):
            parent[f"{key}_copy"] = copy.deepcopy(parent[key])
        elif kind == "scale" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = type(parent[key])(parent[key] * draw(st.sampled_from([0, -1, 2, 10, 1000])))
    return data


def _finite(node: Any) -> bool:
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, dict):
        return all(_finite(v) for v in node.values())
    if isinstance(node, list):
        return all(_finite(v) for v in node)
    return True


def _check(tmp_path_factory, capsys, data: dict, command: list[str]) -> tuple[int, str]:
    path = tmp_path_factory.mktemp("fuzz") / "mutated.yaml"
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False), encoding="utf-8")
    code = main([command[0], str(path), *command[1:]])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("wfsim: error: "), err
    return code, out


FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)


@settings(max_examples=500, **FUZZ)
@given(data=mutated())
def test_mutated_scenarios_load_or_are_refused_in_one_line(tmp_path_factory, data):
    """What ``wfsim validate`` does, without printing: any error but ``InputError`` (exit 2) fails."""
    path = tmp_path_factory.mktemp("fuzz") / "mutated.yaml"
    path.write_text(yaml.dump(data, Dumper=DUMPER, sort_keys=False), encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except InputError as exc:
        line = exc.one_line()
        assert "\n" not in line and line.startswith(str(path)), line
    else:
        assert _finite(scenario.model_dump(mode="json"))


@settings(max_examples=120, **FUZZ)
@given(data=mutated())
def test_mutated_scenarios_run_with_finite_results_or_are_refused(tmp_path_factory, capsys, data):
    code, out = _check(tmp_path_factory, capsys, data, ["run", "-n", "1", "--executor", "serial", "--no-progress", "--json"])
    if code == 0:
        assert _finite(json.loads(out)), out
