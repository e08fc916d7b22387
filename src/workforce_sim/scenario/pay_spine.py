"""The shipped pay-point table: a three-level social worker framework on spinal
column points 33-43 (seed S4, 3.1).

The table lives in ``workforce_sim/data/social_worker_pay_spine_2009.csv`` with
its citation in every row. Scenario defaults for social workers' pay are built
from it; other grades are scenario parameters.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

SPINE_FILE = Path(__file__).resolve().parents[1] / "data" / "social_worker_pay_spine_2009.csv"
SPINE_SOURCE = "S4 section 3.1 (three-level framework, SCP 33-43); workforce_sim/data/social_worker_pay_spine_2009.csv"


@lru_cache(maxsize=1)
def pay_spine() -> tuple[int, tuple[tuple[float, ...], ...]]:
    """(first spinal column point, salaries in GBP a year grouped by level, lowest first)."""
    with SPINE_FILE.open(newline="", encoding="utf-8") as fh:
        rows = [(int(r["spinal_column_point"]), float(r["salary_gbp_per_year"]), int(r["level"])) for r in csv.DictReader(fh)]
    rows.sort()
    points = [p for p, _, _ in rows]
    if points != list(range(points[0], points[0] + len(points))):
        raise ValueError(f"{SPINE_FILE.name}: spinal column points must be consecutive")
    salaries = [s for _, s, _ in rows]
    if any(b <= a for a, b in zip(salaries, salaries[1:])):
        raise ValueError(f"{SPINE_FILE.name}: salaries must rise with the point")
    levels: dict[int, list[float]] = {}
    for _, s, lvl in rows:
        levels.setdefault(lvl, []).append(s)
    if sorted(levels) != list(range(1, len(levels) + 1)) or [lvl for _, _, lvl in rows] != sorted(lvl for _, _, lvl in rows):
        raise ValueError(f"{SPINE_FILE.name}: levels must be 1, 2, ... in point order")
    return points[0], tuple(tuple(levels[k]) for k in sorted(levels))
