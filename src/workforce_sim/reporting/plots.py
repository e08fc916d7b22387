"""Charts for reports (matplotlib, Agg canvas; no pyplot state).

Each function returns a ``matplotlib.figure.Figure``; ``show`` displays one
in a notebook and ``png`` renders one to bytes, so charts work the same in
JupyterLab, under papermill and in tests without a display.
"""
from __future__ import annotations

import datetime as dt
import io
import textwrap
from typing import Optional

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from workforce_sim.analysis.staffing import fan_table

BLUE = "#1f5f9f"
GREY = "#6b6b6b"
RED = "#b22222"
ROLE_COLOURS = {"social_worker": "#1f5f9f", "consultant_practitioner": "#7fb2e5", "practice_manager": "#c9c9c9"}


def _figure(width: float = 8.0, height: float = 4.2) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5")
    ax.set_axisbelow(True)
    return fig, ax


def png(fig: Figure, dpi: Optional[float] = None, close: bool = False) -> bytes:
    """The figure as PNG bytes (``close``: the figure is closed afterwards, whatever happens)."""
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", **({} if dpi is None else {"dpi": dpi}))
    finally:
        if close:
            import matplotlib.pyplot as plt

            plt.close(fig)
    return buf.getvalue()


def show(fig: Figure) -> None:
    """Display a figure in a notebook (as a PNG image)."""
    from IPython.display import Image, display

    display(Image(png(fig)))


def fan_chart(series: pd.DataFrame, *, title: str, ylabel: str, percent: bool = False,
              target: Optional[float] = None, target_label: str = "target",
              target_date: Optional[dt.date] = None) -> Figure:
    """Median, 50% and 90% bands over replications of a monthly series."""
    q = fan_table(series)
    dates = pd.to_datetime(q["date"])
    fig, ax = _figure()
    ax.fill_between(dates, q["q05"], q["q95"], color=BLUE, alpha=0.15, lw=0, label="90% of simulated futures")
    ax.fill_between(dates, q["q25"], q["q75"], color=BLUE, alpha=0.30, lw=0, label="50% of simulated futures")
    ax.plot(dates, q["q50"], color=BLUE, lw=2, label="median")
    if target is not None:
        ax.axhline(target, color=RED, ls="--", lw=1.2, label=target_label)
    if target_date is not None:
        ax.axvline(pd.Timestamp(target_date), color=GREY, ls=":", lw=1.2, label=f"target date ({target_date:%b %Y})")
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, 1)
    else:
        ax.set_ylim(bottom=0)
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig


def capacity_bars(capacity: pd.DataFrame, team_norm: Optional[float] = None) -> Figure:
    """Children per team the staff in post could hold at the caps, by team type and role."""
    held = capacity[(capacity["role"] != "all roles") & (capacity["all_posts_filled"] > 0)]
    roles = [r for r in ROLE_COLOURS if r in set(held["role"])]
    if "team_label" in capacity:
        capacity = capacity.assign(team_type=[textwrap.fill(str(x), 26) for x in capacity["team_label"]])
    types = sorted(set(capacity["team_type"]))
    fig, ax = _figure(8.0, 0.55 * len(types) + 2.2)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e5e5e5")
    left = pd.Series(0.0, index=types)
    for role in roles:
        part = capacity[capacity["role"] == role].set_index("team_type")["median"].reindex(types).fillna(0.0)
        ax.barh(types, part, left=left, color=ROLE_COLOURS[role], label=role.replace("_", " "))
        left += part
    total = capacity[capacity["role"] == "all roles"].set_index("team_type").reindex(types)
    ax.errorbar(total["median"], types, xerr=[total["median"] - total["low"], total["high"] - total["median"]],
                fmt="none", ecolor="black", capsize=3, lw=1, label="90% interval (all roles)")
    ax.scatter(total["all_posts_filled"], types, marker="|", s=300, color="black", label="every post filled")
    if team_norm is not None:
        ax.axvline(team_norm, color=RED, ls="--", lw=1.2, label=f"{team_norm:.0f} children a team")
    ax.set_xlabel("children one team could hold at the caps")
    ax.set_title("Caseload capacity per team at the caps", loc="left", fontsize=12)
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig


def grouped_bars(table: pd.DataFrame, *, x: str, group: str, value: str, title: str, ylabel: str,
                 low: Optional[str] = None, high: Optional[str] = None) -> Figure:
    """Bars of ``value`` by ``x`` (categories along the axis) and ``group`` (side by side)."""
    xs = list(dict.fromkeys(table[x]))
    groups = list(dict.fromkeys(table[group]))
    fig, ax = _figure()
    width = 0.8 / max(1, len(groups))
    for i, g in enumerate(groups):
        part = table[table[group] == g].set_index(x).reindex(xs)
        pos = [j + (i - (len(groups) - 1) / 2) * width for j in range(len(xs))]
        err = None
        if low and high:
            err = [(part[value] - part[low]).clip(lower=0).fillna(0), (part[high] - part[value]).clip(lower=0).fillna(0)]
        ax.bar(pos, part[value].fillna(0), width=width, yerr=err, capsize=2, label=str(g).replace("_", " "))
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    return fig


def investment_profile(profile: dict[str, float], costs: Optional[pd.DataFrame] = None) -> Figure:
    """The investment profile by financial year (GBP m), with modelled costs when given
    (``costs``: financial_year, median, low, high in GBP)."""
    years = list(profile)
    fig, ax = _figure(8.0, 3.6)
    ax.bar(years, [profile[y] / 1e6 for y in years], color="#c9c9c9", label="investment profile")
    if costs is not None and len(costs):
        c = costs.set_index("financial_year").reindex(years)
        ax.errorbar(years, c["median"] / 1e6, yerr=[(c["median"] - c["low"]) / 1e6, (c["high"] - c["median"]) / 1e6],
                    fmt="o", color=BLUE, capsize=3, label="modelled additional cost (median, 90% interval)")
    ax.set_ylabel("£ million")
    ax.set_title("Additional investment by financial year", loc="left", fontsize=12)
    ax.legend(fontsize=8, frameon=False)
    return fig
