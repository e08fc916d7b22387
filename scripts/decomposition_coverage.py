"""How often the interval of the parameter share holds the true share (docs/model.md).

Synthetic nested designs with known variance components (normal parameter
effect of variance s, normal noise of variance 1 - s): the interval of
``workforce_sim.analysis.uncertainty.variance_share`` against a percentile
bootstrap over groups, for a few (K, M, s). Prints one row per case.

    .venv/bin/python scripts/decomposition_coverage.py [--trials 400]
"""
from __future__ import annotations

import argparse

import numpy as np

from workforce_sim.analysis.uncertainty import variance_share


def bootstrap(y: np.ndarray, k: int, m: int, rng: np.random.Generator, n_boot: int = 400) -> tuple[float, float]:
    """Percentile interval of the same point estimate over groups resampled with replacement."""
    rows = y.reshape(k, m)
    picks = rows[rng.integers(0, k, (n_boot, k))]               # n_boot x K x M
    msw = picks.var(axis=2, ddof=1).mean(axis=1)
    msb = m * picks.mean(axis=2).var(axis=1, ddof=1)
    between = np.maximum(0.0, (msb - msw) / m)
    shares = np.where(between + msw > 0, between / (between + msw), 0.0)
    return float(np.quantile(shares, 0.05)), float(np.quantile(shares, 0.95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{'K':>3} {'M':>3} {'share':>6}  {'F interval':>10}  {'bootstrap':>9}   ({args.trials} trials each, 90% intervals)")
    for k, m, s in [(5, 10, 0.1), (5, 10, 0.5), (10, 10, 0.5), (20, 5, 0.3), (8, 8, 0.8)]:
        hit_f = hit_b = 0
        for _ in range(args.trials):
            y = np.repeat(rng.normal(0, np.sqrt(s), k), m) + rng.normal(0, np.sqrt(1 - s), k * m)
            v = variance_share(y, np.repeat(np.arange(k), m))
            hit_f += v.low <= s <= v.high
            lo, hi = bootstrap(y, k, m, rng)
            hit_b += lo <= s <= hi
        print(f"{k:>3} {m:>3} {s:>6.1f}  {hit_f / args.trials:>10.2f}  {hit_b / args.trials:>9.2f}")


if __name__ == "__main__":
    main()
