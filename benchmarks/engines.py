"""The compiled and the pure-Python model side by side (run as ``python benchmarks/engines.py [--json]``).

In alternating rounds: bare SimPy in this process (the best of all its runs is the figure, as in
``bench.py``), then one child process per engine (``WFSIM_PURE=1`` for the pure one) timing a few
replications of each scenario: the simulation alone (build and run, as ``bench.py``'s model
events/s) and the whole ``single_run``. Medians over every round's samples. The events of a
replication are counted in each child (the same in both engines, whose records are identical).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench import BareSimPy, load_average, model_events, model_sim_seconds, replication_seconds  # noqa: E402
from workforce_sim import native  # noqa: E402
from workforce_sim.scenario.loading import load_scenario  # noqa: E402

SCENARIOS = {"slough": "scenarios/slough_2014_investment.yaml", "large_council": "scenarios/large_council_10x.yaml"}


def child(path: str, samples: int, seed: int, first: int) -> dict[str, Any]:
    """In a child process: events of one replication, then ``samples`` timed replications of both kinds."""
    scenario = load_scenario(REPO / path)
    events = model_events(scenario, seed, 0)["total"]
    sim, sim_cpu = [], []
    for i in range(samples):
        c0 = time.process_time()
        sim.append(model_sim_seconds(scenario, seed, first + i))
        sim_cpu.append(time.process_time() - c0)
    whole = [replication_seconds(scenario, seed, first + i) for i in range(samples)]
    return {"engine": native.ENGINE, "events": events, "simulation_s": sim, "simulation_cpu_s": sim_cpu,
            "replication_s": [w for w, _ in whole], "replication_cpu_s": [c for _, c in whole]}


def _run_child(engine: str, path: str, samples: int, seed: int, first: int) -> dict[str, Any]:
    env = dict(os.environ, WFSIM_CACHE="off")
    env.pop("WFSIM_PURE", None)
    if engine == "pure":
        env["WFSIM_PURE"] = "1"
    out = subprocess.run([sys.executable, __file__, "--child", path, "--samples", str(samples), "--seed", str(seed),
                          "--first", str(first)], env=env, capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    if got["engine"] != engine:
        raise SystemExit(f"asked for the {engine} engine, the child ran the {got['engine']} one ({native.REASON})")
    return got


def compare(rounds: int, samples: dict[str, int], seed: int, bare_events: int) -> dict[str, Any]:
    if native.ENGINE != "compiled":
        raise SystemExit(f"the model is not compiled here ({native.REASON}): make native")
    load_before = load_average()
    bare = BareSimPy(bare_events, 3)
    got: dict[str, dict[str, list[dict[str, Any]]]] = {k: {"pure": [], "compiled": []} for k in SCENARIOS}
    for r in range(rounds):
        for key, path in SCENARIOS.items():
            for engine in (("pure", "compiled") if r % 2 == 0 else ("compiled", "pure")):
                bare.again()
                got[key][engine].append(_run_child(engine, path, samples[key], seed, 1 + r * samples[key]))
    report: dict[str, Any] = {"load_average_before": load_before, "bare_simpy_events_per_s": bare.best,
                              "bare_simpy_runs": len(bare.rates), "rounds": rounds, "seed": seed}
    for key in SCENARIOS:
        report[key] = {}
        for engine, runs in got[key].items():
            events = runs[0]["events"]
            assert all(x["events"] == events for x in runs)
            sim = statistics.median(s for x in runs for s in x["simulation_s"])
            report[key][engine] = {
                "events_per_replication": events,
                "simulation_s": sim,
                "model_events_per_s": events / sim,
                "model_to_bare_ratio": events / sim / bare.best,
                "simulation_cpu_s": statistics.median(s for x in runs for s in x["simulation_cpu_s"]),
                "replication_s": statistics.median(s for x in runs for s in x["replication_s"]),
                "replication_cpu_s": statistics.median(s for x in runs for s in x["replication_cpu_s"]),
                "samples": sum(len(x["simulation_s"]) for x in runs),
            }
        p, c = report[key]["pure"], report[key]["compiled"]
        report[key]["speed_up_simulation"] = p["simulation_s"] / c["simulation_s"]
        report[key]["speed_up_replication"] = p["replication_s"] / c["replication_s"]
        report[key]["speed_up_simulation_cpu"] = p["simulation_cpu_s"] / c["simulation_cpu_s"]
        report[key]["speed_up_replication_cpu"] = p["replication_cpu_s"] / c["replication_cpu_s"]
    for engine in ("pure", "compiled"):
        report[f"large_to_slough_{engine}"] = report["large_council"][engine]["replication_s"] / report["slough"][engine]["replication_s"]
    report["load_average_after"] = load_average()
    return report


def text(r: dict[str, Any]) -> str:
    lines = [f"bare SimPy {r['bare_simpy_events_per_s']:,.0f} events/s (best of {r['bare_simpy_runs']}); load average "
             f"{r['load_average_before']} before, {r['load_average_after']} after; {r['rounds']} rounds"]
    for key in SCENARIOS:
        lines.append(f"{key}: {r[key]['pure']['events_per_replication']:,} events a replication")
        for engine in ("pure", "compiled"):
            e = r[key][engine]
            lines.append(f"  {engine:<9} simulation {e['simulation_s']:.3f} s  {e['model_events_per_s']:>10,.0f} events/s  ratio "
                         f"{e['model_to_bare_ratio']:.3f} (CPU {e['simulation_cpu_s']:.3f})  replication {e['replication_s']:.3f} s (CPU {e['replication_cpu_s']:.3f})")
        lines.append(f"  speed-up: simulation x{r[key]['speed_up_simulation']:.2f} (CPU x{r[key]['speed_up_simulation_cpu']:.2f}), "
                     f"replication x{r[key]['speed_up_replication']:.2f} (CPU x{r[key]['speed_up_replication_cpu']:.2f})")
    lines.append(f"ten-times council / Slough replication: pure {r['large_to_slough_pure']:.1f}, compiled {r['large_to_slough_compiled']:.1f}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=5, help="Slough replications timed per round and engine")
    ap.add_argument("--large-samples", type=int, default=1, help="ten-times council replications per round and engine")
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--first", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child, a.samples, a.seed, a.first)))
        return 0
    r = compare(a.rounds, {"slough": a.samples, "large_council": a.large_samples}, a.seed, 200_000)
    print(json.dumps(r, indent=1) if a.json else text(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
