"""wfsim compare and wfsim sweep of regions: every member's and the region's headline, paired on the same seeds;
bad input refused in one line with nothing written (wfsim optimise of a region: test_region_optimise.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workforce_sim.workflows import compare, sweep

from .helpers import assert_one_line, run_cli, write_tiny

MARKET = ("market:\n  job_seekers: {initial: 15, arrivals_per_year: 12, exit_per_year: 1.5}\n"
          "  agency_pool: {initial: 10, arrivals_per_year: 20, exit_per_year: 1.5}\n  attractiveness: {pay_per_1000_gbp: 0.15}\n")
PAID = ', set: ["market_supplement_gbp=5000", "market_supplement.start_date=2015-01-01"]'


def _regions(tmp_path: Path) -> dict[str, Path]:
    """A two-council region three ways: no supplement; A pays one and B ignores it; A pays one and B matches it."""
    a, b = write_tiny(tmp_path, "a", council="A"), write_tiny(tmp_path, "b", council="B")

    def region(name: str, a_extra: str = "", b_extra: str = "") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"name: {name}\nmembers:\n  - {{file: {a}, name: A{a_extra}}}\n  - {{file: {b}, name: B{b_extra}}}\n"
                        + MARKET + "policies: {cooling_off: {date: 2015-06-01, months: 3}}\n")
        return path

    return {"none": region("none"), "ignores": region("ignores", PAID), "matches": region("matches", PAID, ", response: {rule: match, follows: A}"),
            "a": a}


def _value(table: pd.DataFrame, col: str, label: str, member: str, field: str = "diff_mean", measure: str = "permanent_share") -> float:
    row = table[(table[col] == label) & (table["member"] == member) & (table["measure"] == measure)]
    assert len(row) == 1
    return float(row[field].iloc[0])


def test_compare_of_regions_prints_each_member_and_writes_a_folder(capsys, tmp_path):
    r = _regions(tmp_path)
    out = tmp_path / "outputs"
    code, text, err = run_cli(capsys, "compare", r["none"], r["ignores"], "-n", "2", "--workers", "1", "--no-progress", "--out", out)
    assert code == 0, err
    for needle in ("Comparison of 2 regions", "Permanent share of filled posts", "region (all members)", "ignores vs none"):
        assert needle in text, needle
    (folder,) = (out / "comparisons").iterdir()
    record = json.loads((folder / "run.json").read_text())
    assert record["kind"] == "comparison" and record["scenarios"] == ["none", "ignores"] and record["status"] == "complete"
    table = pd.read_parquet(folder / "comparison.parquet")
    assert set(table["member"]) == {"A", "B", "region"}
    per_rep = pd.read_parquet(folder / "per_replication.parquet")
    assert len(per_rep) == 2 * 3 * 2                   # regions x (members and the region) x replications
    assert (folder / "comparison.html").read_text().count("<table") == 2
    code, text, err = run_cli(capsys, "compare", r["none"], r["ignores"], "-n", "2", "--workers", "1", "--no-progress", "--out", out, "--json")
    assert code == 0, err
    data = json.loads(text)
    assert data["regions"] == ["none", "ignores"] and {row["member"] for row in data["comparison"]} == {"A", "B", "region"}


def test_a_region_sweep_point_is_the_region_run_with_that_value(tmp_path):
    """The sweep and the comparison run the same seeds: the point "A's supplement 5000" of a sweep over the
    region without one is the region in which A pays it, replication by replication."""
    r = _regions(tmp_path)
    spec = sweep.prepare(r["none"], ["members.A.supplement=0,5000", "members.A.market_supplement.start_date=2015-01-01"], 3,
                         workers=1, out=tmp_path / "sweep")
    swept = sweep.execute(spec).tables["replications"]
    cmp = compare.execute(compare.prepare([r["none"], r["ignores"]], 3, workers=1))
    got = swept[swept["label"] == spec.points[1].label].drop(columns=["point", "label"]).reset_index(drop=True)
    want = cmp.per_replication[cmp.per_replication["scenario"] == "ignores"].drop(columns=["scenario"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)


def test_sweep_of_a_region_lever_writes_its_folder(capsys, tmp_path):
    r = _regions(tmp_path)
    out = tmp_path / "sweep"
    code, text, err = run_cli(capsys, "sweep", r["none"], "--grid", "cooling-off bar=0,6", "-n", "2", "--workers", "1", "--no-progress",
                              "--out", out)
    assert code == 0, err
    assert "Sweep of none over cooling-off bar" in text and "6 vs 0 (90% interval)" in text
    points = pd.read_parquet(out / "points.parquet")
    assert sorted(points["cooling-off bar"].unique()) == [0, 6] and set(points["member"]) == {"A", "B", "region"}
    assert (points.loc[points["point"] == 0, "diff_mean"] == 0).all()
    assert (out / "sweep.html").exists() and (out / "replications.csv").exists()


@pytest.mark.parametrize("argv, needles", [
    (["compare", "{none}", "{a}"], ["a.yaml", "is a council's scenario but", "none.yaml is a region"]),
    (["compare", "{a}", "{none}"], ["a.yaml", "is a council's scenario but", "none.yaml is a region"]),
    (["compare", "{none}", "{other}"], ["other.yaml", "members", "members A, C but", "has A, B"]),
    (["compare", "{none}", "{none}", "-n", "auto"], ["--replications", "a region runs a given number"]),
    (["sweep", "{none}", "--grid", "nonsense=0,3"], ["--grid", "nonsense", "unknown key"]),
    (["sweep", "{none}", "--grid", "NQSWs a year=0,3"], ["--grid", "NQSWs a year", "set it on a member, members.NAME.nqsw_per_year"]),
    (["sweep", "{none}", "--grid", "members.Z.supplement=0,3"], ["--grid", "members.Z", "no member 'Z'"]),
    (["sweep", "{none}", "--grid", "experience rule=1,3"], ["--grid", "experience_years", "no policies.experience"]),
], ids=["region-with-scenario", "scenario-with-region", "other-members", "auto", "unknown-grid-key", "council-lever-on-region",
        "no-such-member", "absent-policy"])
def test_bad_region_commands_are_refused_in_one_line_and_nothing_is_written(capsys, tmp_path, argv, needles):
    r = _regions(tmp_path)
    other = tmp_path / "other.yaml"
    other.write_text(f"name: other\nmembers:\n  - {{file: {r['a']}, name: A}}\n  - {{file: {r['a'].with_name('b.yaml')}, name: C}}\n")
    out = tmp_path / "out"
    argv = [a.format(none=r["none"], a=r["a"], other=other) for a in argv]
    code, _, err = run_cli(capsys, *argv, "--out", out)
    assert_one_line(code, err, *needles)
    assert not out.exists()


@pytest.mark.slow
def test_a_neighbour_matching_shrinks_the_gain_and_the_sweep_is_monotone(tmp_path):
    """The claim that matters: A's supplement raises A's permanent share against no supplement, by less when B
    matches it (paired, same seeds); a sweep over A's supplement raises A's share step by step (within noise)."""
    n = 40
    r = _regions(tmp_path)
    cmp = compare.execute(compare.prepare([r["none"], r["ignores"], r["matches"]], n, workers=1)).table
    gain_ignored = _value(cmp, "scenario", "ignores", "A")
    gain_matched = _value(cmp, "scenario", "matches", "A")
    assert gain_ignored > 0.03, gain_ignored
    assert _value(cmp, "scenario", "ignores", "B") < 0               # won from the neighbour
    assert gain_matched < gain_ignored - 0.02, (gain_matched, gain_ignored)

    spec = sweep.prepare(r["none"], ["members.A.supplement=0,2500,5000", "members.A.market_supplement.start_date=2015-01-01"], n,
                         workers=1, out=tmp_path / "sweep")
    points = sweep.execute(spec).tables["points"]
    labels = [p.label for p in spec.points]
    steps = [_value(points, "label", label, "A") for label in labels]
    print(f"A's gain: B ignores {gain_ignored:+.3f}, B matches {gain_matched:+.3f}; sweep {steps}")
    assert steps[0] == 0
    assert steps[1] > -0.01 and steps[2] > steps[1] - 0.01 and steps[2] > 0.03, steps


def test_region_compare_and_sweep_use_the_replication_cache_they_are_given(tmp_path):
    """``--no-cache`` (cache=False) stores nothing; a cache folder is filled and read again with the same figures."""
    from workforce_sim.experiments import cache

    r = _regions(tmp_path)
    folder = tmp_path / "cache"
    off = compare.prepare([r["none"], r["ignores"]], 2, workers=1, cache=False)
    assert off.cache is None
    compare.execute(off)
    assert not folder.exists()
    on = compare.prepare([r["none"], r["ignores"]], 2, workers=1, cache=folder)
    first = compare.execute(on).table
    assert len(cache.entries(folder)) == 4                             # 2 regions x 2 replications, each stored whole
    pd.testing.assert_frame_equal(compare.execute(on).table, first)
    spec = sweep.prepare(r["none"], ["cooling_off_months=3,6"], 2, workers=1, out=tmp_path / "sweep", cache=folder)
    assert spec.cache == folder.absolute()
    sweep.execute(spec)
    assert len(cache.entries(folder)) == 6    # the 3-month point is the "none" region as compared above: read, not run
