"""The replication cache: a cached run gives the tables an uncached one gives, any change of
input misses, a damaged entry is recomputed, and the folder stays within its bound."""
from __future__ import annotations

import os
import time

import pytest

from workforce_sim.experiments import cache
from workforce_sim.experiments import replications as reps
from workforce_sim.experiments.replications import STACKED_TABLES, run_replications, single_run

from .helpers import tiny
from .test_record_digests import TABLES, table_digest


def _digests(results) -> dict[str, str]:
    out = {name: table_digest(getattr(results, name)) for name in STACKED_TABLES}
    out["parameters"] = table_digest(results.parameters)
    return out


@pytest.fixture
def counted(monkeypatch):
    """Count the replications actually simulated (in this process: serial runs)."""
    calls: list[int] = []
    real = reps.single_run

    def counting(scenario, seed, replication=0, *args, **kwargs):
        calls.append(replication)
        return real(scenario, seed, replication, *args, **kwargs)

    monkeypatch.setattr(reps, "single_run", counting)
    return calls


def test_a_cached_run_gives_the_tables_of_an_uncached_one(tmp_path, counted):
    sc = tiny()
    plain = run_replications(sc, 4, 7, workers=1, keep_events=True, cache=False)
    assert counted == [0, 1, 2, 3]
    first = run_replications(sc, 4, 7, workers=1, keep_events=True, cache=tmp_path)   # simulated and stored
    assert counted[4:] == [0, 1, 2, 3]
    assert len(cache.entries(tmp_path)) == 4
    again = run_replications(sc, 4, 7, workers=1, keep_events=True, cache=tmp_path)   # read
    assert counted[8:] == []
    assert _digests(plain) == _digests(first) == _digests(again)
    # partly cached: the stored replications are read, the others simulated, all in replication order
    more = run_replications(sc, 6, 7, workers=1, keep_events=True, cache=tmp_path)
    assert counted[8:] == [4, 5]
    whole = run_replications(sc, 6, 7, workers=1, keep_events=True, cache=False)
    assert _digests(more) == _digests(whole)
    assert list(more.parameters["replication"]) == list(range(6))


def test_every_table_of_a_replication_survives_the_cache(tmp_path):
    sc = tiny()
    direct = single_run(sc, 3, 1, keep_events=True)
    reps.cached_run(sc, 3, 1, keep_events=True, cache=tmp_path)
    stored = reps.cached_run(sc, 3, 1, keep_events=True, cache=tmp_path)
    assert stored is not direct
    assert {t: table_digest(getattr(stored, t)) for t in TABLES} == {t: table_digest(getattr(direct, t)) for t in TABLES}
    assert stored.parameters == direct.parameters


def test_processes_read_and_write_the_same_cache(tmp_path):
    sc = tiny()
    serial = run_replications(sc, 6, 5, workers=1, executor="serial", cache=False)
    pooled = run_replications(sc, 6, 5, workers=2, cache=tmp_path)      # the workers store
    assert len(cache.entries(tmp_path)) == 6
    reread = run_replications(sc, 6, 5, workers=2, cache=tmp_path)      # all read, no pool
    assert _digests(serial) == _digests(pooled) == _digests(reread)


def test_any_change_of_input_misses(tmp_path, monkeypatch):
    sc = tiny()
    base = cache.key(sc, 1, 0)
    changed = [
        cache.key(tiny(end_date="2017-02-01"), 1, 0),                    # a scenario value
        cache.key(sc, 2, 0),                                             # the seed
        cache.key(sc, 1, 1),                                             # the replication
        cache.key(sc, 1, 0, keep_events=True),
        cache.key(sc, 1, 0, parameter_draw=3),
        cache.key(sc, 1, 0, costs=False),
    ]
    assert len({base, *changed}) == len(changed) + 1
    assert cache.key(tiny(), 1, 0) == base   # the same input: the same key
    # a new version of the package (or of its code) misses too
    import workforce_sim

    monkeypatch.setattr(workforce_sim, "__version__", "99.0")
    cache.code_digest.cache_clear()
    try:
        assert cache.key(sc, 1, 0) != base
    finally:
        monkeypatch.undo()
        cache.code_digest.cache_clear()
    assert cache.key(sc, 1, 0) == base


def test_a_damaged_entry_is_recomputed_not_trusted(tmp_path, counted):
    sc = tiny()
    good = run_replications(sc, 2, 9, workers=1, cache=tmp_path)
    k = cache.key(sc, 9, 1)
    path = cache.entry_path(tmp_path, k)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF                                   # one byte altered
    path.write_bytes(bytes(data))
    cache.entry_path(tmp_path, cache.key(sc, 9, 0)).write_bytes(b"WFSIMREP1\n")   # truncated
    del counted[:]
    again = run_replications(sc, 2, 9, workers=1, cache=tmp_path)
    assert counted == [0, 1]
    assert _digests(again) == _digests(good)
    assert cache.load(tmp_path, k) is not None          # rewritten whole


def test_a_missing_or_unwritable_cache_never_fails_a_run(tmp_path):
    sc = tiny()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    res = run_replications(sc, 2, 1, workers=1, cache=blocked / "cache")
    assert res.replications == 2


def test_eviction_keeps_the_bound_removing_the_oldest(tmp_path, monkeypatch):
    sc = tiny()
    for r in range(5):
        reps.cached_run(sc, 1, r, cache=tmp_path)
    found = cache.entries(tmp_path)
    assert len(found) == 5
    now = time.time()
    for i, (_, _, path) in enumerate(sorted(found, key=lambda e: e[2].name)):
        os.utime(path, (now - 100 + i, now - 100 + i))   # a known order of last use
    order = [p for _, _, p in cache.entries(tmp_path)]
    size = max(s for _, s, _ in found)
    limit = 2 * size
    monkeypatch.setenv(cache.ENV_BYTES, str(limit))
    assert cache.evict(tmp_path) == 3
    kept = cache.entries(tmp_path)
    assert sum(s for _, s, _ in kept) <= limit
    assert [p for _, _, p in kept] == order[3:]
    # a run trims the cache to the bound after it writes
    run_replications(sc, 3, 2, workers=1, cache=tmp_path)
    assert sum(s for _, s, _ in cache.entries(tmp_path)) <= limit


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "c"))
    assert cache.resolve() == tmp_path / "c"
    assert cache.resolve(False) is None
    assert cache.resolve(tmp_path / "d") == tmp_path / "d"
    monkeypatch.setenv(cache.ENV, "off")
    assert cache.resolve() is None and cache.resolve(True) is None
    monkeypatch.delenv(cache.ENV)
    assert cache.resolve() == (cache.DEFAULT_FOLDER).absolute()


def _region_digests(res) -> dict[str, str]:
    out = {f"{name}:{t}": table_digest(getattr(r, t)) for name, r in res.members.items() for t in STACKED_TABLES}
    out.update({t: table_digest(getattr(res, t)) for t in ("market", "market_flows", "market_totals", "market_parameters")})
    return out


def test_a_region_is_cached_like_a_council(tmp_path, monkeypatch):
    """A region's replications are stored whole (every member and the market); a cached run gives the
    uncached tables, and a change of any member, the market or the policies misses."""
    from workforce_sim.experiments import regions

    from .test_market import council, region

    calls: list[int] = []
    real = regions.single_region_run

    def counting(reg, seed, replication=0, *args, **kwargs):
        calls.append(replication)
        return real(reg, seed, replication, *args, **kwargs)

    monkeypatch.setattr(regions, "single_region_run", counting)
    reg = region(council("a", demand=None), council("b", demand=None))
    plain = regions.run_region_replications(reg, 3, 5, workers=1, cache=False)
    first = regions.run_region_replications(reg, 3, 5, workers=1, cache=tmp_path)
    assert calls == [0, 1, 2, 0, 1, 2] and len(cache.entries(tmp_path)) == 3
    again = regions.run_region_replications(reg, 3, 5, workers=1, cache=tmp_path)
    assert calls[6:] == []
    assert _region_digests(plain) == _region_digests(first) == _region_digests(again)
    more = regions.run_region_replications(reg, 4, 5, workers=1, cache=tmp_path)
    assert calls[6:] == [3]
    assert list(more.members["a"].parameters["replication"]) == [0, 1, 2, 3]
    changed = [
        region(council("a", demand=None), council("b", demand=None), market={"job_seekers": {"initial": 7}}),
        region(council("a", demand=None), council("b", demand=None), policies={"cooling_off": {"date": "2015-01-01", "months": 3}}),
        region(council("a", demand=None), council("c", demand=None)),
    ]
    for n, other in enumerate(changed):
        regions.run_region_replications(other, 1, 5, workers=1, cache=tmp_path)
        assert calls[7 + n:] == [0], n
