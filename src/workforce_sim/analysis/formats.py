"""Figures in their unit for readers: 69.9%, 15.2 children, £3.2m, +1.5 pts.

Formatting only: what a measure is and how it is judged lives in
``analysis.targets``. Kept in ``analysis`` because a target's own wording
(``Target.describe_target``) uses it; every renderer in ``reporting`` imports it from here.
"""
from __future__ import annotations

import math
from typing import Optional


def format_value(value: Optional[float], unit: str, signed: bool = False, compact: bool = False) -> str:
    """A figure in its unit for readers: 69.9%, 15.2 children, £3.2m (``compact``: 80%, 16 children)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) < 5e-13:
        value = 0.0  # no '-0.0'
    sign = "+" if signed and value > 0 else ""

    def num(x: float, digits: int) -> str:
        text = f"{x:.{digits}f}".rstrip("0").rstrip(".") if compact else f"{x:.{digits}f}"
        return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text

    if unit == "share":
        return f"{sign}{num(100 * value, 1)}%"
    if unit == "per_year":
        return f"{sign}{num(100 * value, 1)}% a year"
    if unit == "children":
        return f"{sign}{num(value, 1)} children"
    if unit == "gbp":
        return f"{sign}£{num(value / 1e6, 2)}m"
    if unit == "count":
        return f"{sign}{value:,.0f}"
    return f"{sign}{num(value, 1)}"


def format_change(value: Optional[float], unit: str) -> str:
    """A change in its unit: percentage points for shares."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit in ("share", "per_year"):
        text = f"{100 * value:+.1f}"
        return ("+0.0" if float(text) == 0 else text) + " pts"
    return format_value(value, unit, signed=True)
