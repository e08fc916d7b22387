"""CPU seconds of one backtest task (a council and an origin: baselines, ABC-SMC calibration,
two forecasts) on a sample of councils, and what they project for the default backtest on 2 cores.

    .venv/bin/python benchmarks/backtest_bench.py                # 8 councils, origin 2021, the defaults
    .venv/bin/python benchmarks/backtest_bench.py --councils 20 --origin 2020 --json
    .venv/bin/python benchmarks/backtest_bench.py --cases        # also one replication with and without children's cases
    .venv/bin/python benchmarks/backtest_bench.py --budgets 10x2,20x2,40x2   # scores and cost of calibration budgets, same tasks

CPU time (``time.process_time``) is what the projection uses: on a machine shared with other
work the wall time is longer, the CPU time much less so. The one-minute load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def main() -> None:
    from workforce_sim.analysis.backtest import forecast_indicators
    from workforce_sim.defaults import DEFAULTS
    from workforce_sim.experiments.backtest import BacktestSpec, backtest_task, default_origins, select_councils, workforce_codes
    from workforce_sim.experiments.calibrate import GENERATIONS, POPULATION
    from workforce_sim.scenario.councils import load_table

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", type=int, default=8)
    p.add_argument("--origin", type=int, default=2021)
    p.add_argument("--replications", type=int, default=DEFAULTS.replications["backtest"])
    p.add_argument("--population", type=int, default=POPULATION)
    p.add_argument("--generations", type=int, default=GENERATIONS)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cases", action="store_true", help="also time one replication with and without children's cases")
    p.add_argument("--json", action="store_true")
    p.add_argument("--budgets", default=None, metavar="PxG,...",
                   help="ABC-SMC budgets (particles x generations) to compare on the same tasks: coverage, CRPS, CPU")
    a = p.parse_args()
    if a.budgets:
        _budgets(a)
        return
    table = load_table()
    spec = BacktestSpec(indicators=forecast_indicators, replications=a.replications, population=a.population, generations=a.generations)
    codes = select_councils(str(a.councils), [a.origin], table, a.seed)
    load0 = os.getloadavg()[0]
    import pyabc  # noqa: F401  (imported once per worker; not part of a task)

    rows = []
    for code in codes:
        cpu, wall = time.process_time(), time.perf_counter()
        r = backtest_task(spec, code, a.origin)
        rows.append({"council": r.council, "cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
                     "calibrate_cpu_s": r.seconds.get("calibrate", 0.0), "forecast_cpu_s": r.seconds.get("forecast", 0.0),
                     "abc_simulations": r.simulations})
    cpu = np.array([r["cpu_s"] for r in rows])
    origins = default_origins(table, 3)
    tasks = sum(len(workforce_codes(table, y)) for y in origins)
    out = {"councils": len(rows), "origin": a.origin, "replications": a.replications, "population": a.population,
           "generations": a.generations, "cpu_s_per_task_mean": float(cpu.mean()), "cpu_s_per_task_median": float(np.median(cpu)),
           "cpu_s_per_task_max": float(cpu.max()), "default_backtest_tasks": tasks, "default_origins": origins,
           "projected_minutes_on_2_cores": float(cpu.mean() * tasks / 2 / 60), "load_before": load0, "load_after": os.getloadavg()[0],
           "tasks": rows}
    if a.cases:
        out["replication_seconds"] = _cases_timing(codes[:3], a.origin)
    if a.json:
        print(json.dumps(out, indent=2))
        return
    for r in rows:
        print(f"{r['council'][:28]:<28} cpu {r['cpu_s']:6.2f} s (calibrate {r['calibrate_cpu_s']:5.2f}, {r['abc_simulations']:3d} simulations; "
              f"forecasts {r['forecast_cpu_s']:5.2f}) wall {r['wall_s']:6.2f} s")
    print(f"mean {out['cpu_s_per_task_mean']:.2f} s, median {out['cpu_s_per_task_median']:.2f} s CPU per task; the default backtest "
          f"({tasks} tasks, origins {origins}) projects to {out['projected_minutes_on_2_cores']:.1f} minutes on 2 idle cores")
    print(f"load average {load0:.1f} before, {out['load_after']:.1f} after")
    for r in out.get("replication_seconds", []):
        print(f"{r['council'][:28]:<28} one 3-year replication: {r['with_cases_s']:.3f} s with children's cases, "
              f"{r['without_cases_s']:.3f} s without")


def _budgets(a) -> None:
    """Coverage, CRPS and CPU of the calibrated forecast under each budget, on the same tasks and seeds."""
    from workforce_sim.scenario.baseline import load_table

    from workforce_sim.analysis.backtest import forecast_indicators, score_cases, scores
    from workforce_sim.experiments.backtest import BacktestSpec, backtest_task, default_origins, select_councils, workforce_codes

    table = load_table()
    codes = select_councils(str(a.councils), [a.origin], table, a.seed)
    origins = default_origins(table, 3)
    tasks = sum(len(workforce_codes(table, y)) for y in origins)
    out = []
    for budget in a.budgets.split(","):
        pop, gen = (int(x) for x in budget.lower().split("x"))
        spec = BacktestSpec(indicators=forecast_indicators, replications=a.replications, population=pop, generations=gen)
        cpu = time.process_time()
        results = [backtest_task(spec, code, a.origin) for code in codes]
        cpu = time.process_time() - cpu
        sc = scores(score_cases(results, table, recalibrate=False))
        sc = sc[sc["variant"] == "calibrated"]
        row = {"population": pop, "generations": gen, "tasks": len(codes), "cpu_s_per_task": cpu / len(codes),
               "projected_minutes_on_2_cores": cpu / len(codes) * tasks / 2 / 60,
               "simulations_per_task": float(np.mean([r.simulations for r in results])),
               "mean_crps": float(sc["crps"].mean()), "mean_coverage90": float(sc["coverage90"].mean()),
               "mean_coverage50": float(sc["coverage50"].mean())}
        row.update({f"crps_{m}": float(g["crps"].mean()) for m, g in sc.groupby("measure")})
        row.update({f"coverage90_{m}": float(g["coverage90"].mean()) for m, g in sc.groupby("measure")})
        out.append(row)
        print(json.dumps(row), flush=True)


def _cases_timing(codes, origin: int, n: int = 3) -> list[dict]:
    from workforce_sim.experiments.calibrate import model_only
    from workforce_sim.experiments.replications import single_run
    from workforce_sim.scenario.councils import table_through
    from workforce_sim.scenario.schema import Scenario
    from workforce_sim.scenario.start_state import start_state

    out = []
    for code in codes:
        c, data = start_state(code, origin, table=table_through(origin))
        full = Scenario.model_validate({k: v for k, v in data.items() if k != "targets"})
        bare = Scenario.model_validate(model_only(data, origin + 3))
        times = {}
        for label, sc in (("with_cases_s", full), ("without_cases_s", bare)):
            t = time.process_time()
            for r in range(n):
                single_run(sc, 1, r, costs=False)
            times[label] = (time.process_time() - t) / n
        out.append({"council": c.name, **times})
    return out


if __name__ == "__main__":
    main()
