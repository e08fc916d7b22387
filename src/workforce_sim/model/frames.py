"""Helpers for building a replication's DataFrames cheaply."""
from __future__ import annotations

import numpy as np
import pandas as pd

from workforce_sim.scenario.schema import ROLES

LABELS = ("team", "team_type", "group")
# integer columns stored narrower: a replication's tables are stacked by the thousand
NARROW = {"replication": np.int32, "tick": np.int16, "period": np.int16}


def narrow(table: pd.DataFrame) -> pd.DataFrame:
    """Store the replication, tick and period columns as int32 / int16 (in place; returns ``table``)."""
    for col, dtype in NARROW.items():
        if col in table.columns and table[col].dtype != dtype:
            table[col] = table[col].to_numpy().astype(dtype)
    return table


def team_snapshot_frame(rows: list[tuple], columns: list[str], replication: int,
                        tick_dates: np.ndarray, teams: pd.DataFrame) -> pd.DataFrame:
    """A monthly per-team-and-role table from row tuples ``(tick, team_idx, role_idx, *values)``.

    Columns: replication (int32), tick (int16), date, team, team_type, group,
    role (categoricals, team index = row of ``teams``), then the values in
    ``columns[3:]`` (integer ones as int32, floats as float64). Built
    column by column in its final order: no column insertions or reordering,
    which cost pandas a copy of every block.
    """
    if rows:
        raw = [np.array(values) for values in zip(*rows)]
    else:
        raw = [np.array([], dtype=np.int64)] * 3 + [np.array([], dtype=float)] * (len(columns) - 3)
    tick, pos, role = raw[0], raw[1], raw[2]
    data = {"replication": np.full(len(tick), replication, dtype=NARROW["replication"]),
            "tick": tick.astype(NARROW["tick"]), "date": tick_dates[tick]}
    for col in LABELS:
        data[col] = teams[col].array.take(pos)
    data["role"] = pd.Categorical.from_codes(role, categories=list(ROLES))
    for col, values in zip(columns[3:], raw[3:]):
        data[col] = values.astype(np.int32) if values.dtype.kind == "i" else values
    return pd.DataFrame(data)
