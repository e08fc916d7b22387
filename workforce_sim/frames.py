"""Helpers for building a replication's DataFrames cheaply."""
from __future__ import annotations

import pandas as pd


def add_team_labels(table: pd.DataFrame, teams: pd.DataFrame) -> None:
    """Add the categorical team, team_type and group columns of ``table["team_idx"]`` (team index = row of ``teams``)."""
    pos = table["team_idx"].to_numpy()
    for col in ("team", "team_type", "group"):
        table[col] = teams[col].array.take(pos)
