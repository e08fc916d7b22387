"""Two compiled builds and the pure engine side by side in one run (``python benchmarks/before_after.py BEFORE_TREE``).

``BEFORE_TREE``: another checkout of the project, compiled in place (``python setup.py build_ext --inplace``),
e.g. ``git worktree add --detach /tmp/before main``. In alternating rounds, bare SimPy in this process (the best
of all its runs), then one child process each (``benchmarks/engines.py --child`` of its own tree) for the pure
engine, the other tree's compiled engine ("before") and this tree's ("after"). Medians over every round's samples.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import BareSimPy, load_average  # noqa: E402

SCENARIOS = {"slough": "scenarios/slough_2014_investment.yaml", "large_council": "scenarios/large_council_10x.yaml"}


def child(tree: Path, pure: bool, path: str, samples: int, first: int) -> dict:
    env = dict(os.environ, WFSIM_CACHE="off", PYTHONPATH=str(tree / "src"))
    env.pop("WFSIM_PURE", None)
    if pure:
        env["WFSIM_PURE"] = "1"
    out = subprocess.run([sys.executable, str(tree / "benchmarks" / "engines.py"), "--child", path, "--samples", str(samples),
                          "--seed", "2014", "--first", str(first)], cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    if got["engine"] != ("pure" if pure else "compiled"):
        raise SystemExit(f"{tree}: the {got['engine']} engine ran")
    return got


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--samples", type=int, default=3, help="Slough replications per round and engine")
    a = ap.parse_args()
    trees = {"pure": (HERE.parent, True), "before": (a.before.resolve(), False), "after": (HERE.parent, False)}
    samples = {"slough": a.samples, "large_council": 1}
    load_before = load_average()
    bare = BareSimPy(200_000, 3)
    got: dict = {k: {e: [] for e in trees} for k in SCENARIOS}
    for r in range(a.rounds):
        for key, path in SCENARIOS.items():
            for e in (list(trees) if r % 2 == 0 else list(reversed(trees))):
                bare.again()
                got[key][e].append(child(*trees[e], path, samples[key], 1 + r * samples[key]))
    rep: dict = {"load_average_before": load_before, "bare_simpy_events_per_s": bare.best, "bare_runs": len(bare.rates), "rounds": a.rounds}
    for key in SCENARIOS:
        rep[key] = {}
        for e, runs in got[key].items():
            events = runs[0]["events"]

            def med(f: str, runs=runs) -> float:
                return statistics.median(s for x in runs for s in x[f])
            rep[key][e] = {"events": events, "simulation_s": med("simulation_s"), "simulation_cpu_s": med("simulation_cpu_s"),
                           "replication_s": med("replication_s"), "replication_cpu_s": med("replication_cpu_s"),
                           "ratio_to_bare": events / med("simulation_s") / bare.best}
    for e in trees:
        rep[f"large_to_slough_{e}"] = rep["large_council"][e]["replication_s"] / rep["slough"][e]["replication_s"]
        rep[f"large_to_slough_cpu_{e}"] = rep["large_council"][e]["replication_cpu_s"] / rep["slough"][e]["replication_cpu_s"]
    rep["load_average_after"] = load_average()
    print(json.dumps(rep, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
