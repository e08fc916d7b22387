"""``--replications auto --precision P``: batches until the 90% interval's half-width is within P,
or the ceiling; an automatic run of n replications gives the records of a run of n."""
from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from workforce_sim.errors import InputError
from workforce_sim.experiments.precision import Auto, half_width, schedule
from workforce_sim.experiments.replications import run_replications
from workforce_sim.workflows import run as run_workflow

from .helpers import assert_one_line, run_cli, tiny, write_tiny
from .test_cache import _digests


def _draws(sd: float, binomial: bool = False):
    """A 'run' of known variance: replication r's value is a fixed draw of its own (as a replication's
    result depends on its index only), normal with standard deviation ``sd`` or a fair coin x 100."""
    def value(r: int) -> float:
        rng = np.random.default_rng([99, r])
        return 100.0 * float(rng.random() < 0.5) if binomial else float(rng.normal(50.0, sd))

    calls: list[tuple[int, int]] = []

    def run(start: int, n: int) -> np.ndarray:
        calls.append((start, n))
        return np.array([value(r) for r in range(start, start + n)])

    return run, calls


@pytest.mark.parametrize("sd, precision, binomial", [(10.0, 2.0, False), (10.0, 1.0, False), (None, 10.0, True), (None, 5.0, True)])
def test_it_stops_at_the_first_batch_whose_interval_is_within_the_precision(sd, precision, binomial):
    run, calls = _draws(sd or 0.0, binomial)
    values, reached = Auto(run, lambda a, b: np.concatenate([a, b]), lambda v: v, precision, 20, 2000)()
    sigma = 50.0 if binomial else sd
    # the run stops at the first total of the schedule whose interval is narrow enough ...
    totals = schedule(20, 2000)
    expected = next(n for n in totals if half_width(np.concatenate([run(0, n)])) <= precision)
    assert reached.replications == len(values) == expected and reached.met
    assert reached.reached <= precision < half_width(values[: totals[totals.index(expected) - 1]])
    # ... which is where the known variance puts it: n = (1.645 sigma / P)^2 lies in the last doubling
    need = (1.645 * sigma / precision) ** 2
    assert expected / 2 < need * 1.3 and expected > need * 0.7
    # each batch ran only the replications not yet run
    stop = totals.index(expected)
    assert calls[: stop + 1] == [(0, totals[0]), *[(totals[i - 1], totals[i] - totals[i - 1]) for i in range(1, stop + 1)]]


def test_it_stops_at_the_ceiling_and_says_so():
    run, _ = _draws(10.0)
    values, reached = Auto(run, lambda a, b: np.concatenate([a, b]), lambda v: v, 0.01, 20, 100)()
    assert len(values) == 100 and reached.stopped == "ceiling" and not reached.met
    assert reached.reached > 0.01
    assert schedule(20, 100) == [20, 40, 80, 100]


def test_half_width_is_the_t_interval():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert half_width(v) == pytest.approx(2.353363 * np.std(v, ddof=1) / 2, rel=1e-5)
    assert math.isnan(half_width([1.0]))


def test_an_automatic_run_gives_the_records_of_a_run_of_its_size(monkeypatch):
    sc = tiny()
    monkeypatch.setattr(run_workflow, "DEFAULTS", dataclasses.replace(run_workflow.DEFAULTS, auto_first=3))
    monkeypatch.setattr(run_workflow, "CEILINGS", dataclasses.replace(run_workflow.CEILINGS, auto_replications=9))
    spec = run_workflow.prepare(sc, "auto", 5, precision=1e-6, workers=1, cache=False)
    assert spec.auto and spec.replications == 3 and spec.auto_ceiling == 9
    out = run_workflow.execute(spec)
    assert out.precision.replications == 9 and out.precision.stopped == "ceiling"   # 3, 6, 9
    plain = run_replications(sc, 9, 5, workers=1, cache=False)
    assert _digests(out.results) == _digests(plain)
    wide = run_workflow.execute(run_workflow.prepare(sc, "auto", 5, precision=100.0, workers=1, cache=False))
    assert wide.precision.replications == 3 and wide.precision.met


def test_auto_on_the_command_line_states_the_precision_reached(tmp_path, capsys):
    path = write_tiny(tmp_path)
    code, out, err = run_cli(capsys, "run", str(path), "--replications", "auto", "--precision", "40", "--workers", "1",
                             "--no-progress", "--json", "--no-cache")
    assert code == 0, err
    data = json.loads(out)
    assert data["precision"]["met"] and data["precision"]["target"] == 40
    assert data["replications"] == data["precision"]["replications"] == 20
    code, out, _ = run_cli(capsys, "run", str(path), "-n", "auto", "--precision", "40", "--workers", "1", "--no-progress",
                           "--no-cache")
    assert code == 0 and "chosen for the precision" in out and "asked for ±40" in out
    code, _, err = run_cli(capsys, "run", str(path), "-n", "5", "--precision", "1")
    assert_one_line(code, err, "--precision", "only with --replications auto")


def test_bad_auto_options_are_refused():
    sc = tiny()
    with pytest.raises(InputError, match="only with --replications auto"):
        run_workflow.prepare(sc, 10, precision=1.0)
    with pytest.raises(InputError, match="auto"):
        run_workflow.prepare(sc, "many")
    with pytest.raises(InputError, match="positive"):
        run_workflow.prepare(sc, "auto", precision=-1.0)
    assert json.dumps(run_workflow.prepare(sc, "auto").precision) == "1.0"


def test_compare_auto_runs_until_the_paired_differences_are_precise(tmp_path, capsys):
    a = write_tiny(tmp_path, "a")
    b = write_tiny(tmp_path, "b", teams=[{"type": "team", "count": 4}],
                   initial_staffing=[{"group": "social_work_teams", "permanent_posts": 16, "agency_posts": 6,
                                      "vacant_uncovered_posts": 2}])
    code, out, err = run_cli(capsys, "compare", str(a), str(b), "-n", "auto", "--precision", "50", "--workers", "1",
                             "--no-progress", "--json", "--no-cache", "--out", str(tmp_path / "out"))
    assert code == 0, err
    data = json.loads(out)
    assert data["precision"]["met"] and data["precision"]["replications"] == 20
    assert data["precision"]["measure"].startswith("paired difference")


def test_a_sweep_runs_until_each_paired_difference_is_precise(tmp_path, monkeypatch, capsys):
    """``sweep -n auto``: batches until every point's paired difference from the first point is known within
    the precision; the records are those of a sweep of that many replications; the page and tables say so."""
    from workforce_sim.experiments.sweep import run_sweep
    from workforce_sim.workflows import sweep as sweep_workflow

    monkeypatch.setattr(sweep_workflow, "DEFAULTS", dataclasses.replace(sweep_workflow.DEFAULTS, auto_first=3))
    monkeypatch.setattr(sweep_workflow, "CEILINGS", dataclasses.replace(sweep_workflow.CEILINGS, auto_replications=12))
    path = write_tiny(tmp_path)
    grid = ["recruitment.pipeline.applicants_per_advert.social_worker=1,6"]
    spec = sweep_workflow.prepare(path, grid, "auto", 5, precision=1e-6, workers=1, cache=False, out=tmp_path / "a")
    out = sweep_workflow.execute(spec)
    assert out.precision.stopped == "ceiling" and out.precision.replications == 12 == out.spec.replications   # 3, 6, 12
    assert out.precision.measure.startswith("paired difference")
    plain = run_sweep(list(spec.points), list(spec.axes), 12, 5, 1, cache=False)
    assert [_digests(r) for r in out.sweep.results] == [_digests(r) for r in plain.results]
    about = out.tables["about"].set_index("item")["value"]
    assert about["stopped"].startswith("at the ceiling") and float(about["precision asked (90% half-width, points)"]) == 1e-6
    # a difference known exactly (a grid value equal to the first) is precise at the first batch
    same = sweep_workflow.prepare(path, ["recruitment.pipeline.applicants_per_advert.social_worker=2,2.0"], "auto", 5,
                                  precision=0.5, workers=1, cache=False, out=tmp_path / "b")
    done = sweep_workflow.execute(same)
    assert done.precision.met and done.precision.replications == 3 and done.precision.reached == 0
    code, text, err = run_cli(capsys, "sweep", str(path), "--grid", grid[0], "-n", "auto", "--precision", "1e-6", "--workers", "1",
                              "--no-progress", "--no-cache", "--out", str(tmp_path / "c"))
    assert code == 0, err
    assert "chosen for the precision" in text and "stopped at the ceiling of 12" in text
    assert "precision reached" in (tmp_path / "c" / "sweep.html").read_text()
    code, _, err = run_cli(capsys, "sweep", str(path), "--grid", grid[0], "-n", "5", "--precision", "1", "--out", str(tmp_path / "d"))
    assert_one_line(code, err, "--precision", "only with --replications auto")
