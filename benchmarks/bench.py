"""Benchmark (run as ``python benchmarks/bench.py [--json] [--quick] ...``): engine throughput, seconds per replication, parallel efficiency, memory.

Figures (all measured when called, medians where repeated):

- bare SimPy: events per second of one process looping over plain timeouts;
- per council scenario: events processed by one replication (``env.step``
  calls, entries of the children's case queue and referral arrivals, counted
  in a separate run with the same seed), events per second of
  the simulation (build + run, without building tables), the ratio to bare
  SimPy, seconds per replication (the whole ``single_run``: parameters, model,
  tables), replications per second with 1 worker (in this process) and with 2
  worker processes (twice the replications) and the parallel efficiency
  ``rate2 / (2 * rate1)``, in alternating rounds (medians over rounds); and,
  insensitive to other load on the machine, the CPU efficiency: CPU seconds
  per replication in this process / in the parent plus its workers;
- memory: a fresh child process (``spawn``) runs N replications on 2 worker
  processes and reports its wall time, its own peak resident set size (the
  process that collects all results) and the largest worker's, from
  ``resource.getrusage``, their sum (an upper bound), and the peak of
  main + workers sampled every 0.05 s with psutil.

The report's key names are documented in docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import simpy
from simpy.core import EmptySchedule

from workforce_sim import __version__, native
from workforce_sim.errors import InputError, RunError
from workforce_sim.experiments.replications import STACKED_TABLES, run_replications, single_run
from workforce_sim.model.workforce import WorkforceModel
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.scenario.schema import Scenario
from workforce_sim.scenario.uncertain import sample_parameters
from workforce_sim.streams import Streams

REPO = Path(__file__).resolve().parents[1]
REPO_SCENARIOS = REPO / "scenarios"
DEFAULT_SCENARIO = "scenarios/slough_2014_investment.yaml"
DEFAULT_LARGE_SCENARIO = "scenarios/large_council_10x.yaml"


@dataclass(frozen=True)
class BenchOptions:
    """How much to measure (``quick`` sizes are for tests, not for figures)."""

    seed: int = 2014
    bare_events: int = 200_000
    bare_repeats: int = 3
    samples: int = 10                    # single replications timed (median)
    throughput_replications: int = 50    # per round and worker
    rounds: int = 3                      # rounds of (1 worker, then 2 workers)
    memory_replications: int = 1000
    large_samples: int = 3
    large_throughput_replications: int = 5
    large_memory_replications: int = 100
    workers: int = 2
    work: bool = True                    # the commands' work: a region, the notebook Run, the report cached and not
    notebook_replications: int = 50      # the notebook Run (workflows.run on 2 workers)
    report_replications: int = 100       # wfsim report -n 100, uncached then cached
    optimise_trials: int = 50            # an optimiser study of this many candidates (wfsim optimise, no cache)
    optimise_replications: int = 10      # per candidate (and 20 per confirmation)
    backtest_councils: int = 2           # a reduced backtest: councils x 1 origin, ABC-SMC 20 x 2, 20 replications

    @classmethod
    def quick(cls) -> BenchOptions:
        return cls(bare_events=20_000, bare_repeats=1, samples=2, throughput_replications=4, rounds=1, memory_replications=6,
                   large_samples=1, large_throughput_replications=2, large_memory_replications=2, work=False)


# ---------------------------------------------------------------- counting events
def count_steps(env: simpy.Environment) -> list[int]:
    """Count the events ``env`` processes from now on; returns a one-item list."""
    counter = [0]
    step = env.step

    def counting_step() -> None:
        try:
            step()
        except EmptySchedule:  # nothing left: no event processed
            raise
        except BaseException:  # the event was processed and ended the run (``until``) or failed
            counter[0] += 1
            raise
        counter[0] += 1

    env.step = counting_step  # type: ignore[method-assign]
    return counter


def _timeout_loop(env: simpy.Environment, n: int):
    for _ in range(n):
        yield env.timeout(1)


def bare_simpy(n: int, counted: bool = False) -> tuple[int, float]:
    """(events, seconds) for one process yielding ``n`` plain timeouts."""
    env = simpy.Environment()
    env.process(_timeout_loop(env, n))
    counter = count_steps(env) if counted else None
    t0 = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - t0
    return (counter[0] if counter else -1), elapsed


def bare_simpy_rate(n: int, repeats: int) -> dict[str, float]:
    """Bare SimPy's events/s: the best of ``repeats`` runs (the least disturbed by other load);
    more runs are interleaved with the model's (``BareSimPy.again``), and the best of all is used."""
    events, _ = bare_simpy(n, counted=True)
    rates = [events / bare_simpy(n)[1] for _ in range(repeats)]
    return {"events": events, "events_per_s": max(rates), "median_events_per_s": statistics.median(rates), "rates": rates}


class BareSimPy:
    """Bare SimPy runs interleaved with the model's, so both see the same machine; the best rate is the figure."""

    def __init__(self, n: int, repeats: int):
        self.n = n
        self.first = bare_simpy_rate(n, repeats)
        self.rates = list(self.first["rates"])

    def again(self) -> None:
        self.rates.append(self.first["events"] / bare_simpy(self.n)[1])

    @property
    def best(self) -> float:
        return max(self.rates)


# ---------------------------------------------------------------- one council
def _model(scenario: Scenario, seed: int, replication: int) -> WorkforceModel:
    streams = Streams(seed, replication)
    resolved, _ = sample_parameters(scenario, lambda path: streams["param:" + path])
    return WorkforceModel(resolved, streams)


def model_events(scenario: Scenario, seed: int, replication: int) -> dict[str, int]:
    """Events one replication processes (same seed, so the same events as a timed run).

    ``simpy``: ``env.step`` calls (workforce events); ``case``: entries taken
    off the children's case queue, stale ones included; ``referral``:
    referral arrivals; ``total``: all three, the model's events.
    """
    m = _model(scenario, seed, replication)
    counter = count_steps(m.env)
    m.run()
    case, referral = m.cases.events_processed() if m.cases is not None else (0, 0)
    return {"simpy": counter[0], "case": case, "referral": referral, "total": counter[0] + case + referral}


def model_sim_seconds(scenario: Scenario, seed: int, replication: int) -> float:
    """Seconds to build and run the model of one replication (no tables)."""
    t0 = time.perf_counter()
    _model(scenario, seed, replication).run()
    return time.perf_counter() - t0


def replication_seconds(scenario: Scenario, seed: int, replication: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole replication (``single_run``)."""
    t0, c0 = time.perf_counter(), time.process_time()
    single_run(scenario, seed, replication)
    return time.perf_counter() - t0, time.process_time() - c0


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def replications_per_second(scenario: Scenario, n: int, workers: int, seed: int) -> tuple[float, float]:
    """(replications per wall second, CPU seconds per replication of this process and its workers)."""
    t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
    run_replications(scenario, n, seed, workers=workers, executor="processes", cache=False)
    wall = time.perf_counter() - t0
    cpu = (time.process_time() - c0) + (_children_cpu() - k0)
    return n / wall, cpu / n


def _maxrss_mb(who: int) -> float:
    rss = resource.getrusage(who).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


class _PeakSampler:
    """Samples the resident memory of this process plus its children (psutil), keeping the peak."""

    def __init__(self, interval: float = 0.05):
        import threading

        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with the dask extra
            psutil = None
        self._psutil = psutil
        self.interval = interval
        self.peak_mb: Optional[float] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total_mb(self) -> float:
        me = self._psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                pass
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb or 0.0, self._total_mb())
            self._stop.wait(self.interval)

    def __enter__(self) -> _PeakSampler:
        if self._psutil is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._psutil is not None:
            self._stop.set()
            self._thread.join()
            self.peak_mb = max(self.peak_mb or 0.0, self._total_mb())


def _memory_child(conn, path: str, n: int, workers: int, seed: int) -> None:
    try:
        scenario = load_scenario(path)
        before = _maxrss_mb(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        with _PeakSampler() as sampler:
            res = run_replications(scenario, n, seed, workers=workers, executor="processes", cache=False)
            wall = time.perf_counter() - t0
        tables = [t for t in (getattr(res, name) for name in (*STACKED_TABLES, "parameters")) if t is not None]
        conn.send({
            "wall_seconds": wall,
            "replications_per_s": n / wall,
            "rss_before_mb": before,
            "peak_rss_mb_main": _maxrss_mb(resource.RUSAGE_SELF),
            "peak_rss_mb_worker": _maxrss_mb(resource.RUSAGE_CHILDREN),
            "peak_rss_mb_sampled": sampler.peak_mb,
            "results_mb": sum(float(t.memory_usage(deep=True).sum()) for t in tables) / 2**20,
        })
    except BaseException as exc:  # reported to the parent, which raises RunError
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def memory_run(path: str, n: int, workers: int, seed: int) -> dict[str, Any]:
    """Run ``n`` replications on ``workers`` processes in a fresh child; its wall time and peak memory.

    ``peak_rss_mb_main`` and ``peak_rss_mb_worker`` are exact peaks (getrusage);
    ``peak_rss_mb_bound`` = main + workers x worker assumes the peaks coincide (they
    do not: the pool has ended before the results are stacked), an upper bound;
    ``peak_rss_mb_sampled`` is the peak of main + workers sampled every 0.05 s
    (psutil; None without it), what the run really held at once.
    """
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_memory_child, args=(child, path, n, workers, seed))
    proc.start()
    child.close()
    try:
        out = parent.recv()
    except EOFError:
        out = {"error": "the child process died"}
    proc.join()
    if "error" in out:
        raise RunError(f"memory run failed: {out['error']}")
    out["peak_rss_mb_bound"] = out["peak_rss_mb_main"] + workers * out["peak_rss_mb_worker"]
    return {"replications": n, "workers": workers, **out}


def council(path: str, samples: int, throughput_n: int, memory_n: int, bare: BareSimPy, opts: BenchOptions,
            note: Callable[[str], None]) -> dict[str, Any]:
    """Every figure for one council scenario."""
    scenario = load_scenario(path)
    seed = opts.seed
    note(f"{scenario.name}: events and seconds per replication")
    single_run(scenario, seed, 0)  # warm-up: imports, caches
    reps = range(samples)
    events = [model_events(scenario, seed, r) for r in reps]
    sim = []
    for r in reps:   # each model run beside a bare SimPy run
        bare.again()
        sim.append(model_sim_seconds(scenario, seed, r))
    bare_rate = bare.best
    timed = [replication_seconds(scenario, seed, r) for r in reps]
    per_rep = [wall for wall, _ in timed]
    rates = [e["total"] / s for e, s in zip(events, sim)]
    simpy_rates = [e["simpy"] / s for e, s in zip(events, sim)]
    note(f"{scenario.name}: replications per second with 1 and {opts.workers} workers, {opts.rounds} rounds")
    rounds = []
    for _ in range(opts.rounds):  # alternate, so both see the same machine load
        r1, cpu1 = replications_per_second(scenario, throughput_n, 1, seed)
        r2, cpu2 = replications_per_second(scenario, throughput_n * opts.workers, opts.workers, seed)
        rounds.append({"replications_per_s_1_worker": r1, f"replications_per_s_{opts.workers}_workers": r2,
                       "parallel_efficiency": r2 / (opts.workers * r1), "parallel_cpu_efficiency": cpu1 / cpu2,
                       "load_average": load_average()})
    r1 = statistics.median(r["replications_per_s_1_worker"] for r in rounds)
    r2 = statistics.median(r[f"replications_per_s_{opts.workers}_workers"] for r in rounds)
    note(f"{scenario.name}: {memory_n} replications on {opts.workers} workers in a child process (memory)")
    mem = memory_run(path, memory_n, opts.workers, seed)
    return {
        "scenario": scenario.name,
        "path": path,
        "posts_at_start": sum(scenario.posts_by_group().values()),
        "samples": samples,
        "model_events_per_replication": statistics.median(e["total"] for e in events),
        "simpy_events_per_replication": statistics.median(e["simpy"] for e in events),
        "case_events_per_replication": statistics.median(e["case"] for e in events),
        "referrals_per_replication": statistics.median(e["referral"] for e in events),
        "model_events_per_s": statistics.median(rates),
        "model_to_bare_ratio": statistics.median(rates) / bare_rate,
        "bare_simpy_events_per_s": bare_rate,
        "simpy_events_per_s": statistics.median(simpy_rates),
        "simpy_to_bare_ratio": statistics.median(simpy_rates) / bare_rate,
        "simulation_seconds": statistics.median(sim),
        "seconds_per_replication": statistics.median(per_rep),
        "seconds_per_replication_min": min(per_rep),
        "seconds_per_replication_max": max(per_rep),
        "cpu_seconds_per_replication": statistics.median(cpu for _, cpu in timed),
        "throughput_replications": throughput_n,
        "replications_per_s_1_worker": r1,
        f"replications_per_s_{opts.workers}_workers": r2,
        "parallel_efficiency": statistics.median(r["parallel_efficiency"] for r in rounds),
        "parallel_cpu_efficiency": statistics.median(r["parallel_cpu_efficiency"] for r in rounds),
        "throughput_rounds": rounds,
        "memory": mem,
    }


# ---------------------------------------------------------------- the commands' work
def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def work(path: str, opts: BenchOptions, note: Callable[[str], None]) -> dict[str, Any]:
    """The commands' work, each in seconds and as a ratio to a Slough replication timed in the same run:
    one replication of the South East region (workforce only), the notebook Run of 50 Slough replications
    (``workflows.run`` on 2 workers, no cache), ``wfsim report -n 100`` uncached then cached, an optimiser
    study of 50 candidates (``wfsim optimise``: a supplement and an NQSW lever, 10 replications each,
    no cache) and a reduced backtest (``wfsim backtest``: 2 councils, origin 2020, ABC-SMC 20 x 2)."""
    import subprocess
    import tempfile

    from workforce_sim.experiments.regions import single_region_run
    from workforce_sim.scenario.regions import load_region
    from workforce_sim.workflows import run as run_workflow

    scenario = load_scenario(path)
    seed = opts.seed
    single_run(scenario, seed, 0)
    slough = [replication_seconds(scenario, seed, r)[0] for r in range(3)]
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wfsim-bench-") as tmp:
        note("the South East region: init, one replication (workforce only)")
        region_file = Path(tmp) / "south_east.yaml"
        wfsim = [sys.executable, "-m", "workforce_sim"]
        subprocess.run([*wfsim, "init", "--region", "South East", "--year", "2023", "--out", str(region_file)],
                       check=True, capture_output=True)
        region = load_region(region_file, ["cases=false"])
        out["south_east_members"] = len(region.members)
        out["south_east_replication_s"] = min(_timed(lambda r=r: single_region_run(region, seed, r)) for r in range(2))
        slough.append(replication_seconds(scenario, seed, 3)[0])
        note(f"the notebook Run: {opts.notebook_replications} Slough replications on {opts.workers} workers")
        spec = run_workflow.prepare(path, opts.notebook_replications, seed, workers=opts.workers, cache=False,
                                    investment_baseline="when named")
        out["notebook_run_replications"] = spec.total_replications
        out["notebook_run_s"] = _timed(lambda: run_workflow.execute(spec))
        slough.append(replication_seconds(scenario, seed, 4)[0])
        env = {**os.environ, "WFSIM_CACHE": str(Path(tmp) / "cache")}
        for label in ("uncached", "cached"):
            note(f"wfsim report -n {opts.report_replications}, {label}")
            out[f"report_{label}_s"] = _timed(lambda: subprocess.run(
                [*wfsim, "report", path, "-n", str(opts.report_replications), "--workers", str(opts.workers), "--no-progress",
                 "--out", str(Path(tmp) / "outputs")], check=True, capture_output=True, env=env))
        slough.append(replication_seconds(scenario, seed, 5)[0])
        note(f"wfsim optimise: {opts.optimise_trials} candidates x {opts.optimise_replications} replications")
        off = {**os.environ, "WFSIM_CACHE": "off"}
        out["optimise_trials"] = opts.optimise_trials
        out["optimise_s"] = _timed(lambda: subprocess.run(
            [*wfsim, "optimise", path, "--lever", "market_supplement_gbp=0..8000:250", "--lever", "nqsw_per_year=0..16",
             "--require", "permanent_share", "--trials", str(opts.optimise_trials), "--replications", str(opts.optimise_replications),
             "--confirm-replications", "20", "--workers", str(opts.workers), "--no-progress", "--out", str(Path(tmp) / "optimise")],
            capture_output=True, env=off))            # "no plan" (exit 4) is an answer too
        slough.append(replication_seconds(scenario, seed, 6)[0])
        note(f"wfsim backtest: {opts.backtest_councils} councils, origin 2020")
        out["backtest_councils"] = opts.backtest_councils
        out["backtest_s"] = _timed(lambda: subprocess.run(
            [*wfsim, "backtest", "--councils", str(opts.backtest_councils), "--origins", "2020", "--population", "20",
             "--generations", "2", "-n", "20", "--workers", str(opts.workers), "--no-progress", "--out", str(Path(tmp) / "backtest")],
            check=True, capture_output=True, env=off))
    out["slough_replication_s"] = statistics.median(slough)
    for key in ("south_east_replication_s", "notebook_run_s", "report_uncached_s", "report_cached_s", "optimise_s", "backtest_s"):
        out[key[:-2] + "_ratio"] = out[key] / out["slough_replication_s"]
    out["report_replications"] = opts.report_replications
    return out


# ---------------------------------------------------------------- goals
def goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of issue 7 with the measured value and whether it is met (None: not measured at that size)."""
    s, big = report["slough"], report["large_council"]
    mem = s["memory"]
    at_1000_on_2 = mem["replications"] == 1000 and mem["workers"] == 2
    sampled = mem.get("peak_rss_mb_sampled") is not None
    mem_key = "memory.peak_rss_mb_sampled" if sampled else "memory.peak_rss_mb_bound"
    mem_value = mem["peak_rss_mb_sampled"] if sampled else mem["peak_rss_mb_bound"]
    rows = [
        ("model events/s >= half of bare SimPy", "model_to_bare_ratio", s["model_to_bare_ratio"], ">=", 0.5),
        ("Slough replication <= 0.2 s", "seconds_per_replication", s["seconds_per_replication"], "<=", 0.2),
        ("1,000 replications <= 2 min on 2 cores", "memory.wall_seconds", mem["wall_seconds"] if at_1000_on_2 else None, "<=", 120.0),
        ("parallel efficiency >= 85%", "parallel_efficiency", s["parallel_efficiency"], ">=", 0.85),
        ("memory < 1 GB for 1,000 replications", mem_key, mem_value if at_1000_on_2 else None, "<", 1024.0),
        ("ten-times council <= 3 s per replication", "large_council.seconds_per_replication", big["seconds_per_replication"], "<=", 3.0),
        ("ten-times council <= 11 Slough replications", "large_council / slough seconds_per_replication",
         big["seconds_per_replication"] / s["seconds_per_replication"], "<=", 11.0),
    ]
    w = report.get("work")
    if w:
        rows += [
            ("wfsim report -n 100 <= 10 s", "work.report_uncached_s", w["report_uncached_s"], "<=", 10.0),
            ("wfsim report -n 100 cached <= 3 s", "work.report_cached_s", w["report_cached_s"], "<=", 3.0),
            ("notebook Run of 50 Slough replications <= 5 s", "work.notebook_run_s", w["notebook_run_s"], "<=", 5.0),
            ("South East replication <= 20 Slough replications", "work.south_east_replication_ratio",
             w["south_east_replication_ratio"], "<=", 20.0),
        ]
    out = []
    for name, key, value, op, limit in rows:
        met = None if value is None else {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]
        out.append({"goal": name, "key": key, "value": value, "limit": limit, "op": op, "met": met})
    return out


def load_average() -> Optional[float]:
    """One-minute load average of the machine (None where unknown)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # pragma: no cover - not on Windows
        return None


def _find(path: str, option: str) -> str:
    p = Path(path)
    if p.exists():
        return str(p)
    alt = REPO_SCENARIOS / p.name
    if p.parts[:1] == ("scenarios",) and alt.exists():
        return str(alt)
    raise InputError("file not found", file=option, key=path)


def run_bench(opts: BenchOptions = BenchOptions(), scenario: str = DEFAULT_SCENARIO,
              large_scenario: str = DEFAULT_LARGE_SCENARIO, note: Optional[Callable[[str], None]] = None) -> dict[str, Any]:
    """Measure every figure; returns the report (see docs/performance.md for keys)."""
    note = note or (lambda _msg: None)
    scenario = _find(scenario, "--scenario")
    large_scenario = _find(large_scenario, "--large-scenario")
    load_before = load_average()
    note("bare SimPy: a loop of plain timeouts")
    bare_runs = BareSimPy(opts.bare_events, opts.bare_repeats)
    bare = bare_runs.first
    report: dict[str, Any] = {
        "workforce_sim": __version__,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "engine": native.ENGINE,             # the model compiled with mypyc or pure Python (WFSIM_PURE=1; benchmarks/engines.py)
        "platform": platform.platform(),
        "cpu_count": multiprocessing.cpu_count(),
        "seed": opts.seed,
        "load_average_before": load_before,
        "bare_simpy_events": bare["events"],
    }
    report["slough"] = council(scenario, opts.samples, opts.throughput_replications, opts.memory_replications,
                               bare_runs, opts, note)
    report["large_council"] = council(large_scenario, opts.large_samples, opts.large_throughput_replications,
                                      opts.large_memory_replications, bare_runs, opts, note)
    report["bare_simpy_events_per_s"] = bare_runs.best
    for key in ("slough", "large_council"):   # every ratio against the best bare SimPy run of the whole benchmark
        c = report[key]
        c["bare_simpy_events_per_s"] = bare_runs.best
        c["model_to_bare_ratio"] = c["model_events_per_s"] / bare_runs.best
        c["simpy_to_bare_ratio"] = c["simpy_events_per_s"] / bare_runs.best
    report["bare_simpy_runs"] = len(bare_runs.rates)
    report["bare_simpy_events_per_s_median"] = statistics.median(bare_runs.rates)
    if opts.work:
        report["work"] = work(scenario, opts, note)
    report["load_average_after"] = load_average()
    report["goals"] = goals(report)
    return report


def text_report(r: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    lines = [
        f"workforce_sim {r['workforce_sim']} ({r.get('engine', 'pure')} engine), Python {r['python']}, SimPy {r['simpy']}, {r['cpu_count']} cores, "
        f"load average {r['load_average_before']} before, {r['load_average_after']} after",
        f"bare SimPy: {r['bare_simpy_events_per_s']:,.0f} events/s (best of {r['bare_simpy_runs']} runs interleaved with the "
        f"model's, median {r['bare_simpy_events_per_s_median']:,.0f}; {r['bare_simpy_events']:,} events, loop of plain timeouts)",
    ]
    for key in ("slough", "large_council"):
        c = r[key]
        m = c["memory"]
        w = m["workers"]
        lines += [
            "",
            f"{c['scenario']} ({c['posts_at_start']} posts at the start)",
            f"  events per replication        {c['model_events_per_replication']:>12,.0f}   "
            f"(SimPy {c['simpy_events_per_replication']:,.0f}, case queue {c['case_events_per_replication']:,.0f}, "
            f"referrals {c['referrals_per_replication']:,.0f})",
            f"  model events/s                {c['model_events_per_s']:>12,.0f}   ratio to bare SimPy {c['model_to_bare_ratio']:.2f} "
            f"(SimPy events alone {c['simpy_events_per_s']:,.0f}/s, ratio {c['simpy_to_bare_ratio']:.3f})",
            f"  seconds per replication       {c['seconds_per_replication']:>12.3f}   (median of {c['samples']}; "
            f"min {c['seconds_per_replication_min']:.3f}, max {c['seconds_per_replication_max']:.3f}; "
            f"CPU {c['cpu_seconds_per_replication']:.3f}; simulation alone {c['simulation_seconds']:.3f})",
            f"  replications/s, 1 worker      {c['replications_per_s_1_worker']:>12.2f}",
            f"  replications/s, {w} workers     {c[f'replications_per_s_{w}_workers']:>12.2f}   parallel efficiency {100 * c['parallel_efficiency']:.0f}%"
            f" (median of {len(c['throughput_rounds'])} rounds: "
            + ", ".join(f"{100 * x['parallel_efficiency']:.0f}%" for x in c["throughput_rounds"])
            + f"; CPU efficiency {100 * c['parallel_cpu_efficiency']:.0f}%)",
            f"  {m['replications']} replications on {w} workers: {m['wall_seconds']:.1f} s ({m['replications_per_s']:.2f}/s); peak memory "
            f"{'-' if m['peak_rss_mb_sampled'] is None else format(m['peak_rss_mb_sampled'], '.0f')} MB sampled; "
            f"{m['peak_rss_mb_main']:.0f} MB main + {w} x {m['peak_rss_mb_worker']:.0f} MB worker = {m['peak_rss_mb_bound']:.0f} MB bound; "
            f"results tables {m['results_mb']:.0f} MB",
        ]
    w = r.get("work")
    if w:
        lines += [
            "",
            f"The commands' work (ratio to a Slough replication of {w['slough_replication_s']:.3f} s in the same run)",
            f"  South East region, one replication ({w['south_east_members']} councils, workforce only) "
            f"{w['south_east_replication_s']:8.2f} s  x{w['south_east_replication_ratio']:.1f}",
            f"  notebook Run ({w['notebook_run_replications']} replications, 2 workers)        "
            f"{w['notebook_run_s']:8.2f} s  x{w['notebook_run_ratio']:.1f}",
            f"  wfsim report -n {w['report_replications']}, uncached                      "
            f"{w['report_uncached_s']:8.2f} s  x{w['report_uncached_ratio']:.1f}",
            f"  wfsim report -n {w['report_replications']}, cached                        "
            f"{w['report_cached_s']:8.2f} s  x{w['report_cached_ratio']:.1f}",
            f"  wfsim optimise, {w['optimise_trials']} candidates                          "
            f"{w['optimise_s']:8.2f} s  x{w['optimise_ratio']:.1f}",
            f"  wfsim backtest, {w['backtest_councils']} councils x 1 origin                   "
            f"{w['backtest_s']:8.2f} s  x{w['backtest_ratio']:.1f}",
        ]
    lines += ["", "Goals"]
    for g in r["goals"]:
        met = "not measured at this size" if g["met"] is None else ("met" if g["met"] else "NOT met")
        value = "-" if g["value"] is None else f"{g['value']:.3g}"
        lines.append(f"  {g['goal']:<44} {value:>9} {g['op']} {g['limit']:<6g} {met}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from workforce_sim.cli.common import positive_int

    b = argparse.ArgumentParser(prog="bench", description="measure events/s, seconds per replication, parallel efficiency and memory")
    b.add_argument("--json", action="store_true", help="print the figures as JSON (keys in docs/performance.md)")
    b.add_argument("--scenario", default=str(REPO / DEFAULT_SCENARIO), help="council scenario (default scenarios/slough_2014_investment.yaml)")
    b.add_argument("--large-scenario", default=str(REPO / DEFAULT_LARGE_SCENARIO),
                   help="large council (default scenarios/large_council_10x.yaml)")
    b.add_argument("--samples", type=positive_int("--samples"), default=None, help="single replications timed (default 10)")
    b.add_argument("--replications", type=positive_int("--replications"), default=None,
                   help="replications of the memory run on 2 workers (default 1000)")
    b.add_argument("--large-replications", type=positive_int("--large-replications"), default=None,
                   help="replications of the large council's memory run (default 100)")
    b.add_argument("--no-work", action="store_true",
                   help="leave out the commands' work (the South East region, the notebook Run, the report cached and not, "
                        "an optimiser study, a reduced backtest)")
    b.add_argument("--quick", action="store_true", help="tiny sizes, to check the script works (figures not meaningful)")
    return b


def main(argv: Optional[list[str]] = None) -> int:
    from dataclasses import replace

    try:
        args = build_parser().parse_args(argv)
        opts = BenchOptions.quick() if args.quick else BenchOptions()
        changes = {k: v for k, v in (("samples", args.samples), ("memory_replications", args.replications),
                                      ("large_memory_replications", args.large_replications)) if v is not None}
        if args.no_work:
            changes["work"] = False
        opts = replace(opts, **changes)
        note = (lambda msg: print(f"bench: {msg}", file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
        report = run_bench(opts, args.scenario, args.large_scenario, note=note)
    except InputError as exc:
        print(f"bench: error: {exc.one_line()}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else text_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
