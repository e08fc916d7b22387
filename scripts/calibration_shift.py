"""How much of the calibration's move of a forecast's median is signal (figures for docs/validation.md).

For each case a backtest scored with both forecasts (the same council, origin, measure and horizon),
the calibration's shift is the calibrated median less the uncalibrated (baseline) one, and the
baseline's miss is the outcome less the baseline median. The least-squares slope of the miss on the
shift (through zero) is the share of the shift that the outcomes bear out: 1 if the calibration moved
each median as far as it should, 0 if its moves are noise (then they only add error). Read from a
run folder's ``cases.parquet``; nothing in the model is fitted or changed.

Then what shrinking the move would do, honestly: for each origin, the weight is that slope (clipped
to 0-1) over the cases of the same measure whose outcome was published by the origin (the same
horizon when at least 50, else every horizon; origins with fewer than 50 are left out), and the
median baseline + weight x move is scored beside the two, on the origins that have a weight.

    .venv/bin/python scripts/calibration_shift.py RUN_FOLDER [RUN_FOLDER ...]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

KEY = ["new_la_code", "origin", "measure", "horizon"]


def moves(folder: Path) -> pd.DataFrame:
    """A run folder's cases scored with both forecasts, one row each (index: council, origin, measure,
    horizon): the uncalibrated median ``q50``, the calibrated one, the outcome and its year, the ``move``
    (calibrated less uncalibrated median) and the uncalibrated ``miss`` (outcome less its median)."""
    cases = pd.read_parquet(folder / "cases.parquet").dropna(subset=["actual", "q50"])
    base = cases[cases["variant"] == "baseline"].set_index(KEY)[["q50", "actual", "year"]]
    cal = cases[cases["variant"] == "calibrated"].set_index(KEY)[["q50"]].rename(columns={"q50": "calibrated"})
    both = base.join(cal, how="inner")
    both["move"] = both["calibrated"] - both["q50"]
    both["miss"] = both["actual"] - both["q50"]
    return both


def shift_table(folder: Path) -> pd.DataFrame:
    """By measure and horizon: the move's spread and the share of it the outcomes bear out."""
    rows = []
    for (measure, horizon), g in moves(folder).groupby(level=["measure", "horizon"]):
        s, m = g["move"].to_numpy(), g["miss"].to_numpy()
        rows.append({"measure": measure, "horizon": horizon, "cases": len(s), "shift_sd": s.std(ddof=1),
                     "share_borne_out": float((s * m).sum() / (s * s).sum()), "correlation": float(np.corrcoef(s, m)[0, 1])})
    return pd.DataFrame(rows)


def shrunk(folder: Path) -> pd.DataFrame:
    """MAE of the uncalibrated, calibrated and shrunk medians by measure and horizon (origins with a weight)."""
    j = moves(folder).reset_index()
    rows = []
    for (measure, horizon, origin), now in j.groupby(["measure", "horizon", "origin"]):
        known = j[(j["measure"] == measure) & (j["year"] <= origin)]
        same = known[known["horizon"] == horizon]
        use = same if len(same) >= 50 else known
        if len(use) < 50:
            continue
        weight = float(np.clip((use["move"] * use["miss"]).sum() / (use["move"] ** 2).sum(), 0.0, 1.0))
        median = now["q50"] + weight * now["move"]
        rows.append({"measure": measure, "horizon": horizon, "origin": origin, "weight": weight, "cases": len(now),
                     "mae_uncalibrated": (now["q50"] - now["actual"]).abs().mean(),
                     "mae_calibrated": (now["calibrated"] - now["actual"]).abs().mean(),
                     "mae_shrunk": (median - now["actual"]).abs().mean()})
    r = pd.DataFrame(rows)
    cols = ["mae_uncalibrated", "mae_calibrated", "mae_shrunk"]
    return r.groupby(["measure", "horizon"]).apply(
        lambda g: pd.Series({"origins": ",".join(str(o) for o in g["origin"]), "weights": ",".join(f"{w:.2f}" for w in g["weight"]),
                             **{c: np.average(g[c], weights=g["cases"]) for c in cols}}), include_groups=False).reset_index()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", type=Path)
    for folder in p.parse_args().runs:
        print(folder)
        print(shift_table(folder).round(2).to_string(index=False))
        print("the move shrunk by a weight learnt from outcomes published by each origin:")
        print(shrunk(folder).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
