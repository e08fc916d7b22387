"""How the plotting positions p(n + 1) read intervals from stratified members (figures for docs/validation.md,
"A finding on the intervals' reading").

A toy, not the model: n members, each the sum of K standard normal dimensions stratified across the members as the
replications' draws are (one value from each 1/n of every dimension, in an independent random order), scaled with
independent normal noise of share W of the spread; the outcome a standard normal draw. Prints the share of
outcomes the "90%" interval (NumPy's weibull quantiles at 0.05 and 0.95) holds and its mean width over the true
one.

    .venv/bin/python scripts/stratified_intervals.py [--trials 20000]
"""
from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import norm


def coverage(rng: np.random.Generator, n: int, k: int, w: float, trials: int) -> tuple[float, float]:
    hit = width = 0.0
    for _ in range(trials):
        x = np.zeros(n)
        for _ in range(k):
            x += norm.ppf((rng.permutation(n) + rng.random(n)) / n)
        x = x / np.sqrt(k) * np.sqrt(1 - w ** 2) + w * rng.standard_normal(n)
        lo, hi = np.quantile(x, [0.05, 0.95], method="weibull")
        hit += lo <= rng.standard_normal() <= hi
        width += hi - lo
    return hit / trials, width / trials / (2 * norm.ppf(0.95))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=20000)
    trials = p.parse_args().trials
    rng = np.random.default_rng(1)
    for k in (1, 3, 8):
        for w in (0.0, 0.5):
            out = [f"n={n}: holds {c:.3f}, width x{wd:.3f}" for n in (20, 80) for c, wd in [coverage(rng, n, k, w, trials if n == 20 else trials // 4)]]
            print(f"K={k} W={w}: " + "; ".join(out))


if __name__ == "__main__":
    main()
