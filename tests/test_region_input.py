"""Bad region files: exit 2, one line naming the file and key, nothing run or written."""
from __future__ import annotations

import pytest

from .helpers import SCENARIOS, assert_one_line, run_cli, write_tiny

GOOD_MARKET = "market: {job_seekers: {initial: 5}, agency_pool: {initial: 5}}\n"


def _region(tmp_path, body: str):
    a = write_tiny(tmp_path, "a")
    b = write_tiny(tmp_path, "b")
    text = body.replace("A", str(a)).replace("B", str(b))
    path = tmp_path / "region.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("body,needles", [
    ("members:\n  - {file: A}\n  - {file: A}\n", ["region.yaml", "members.1", "is a member twice"]),
    ("members:\n  - {file: A}\n  - {file: missing.yaml}\n", ["region.yaml", "members.1.file", "member file not found"]),
    ("members:\n  - {file: A}\n  - {file: B}\nmarket: {job_seekers: {initial: -3}}\n",
     ["region.yaml", "market.job_seekers.initial"]),
    ("members:\n  - {file: A}\n  - {file: B}\npolicies: {cooling_off: {date: 2015-06-01, months: -1}}\n",
     ["region.yaml", "policies.cooling_off.months", "greater than or equal to 0"]),
    ("members:\n  - {file: A}\n  - {file: B}\npolicies: {price_cap: {date: 2015-06-01, day_rate_gbp: {social_worker: 20}}}\n",
     ["region.yaml", "policies.price_cap.day_rate_gbp.social_worker", "below", "permanent cost"]),
    ("members:\n  - {file: A}\n  - {file: B, response: {rule: match, follows: Nobody}}\n",
     ["region.yaml", "members.1.response.follows", "is not another member"]),
    ("members:\n  - {file: A, colour: red}\n", ["region.yaml", "members.0.colour", "unknown key"]),
    ("members:\n  - {file: A}\n  - {init: {council: Narnia, year: 2020}}\n", ["region.yaml", "members.1.init", "Narnia"]),
], ids=["member-twice", "missing-member", "negative-pool", "negative-bar", "cap-below-permanent", "follows-nobody", "unknown-key",
        "unknown-council"])
def test_a_bad_region_is_refused_in_one_line_and_nothing_is_written(capsys, tmp_path, body, needles):
    path = _region(tmp_path, body)
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", path, "-n", "1", "--no-progress", "--out", out)
    assert_one_line(code, err, *needles)
    assert not out.exists()


def test_a_member_set_names_a_member_that_exists(capsys, tmp_path):
    path = _region(tmp_path, "members:\n  - {file: A}\n  - {file: B}\n" + GOOD_MARKET)
    code, _, err = run_cli(capsys, "run", path, "-n", "1", "--no-progress", "--set", "members.Zed.agency.enabled=false")
    assert_one_line(code, err, "--set", "members.Zed", "no member 'Zed'")


def test_a_region_runs_and_writes_its_tables(capsys, tmp_path):
    path = _region(tmp_path, "members:\n  - {file: A}\n  - {file: B}\n" + GOOD_MARKET)
    out = tmp_path / "out"
    code, text, err = run_cli(capsys, "run", path, "-n", "2", "--workers", "1", "--no-progress", "--out", out,
                              "--set", "members.b.market_supplement={enabled: true, start_date: 2015-06-01, amount_gbp_per_year: {social_worker: 2000}}")
    assert code == 0, err
    assert "region (all members)" in text and "Workers conserved at every month start: yes" in text
    assert (out / "market_flows.csv").exists() and (out / "a_snapshots.parquet").exists()


def test_the_berkshire_example_loads_with_its_six_councils(capsys):
    code, text, err = run_cli(capsys, "validate", SCENARIOS / "regions" / "berkshire_2014.yaml")
    assert code == 0, err
    for name in ("Slough", "Reading", "Wokingham", "West Berkshire", "Windsor and Maidenhead", "Bracknell Forest"):
        assert f"name: {name}" in text
