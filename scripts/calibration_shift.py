"""How much of the calibration's move of a forecast's median is signal (figures for docs/validation.md).

For each case a backtest scored with both forecasts (the same council, origin, measure and horizon),
the calibration's shift is the calibrated median less the uncalibrated (baseline) one, and the
baseline's miss is the outcome less the baseline median. The least-squares slope of the miss on the
shift (through zero) is the share of the shift that the outcomes bear out: 1 if the calibration moved
each median as far as it should, 0 if its moves are noise (then they only add error). Read from a
run folder's ``cases.parquet``; nothing is fitted or changed.

    .venv/bin/python scripts/calibration_shift.py RUN_FOLDER [RUN_FOLDER ...]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

KEY = ["new_la_code", "origin", "measure", "horizon"]


def shift_table(folder: Path) -> pd.DataFrame:
    cases = pd.read_parquet(folder / "cases.parquet").dropna(subset=["actual", "q50"])
    base = cases[cases["variant"] == "baseline"].set_index(KEY)[["q50", "actual"]]
    cal = cases[cases["variant"] == "calibrated"].set_index(KEY)[["q50"]].rename(columns={"q50": "q50_calibrated"})
    both = base.join(cal, how="inner")
    shift = both["q50_calibrated"] - both["q50"]
    miss = both["actual"] - both["q50"]
    rows = []
    for (measure, horizon), idx in both.groupby(level=["measure", "horizon"]).groups.items():
        s, m = shift.loc[idx].to_numpy(), miss.loc[idx].to_numpy()
        rows.append({"measure": measure, "horizon": horizon, "cases": len(s), "shift_sd": s.std(ddof=1),
                     "share_borne_out": float((s * m).sum() / (s * s).sum()), "correlation": float(np.corrcoef(s, m)[0, 1])})
    return pd.DataFrame(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", type=Path)
    for folder in p.parse_args().runs:
        print(folder)
        print(shift_table(folder).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
