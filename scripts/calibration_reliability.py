"""Is the calibration's move of a median noise of the calibration itself? (figures for docs/validation.md)

Two backtests of the same councils and origins with different seeds (``wfsim backtest --councils
CODES --seed S``; the seed changes the ABC draws and the forecasts' replications). For each measure
and horizon: the standard deviation of the calibration's move (calibrated median less uncalibrated
median), and its reliability, the covariance of the two runs' moves of the same case over their
variance: 1 if a run's move is the same whatever the seed (then its errors are the method's, not
Monte Carlo noise), 0 if it is all noise of the seed. Also the MAE of each run's calibrated median,
of the uncalibrated, and of the two calibrated medians averaged (what a calibration with twice the
draws would be near). Read from the run folders' ``cases.parquet``; nothing is fitted.

    .venv/bin/python scripts/calibration_reliability.py RUN_A RUN_B
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from calibration_shift import moves  # scripts/calibration_shift.py (the script's folder is on the path)


def reliability(a: Path, b: Path) -> pd.DataFrame:
    j = moves(a).merge(moves(b), how="inner", left_index=True, right_index=True, suffixes=("_a", "_b"))
    rows = []
    for (measure, horizon), g in j.groupby(level=["measure", "horizon"]):
        var = (g["move_a"].var() + g["move_b"].var()) / 2
        rows.append({
            "measure": measure, "horizon": horizon, "cases": len(g), "move_sd": float(np.sqrt(var)),
            "reliability": float(np.cov(g["move_a"], g["move_b"])[0, 1] / var),
            "mae_uncalibrated": float(pd.concat([g["q50_a"] - g["actual_a"], g["q50_b"] - g["actual_b"]]).abs().mean()),
            "mae_calibrated": float(pd.concat([g["calibrated_a"] - g["actual_a"], g["calibrated_b"] - g["actual_b"]]).abs().mean()),
            "mae_calibrated_both": float(((g["calibrated_a"] + g["calibrated_b"]) / 2 - g["actual_a"]).abs().mean()),
        })
    return pd.DataFrame(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_a", type=Path)
    p.add_argument("run_b", type=Path)
    a = p.parse_args()
    print(reliability(a.run_a, a.run_b).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
