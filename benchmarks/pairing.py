"""How well paired scenarios pair (run as ``python benchmarks/pairing.py [-n 40] [--workers 2]``).

Per-replication headline (Slough's permanent share at its target date, points) of
scenarios run on one seed: the correlation between neighbouring supplement levels
(GBP 2,000 and 3,000 a year) and between the baseline and the investment scenario,
and the standard deviation of the paired difference. Common random numbers make the
paired difference far tighter than either run's spread; draws keyed by identity
(``streams.Keyed``) make neighbouring levers pair closely. Figures in docs/model.md.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from workforce_sim.experiments.replications import run_replications
from workforce_sim.scenario.loading import load_scenario
from workforce_sim.workflows.run import headline_values

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def pair(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    d = b - a
    return {"correlation": float(np.corrcoef(a, b)[0, 1]), "mean_difference": float(d.mean()),
            "sd_difference": float(d.std(ddof=1)), "sd_each": float((a.std(ddof=1) + b.std(ddof=1)) / 2)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", "--replications", type=int, default=40)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=2014)
    args = p.parse_args()
    started = time.perf_counter()

    def headline(name: str, *overrides: str) -> np.ndarray:
        sc = load_scenario(SCENARIOS / name, list(overrides))
        return headline_values(run_replications(sc, args.replications, args.seed, args.workers, cache=False))

    invest = "slough_2014_investment.yaml"
    rows = {"supplement 2,000 vs 3,000": pair(headline(invest, "market_supplement_gbp=2000"), headline(invest, "market_supplement_gbp=3000")),
            "baseline vs investment": pair(headline("slough_2014_baseline.yaml"), headline(invest))}
    print(f"{args.replications} replications, seed {args.seed}; headline: permanent share (points)")
    for name, r in rows.items():
        print(f"{name:28s} correlation {r['correlation']:.3f}  paired difference {r['mean_difference']:+.2f} "
              f"(sd {r['sd_difference']:.2f}; each run's sd {r['sd_each']:.2f})")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
