"""What several test modules share: paths, a tiny scenario, a case pathway, CLI
and report-notebook helpers. Imported as ``from .helpers import ...``."""
from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from workforce_sim.cli.main import main
from workforce_sim.reporting.notebook import DEFAULT_NOTEBOOK
from workforce_sim.scenario.loading import deep_merge, resolved_yaml
from workforce_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# A children's-case pathway for small scenarios: referrals, assessment outcomes, plans.
PATHWAY = {
    "referrals": {"rate_per_year": 600},
    "assessment": {"outcomes": {"close": 0.4, "cin": 0.4, "cp": 0.15, "lac": 0.05}},
    "plans": {
        "cin": {"duration": {"mean_days": 150}, "next": {"close": 0.85, "cp": 0.1, "lac": 0.05}},
        "cp": {"duration": {"mean_days": 200, "cv": 0.5}, "next": {"close": 0.4, "cin": 0.5, "lac": 0.1}},
        "lac": {"duration": {"mean_days": 400}, "next": {"close": 0.9, "cin": 0.1}},
    },
}


def tiny(**overrides: Any) -> Scenario:
    """A small one-group scenario; keyword overrides are deep-merged."""
    base: dict[str, Any] = {
        "name": "tiny",
        "start_date": "2015-01-01",
        "end_date": "2017-01-01",
        "team_types": {
            "team": {"group": "social_work_teams", "posts": [
                {"role": "practice_manager", "count": 1},
                {"role": "social_worker", "count": 5},
            ]},
        },
        "teams": [{"type": "team", "count": 4}],
        "initial_staffing": [
            {"group": "social_work_teams", "permanent_posts": 12, "agency_posts": 10, "vacant_uncovered_posts": 2},
        ],
        "targets": {
            "permanent_share": {"measure": "permanent_share", "threshold": 0.80, "direction": "at_least",
                                "date": "2016-12-31", "title": "Permanent social work staff", "source": "test"},
            "vacancy_rate": {"measure": "vacancy_rate", "date": "2016-12-31", "title": "Vacancy rate", "source": "test"},
            "agency_share": {"measure": "agency_share", "date": "2016-12-31", "title": "Agency share", "source": "test"},
            "permanent_turnover": {"measure": "permanent_turnover", "date": "2016-12-31", "title": "Turnover", "source": "test"},
        },
    }
    data = deep_merge(base, copy.deepcopy(overrides))
    if "targets" not in overrides:  # the default targets, where a shorter run leaves their date inside it
        data["targets"] = {k: v for k, v in data["targets"].items() if str(v["date"]) < str(data["end_date"])}
    return Scenario.model_validate(data)


# nobody joins and no post is covered: recruitment, agency cover and conversion off
NO_FLOWS = {
    "recruitment": {"pipeline": {"enabled": False}},
    "agency": {"enabled": False, "conversion_per_year": 0.0},
}


def permanent_only(attrition: dict[str, Any]) -> Scenario:
    """400 permanent social workers in 4 teams, nobody joining: only ``attrition`` changes staffing."""
    return tiny(
        team_types={"team": {"posts": [{"role": "practice_manager", "count": 0}, {"role": "social_worker", "count": 100}]}},
        teams=[{"type": "team", "count": 4}],
        initial_staffing=[{"group": "social_work_teams", "permanent_posts": 400, "agency_posts": 0, "vacant_uncovered_posts": 0}],
        attrition={"role_multiplier": {"social_worker": 1.0}, **attrition},
        **NO_FLOWS,
    )


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """``wfsim ARGV`` in this process: exit code, stdout, stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, err: str, *needles: str) -> None:
    """Bad input: exit 2, one line on stderr holding every needle, no traceback."""
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def child(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def write_tiny(folder: Path, name: str = "tiny", **overrides) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(resolved_yaml(tiny(name=name, **overrides)), encoding="utf-8")
    return path


def notebook_with(folder: Path, source: str, after: str) -> Path:
    """The report notebook with one extra code cell after the first cell containing ``after``."""
    nb = nbformat.read(str(DEFAULT_NOTEBOOK), as_version=4)
    i = next(k for k, c in enumerate(nb.cells) if after in c.source)
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source, metadata={"tags": []}))
    path = folder / f"nb_{hashlib.md5(source.encode()).hexdigest()[:8]}.ipynb"
    nbformat.write(nb, str(path))
    return path


def check_invariants(res) -> None:
    """FTE and heads conserved: posts + places beyond the establishment held = permanent + agency + vacant,
    nothing negative, and each month's change of heads equals its starters less its leavers."""
    snap = res.snapshots
    assert np.allclose(snap["posts_fte"] + snap["beyond_fte"], snap["permanent_fte"] + snap["agency_fte"] + snap["vacant_fte"])
    for col in ["posts_fte", "permanent_fte", "agency_fte", "vacant_fte", "asye_fte", "permanent_n", "agency_n", "beyond_fte"]:
        assert (snap[col] >= 0).all(), col
    assert (snap["asye_fte"] <= snap["permanent_fte"] + 1e-9).all()
    assert (snap["beyond_fte"] <= snap["agency_fte"] + 1e-9).all()
    head = snap.groupby("tick")[["permanent_n", "agency_n"]].sum()
    flows = res.flows
    for contract, col in [("permanent", "permanent_n"), ("agency", "agency_n")]:
        f = flows[flows["contract"] == contract]
        starts = f[f["kind"] == "start"].groupby("period")["count"].sum()
        leaves = f[f["kind"] == "leave"].groupby("period")["count"].sum()
        for k in head.index[1:]:
            change = head.loc[k, col] - head.loc[k - 1, col]
            assert starts.get(k, 0) - leaves.get(k, 0) == change, (contract, k)
