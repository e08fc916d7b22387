"""Executors: identical results serial / processes / Dask; failing replications reported with their seed."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from workforce_sim.cli.main import main
from workforce_sim.experiments import replications
from workforce_sim.experiments.replications import ReplicationsFailed, run_replications

from .helpers import tiny

UNCERTAIN = {"agency": {"cover_probability": [0.6, 0.95]}, "attrition": {"nqsw_multiplier": [0.8, 1.5]}}


def _assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.snapshots, b.snapshots)
    pd.testing.assert_frame_equal(a.flows, b.flows)
    pd.testing.assert_frame_equal(a.parameters, b.parameters)


def test_serial_processes_and_dask_give_identical_results():
    distributed = pytest.importorskip("distributed")
    sc = tiny(**UNCERTAIN)
    serial = run_replications(sc, 6, seed=11, executor="serial")
    procs = run_replications(sc, 6, seed=11, workers=2, executor="processes")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = run_replications(sc, 6, seed=11, executor="dask", scheduler=cluster.scheduler_address)
    _assert_same(serial, procs)
    _assert_same(serial, dask)
    # every replication ran (Dask did not merge look-alike tasks) and they differ from each other
    assert sorted(dask.snapshots["replication"].unique()) == list(range(6))
    assert dask.parameters["agency.cover_probability"].nunique() == 6
    by_rep = dask.snapshots.groupby("replication")["permanent_fte"].sum()
    assert by_rep.nunique() > 1
    assert not serial.failures and not dask.failures


def test_processes_with_many_batches_matches_serial():
    sc = tiny(**UNCERTAIN)
    # 20 replications on 2 workers: batches of 2, finishing in any order
    _assert_same(run_replications(sc, 20, seed=3, executor="serial"), run_replications(sc, 20, seed=3, workers=2))


def _failing_on(bad: set[int]):
    real = replications.single_run

    def run(scenario, seed, replication=0, keep_events=False):
        if replication in bad:
            raise ValueError(f"injected failure in replication {replication}")
        return real(scenario, seed, replication, keep_events)

    return run


@pytest.mark.parametrize("executor,workers", [("serial", 1), ("processes", 2)])
def test_a_failing_replication_stops_the_run_naming_its_seed_and_index(monkeypatch, executor, workers):
    monkeypatch.setattr(replications, "single_run", _failing_on({3}))
    with pytest.raises(ReplicationsFailed) as info:
        run_replications(tiny(), 8, seed=7, workers=workers, executor=executor)
    message = str(info.value)
    assert "replication 3 (seed 7) failed: ValueError: injected failure in replication 3" in message
    assert "test_executors.py" in message  # where it raised
    assert [f.replication for f in info.value.failures] == [3]
    assert "Traceback" in info.value.failures[0].traceback


def test_continue_on_error_keeps_the_other_replications(monkeypatch):
    sc = tiny(**UNCERTAIN)
    clean = run_replications(sc, 8, seed=5, executor="serial")
    monkeypatch.setattr(replications, "single_run", _failing_on({2, 6}))
    res = run_replications(sc, 8, seed=5, workers=2, continue_on_error=True)
    assert res.replications == 6
    assert [(f.replication, f.seed) for f in res.failures] == [(2, 5), (6, 5)]
    kept = clean.snapshots[~clean.snapshots["replication"].isin([2, 6])].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.snapshots, kept)
    assert list(res.parameters["replication"]) == [0, 1, 3, 4, 5, 7]


def test_continue_on_error_still_fails_when_every_replication_fails(monkeypatch):
    monkeypatch.setattr(replications, "single_run", _failing_on({0, 1, 2}))
    with pytest.raises(ReplicationsFailed, match=r"replication 0 \(seed 1\).*and 2 more of 3"):
        run_replications(tiny(), 3, seed=1, executor="serial", continue_on_error=True)


def _tiny_file(tmp_path, **overrides):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny(**overrides).model_dump(mode="json")))
    return str(path)


def test_cli_failure_exits_1_and_continue_lists_failures(monkeypatch, tmp_path, capsys):
    path = _tiny_file(tmp_path)
    monkeypatch.setattr(replications, "single_run", _failing_on({1}))
    assert main(["run", path, "-n", "4", "--seed", "9", "--workers", "1", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("wfsim: run failed: replication 1 (seed 9) failed: ValueError")
    assert "Traceback" not in err

    out_dir = tmp_path / "out"
    code = main(["run", path, "-n", "4", "--seed", "9", "--workers", "2", "--json", "--continue-on-error",
                 "--out", str(out_dir)])
    captured = capsys.readouterr()
    assert code == 0
    h = json.loads(captured.out)
    assert h["replications"] == 3
    assert h["failures"][0]["replication"] == 1 and h["failures"][0]["seed"] == 9
    assert "1 of 4 replications failed" in captured.err
    failures = pd.read_csv(out_dir / "failures.csv")
    assert list(failures["replication"]) == [1]
    assert set(pd.read_csv(out_dir / "parameters.csv")["replication"]) == {0, 2, 3}


def test_cli_dask_local_cluster_matches_serial(tmp_path, capsys):
    pytest.importorskip("distributed")
    path = _tiny_file(tmp_path, **UNCERTAIN)
    assert main(["run", path, "-n", "4", "--seed", "2", "--executor", "serial", "--json"]) == 0
    serial = json.loads(capsys.readouterr().out)
    assert main(["run", path, "-n", "4", "--seed", "2", "--executor", "dask", "--workers", "2", "--json"]) == 0
    dask = json.loads(capsys.readouterr().out)
    assert dask == serial


@pytest.mark.parametrize("argv,fragment", [
    (["--executor", "threads"], "--executor"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler: only with --executor dask"),
])
def test_cli_bad_executor_options_exit_2(tmp_path, capsys, argv, fragment):
    path = _tiny_file(tmp_path)
    assert main(["run", path, "-n", "2", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
