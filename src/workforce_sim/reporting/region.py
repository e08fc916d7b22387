"""What `wfsim run` prints for a region: each member's staffing and headline target, the region's
totals, and the flows of the market between them (text or JSON)."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from workforce_sim.analysis.formats import format_value
from workforce_sim.analysis.region import conserved
from workforce_sim.workflows.region import RegionRunOutcome
from workforce_sim.workflows.region_backtest import MEASURES, RULES_SOURCE, TITLES

FLOW_WORDS = {"hire": "hired from the job seekers", "leaver_to_seekers": "leavers seeking another permanent post in the region",
              "leaver_to_agency": "leavers into the region's agency pool", "leaver_out": "leavers out of the region's pools",
              "agency_cover": "agency cover taken from the pool", "barred": "leavers barred from agency work (cooling-off)",
              "barred_to_seekers": "barred leavers seeking a permanent post instead", "barred_out": "barred leavers leaving the region",
              "agency_to_seekers": "agency workers moving to permanent posts under the rules", "withdrawn": "offers withdrawn",
              "agency_return": "agency workers back in the pool after an assignment"}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def region_summary(outcome: RegionRunOutcome) -> dict[str, Any]:
    res = outcome.results
    members = []
    for m in res.region.members:
        card = outcome.scorecards[m.name]
        members.append({"member": m.name, "scenario": m.scenario.name, "targets": _records(card),
                        "staffing": _records(outcome.staffing[outcome.staffing["member"] == m.name])})
    return {
        "region": res.region.name, "title": res.region.title, "seed": res.seed, "replications": res.replications,
        "market": res.region.market.enabled, "members": members,
        "region_staffing": _records(outcome.staffing[outcome.staffing["member"] == "region"]),
        "flows_per_year": _records(outcome.flows.groupby("kind", as_index=False)["per_year"].sum()),
        "hires_per_year": {str(k): {str(c): float(v) for c, v in row.items()} for k, row in outcome.hires.iterrows()},
        "workers_conserved": conserved(res.market),
    }


def region_text(outcome: RegionRunOutcome) -> str:
    res = outcome.results
    st = outcome.staffing
    title = res.region.title or res.region.name
    market = "sharing one labour market" if res.region.market.enabled else "market off: each member on its own"
    lines = [f"{title}: {len(res.region.members)} councils, {market}; {res.replications} replications (seed {res.seed})",
             f"Staffing on {res.region.end_date:%d %B %Y} (median and 90% interval over replications)",
             f"  {'member':<24} {'permanent share':>24} {'agency share':>24} {'vacancy rate':>24}"]
    for name in [*(m.name for m in res.region.members), "region"]:
        cells = []
        for key in ("permanent_share", "agency_rate", "vacancy_rate"):
            r = st[(st["member"] == name) & (st["measure"] == key)].iloc[0]
            cells.append(f"{format_value(r['median'], 'share')} ({format_value(r['low'], 'share')}-{format_value(r['high'], 'share')})")
        label = "region (all members)" if name == "region" else name
        lines.append(f"  {label:<24} {cells[0]:>24} {cells[1]:>24} {cells[2]:>24}")
    flows = outcome.flows
    if not flows.empty:
        lines.append("The market a year (mean over replications)")
        for kind, per_year in flows.groupby("kind")["per_year"].sum().sort_values(ascending=False).items():
            lines.append(f"  {per_year:8.1f}  {FLOW_WORDS.get(kind, kind)}")
        if not outcome.hires.empty:
            lines.append("Hires a year by where the worker came from (rows) and who hired them (columns)")
            h = outcome.hires
            cols = list(h.columns)
            lines.append("  " + f"{'from':<24}" + "".join(f"{str(c)[:14]:>15}" for c in cols))
            for origin, row in h.iterrows():
                lines.append("  " + f"{str(origin)[:24]:<24}" + "".join(f"{row[c]:15.1f}" for c in cols))
        lines.append("Workers conserved at every month start: " + ("yes" if conserved(res.market) else "NO"))
    for m in res.region.members:
        card = outcome.scorecards[m.name]
        rows = card[(card["status"] == "modelled") & card["target"].notna()]
        if len(rows):
            r = rows.iloc[0]
            lines.append(f"{m.name}: {r['title']} {format_value(r['median'], r['unit'])} against {r['target_text']}, "
                         f"chance {r['p_meet']:.0%}")
    return "\n".join(lines)


def share_chart(outcome: RegionRunOutcome):
    """The permanent share of filled posts month by month: each member's median and the region's 90% band."""
    from matplotlib.ticker import PercentFormatter

    from workforce_sim.reporting.plots import _figure

    fig, ax = _figure(8.0, 4.6)
    totals = []
    for name, res in outcome.results.members.items():
        g = res.snapshots.groupby(["replication", "date"], observed=True)[["permanent_fte", "agency_fte"]].sum()
        totals.append(g)
        share = (g["permanent_fte"] / (g["permanent_fte"] + g["agency_fte"])).groupby(level="date").median()
        ax.plot(pd.to_datetime(share.index), share.to_numpy(), lw=1.2, label=name)
    region = sum(totals)
    share = region["permanent_fte"] / (region["permanent_fte"] + region["agency_fte"])
    q = share.groupby(level="date").quantile([0.05, 0.5, 0.95]).unstack()
    dates = pd.to_datetime(q.index)
    ax.fill_between(dates, q[0.05], q[0.95], color="#444444", alpha=0.15, lw=0, label="region: 90% of simulated futures")
    ax.plot(dates, q[0.5], color="#222222", lw=2.4, label="region (all members): median")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_ylabel("permanent staff (% of filled FTE)")
    ax.set_title("Permanent share of filled posts, each member (median) and the region", loc="left", fontsize=12)
    ax.legend(loc="lower right", fontsize=7, frameon=False, ncol=2)
    return fig


def staffing_table(outcome: RegionRunOutcome) -> pd.DataFrame:
    """One row per member and the region: permanent share, agency share, vacancy rate at the end (median, 90% interval)."""
    st = outcome.staffing
    rows = []
    for name in st["member"].unique():
        row = {"member": "region (all members)" if name == "region" else name}
        for key, label in (("permanent_share", "permanent share"), ("agency_rate", "agency share"), ("vacancy_rate", "vacancy rate")):
            r = st[(st["member"] == name) & (st["measure"] == key)].iloc[0]
            row[label] = (f"{format_value(r['median'], 'share')} ({format_value(r['low'], 'share')} to "
                          f"{format_value(r['high'], 'share')})")
        rows.append(row)
    return pd.DataFrame(rows)


def kpi(outcome: RegionRunOutcome) -> pd.DataFrame:
    """Every member's scorecard, one table (a ``member`` column first)."""
    parts = []
    for name, card in outcome.scorecards.items():
        card = card.assign(member=name, title=name + ": " + card["title"])
        parts.append(card[["member", *[c for c in card.columns if c != "member"]]])
    return pd.concat(parts, ignore_index=True)


def write_region_backtest(out, outcome, started: str) -> None:
    """The regional policy backtest's run folder: scores, summary and forecasts (CSV and Parquet), the text, run.json."""
    from pathlib import Path

    from workforce_sim import __version__
    from workforce_sim.files import now_iso, write_atomically
    from workforce_sim.reporting.runs import git_info, write_json
    from workforce_sim.reporting.tables import write_tables

    spec = outcome.spec

    def write(folder: Path) -> list[Path]:
        written = write_tables({"scores": outcome.scores, "summary": outcome.summary, "forecasts": outcome.forecasts}, folder)
        from workforce_sim.files import write_text

        written.append(write_text(folder / "scores.txt", region_backtest_text(outcome) + "\n"))
        write_json(folder / "run.json", {"kind": "backtest", "level": "region", "name": "regional policy backtest", "status": "complete",
                                         "run_id": Path(out).name, "origin": spec.origin, "years": list(spec.years),
                                         "regions": list(spec.regions), "replications": spec.replications, "seed": spec.seed,
                                         "started": started, "ended": now_iso(), "package_version": __version__, **git_info()})
        return [*written, folder / "run.json"]

    write_atomically(Path(out), write)


def region_backtest_text(outcome) -> str:
    """The regional policy backtest's scores as a terminal table (``workflows.region_backtest``): one block per measure."""
    lines = [f"Regional policy backtest from 30 September {outcome.spec.origin}: published against the forecast median "
             f"[90% interval], {outcome.spec.replications} replications", RULES_SOURCE]
    for m in MEASURES:
        part = outcome.scores[outcome.scores["measure"] == m]
        if part.empty:
            continue
        lines += ["", f"{TITLES[m]:<26}{'year':>5}{'published':>10}{'persist.':>9}{'rules off':>24}{'rules on':>24}"]
        for r in part.sort_values(["year", "region"]).itertuples():
            off = f"{r.rules_off_median:5.1f} [{r.rules_off_p5:4.1f}-{r.rules_off_p95:4.1f}]"
            on = f"{r.rules_on_median:5.1f} [{r.rules_on_p5:4.1f}-{r.rules_on_p95:4.1f}]"
            lines.append(f"{r.region:<26}{r.year:>5}{r.published:>10.1f}{r.persistence:>9.1f}{off:>24}{on:>24}")
    lines += ["", "Over the regions (England apart): mean absolute error and mean error of the median (points); the share of "
                  "90% intervals holding the published value [95% Wilson interval]"]
    for r in outcome.summary.itertuples():
        cov = "" if math.isnan(r.coverage90) else (f", 90% intervals hold {r.coverage90:.0%} "
                                                  f"[{r.coverage90_low:.0%}-{r.coverage90_high:.0%}]")
        lines.append(f"{TITLES[r.measure]:<17} {r.forecast:<12} {r.year}: MAE {r.mae_points:5.2f}, mean error {r.mean_error_points:+6.2f} "
                     f"over {r.regions} regions{cov}")
    return "\n".join(lines)
