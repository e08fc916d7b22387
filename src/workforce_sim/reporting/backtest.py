"""The backtest's run folder: tables (CSV, Parquet), plots (PNG) and a page a person can read."""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.analysis.backtest import MEASURES, TITLES
from workforce_sim.files import atomic_path, write_text
from workforce_sim.reporting.tables import write_tables

PAGE = "backtest.html"
PLOTS = ("forecast_vs_actual.png", "coverage_by_horizon.png", "pit_histogram.png")
TABLES = ("scores", "cases", "goals", "worst_councils", "posteriors", "tasks", "before_after")
COLOURS = {"baseline": "tab:orange", "calibrated": "tab:blue", "recalibrated": "tab:green", "persistence": "0.4"}

STYLE = """<style>
.wfsim-page td.met {background: #cfe8cf;} .wfsim-page td.unmet {background: #f3c1c1;}
.wfsim-page p.note {max-width: 56em;} .wfsim-page img {max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0;}
.wfsim-page .short {background: #fff3cd; border-left: 6px solid #c77700; padding: 0.5em 1em; max-width: 56em;}
</style>"""
"""What the backtest page adds to the pages' one style (``pages.PAGE_STYLE``): met and missed cells."""


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_forecasts(cases: pd.DataFrame, published: pd.DataFrame, path: Path, measure: str = "agency_rate_pct",
                   variant: str = "calibrated", max_councils: int = 160) -> Path:
    """Small multiples, one per council: the published series and each origin's median and 90% interval."""
    plt = _plt()
    c = cases[(cases["measure"] == measure) & (cases["variant"] == variant)]
    councils = sorted(c["council"].unique())[:max_councils]
    n = max(1, len(councils))
    cols = min(8, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.1 * cols, 1.6 * rows + 0.6), squeeze=False, sharex=True)
    pub = published[published["measure"] == measure]
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, name in zip(axes.flat, councils):
        g = c[c["council"] == name]
        code = g["new_la_code"].iloc[0]
        s = pub[pub["new_la_code"] == code].sort_values("year")
        ax.plot(s["year"], s["value"], "k.-", lw=0.8, ms=2.5)
        for origin, f in g.groupby("origin"):
            f = f.sort_values("year")
            x = [origin, *f["year"]]
            y0 = f["origin_value"].iloc[0]
            ax.fill_between(x, [y0, *f["q05"]], [y0, *f["q95"]], color=COLOURS[variant], alpha=0.18, lw=0)
            ax.plot(x, [y0, *f["q50"]], color=COLOURS[variant], lw=0.9)
        ax.set_title(name[:26], fontsize=6.5, pad=2)
        ax.tick_params(labelsize=5, length=2, pad=1)
    fig.suptitle(f"{TITLES[measure]}: published (black),\nforecasts ({variant}: median, 90% interval) from each origin", fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / (1.6 * rows + 0.6)))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def plot_coverage(scores: pd.DataFrame, path: Path) -> Path:
    """90% and 50% coverage by horizon and measure: calibrated, baseline and persistence."""
    plt = _plt()
    measures = [m for m in MEASURES if m in set(scores["measure"])]
    fig, axes = plt.subplots(1, max(1, len(measures)), figsize=(3.3 * max(1, len(measures)), 3.0), squeeze=False, sharey=True)
    for ax, m in zip(axes.flat, measures):
        for variant in ("baseline", "calibrated", "recalibrated"):
            s = scores[(scores["measure"] == m) & (scores["variant"] == variant)].sort_values("horizon")
            if s.empty:
                continue
            ax.plot(s["horizon"], 100 * s["coverage90"], "o-", color=COLOURS[variant], label=f"{variant} 90%")
            ax.plot(s["horizon"], 100 * s["coverage50"], "s--", color=COLOURS[variant], label=f"{variant} 50%", alpha=0.7)
        s = scores[(scores["measure"] == m)].drop_duplicates("horizon").sort_values("horizon")
        ax.plot(s["horizon"], 100 * s["persistence_coverage90"], "o:", color=COLOURS["persistence"], label="persistence 90%")
        ax.axhspan(85, 95, color="tab:green", alpha=0.12)
        ax.axhline(50, color="0.7", lw=0.6)
        ax.set_title(TITLES[m], fontsize=9)
        ax.set_xlabel("horizon (years)", fontsize=8)
        ax.set_xticks(sorted(s["horizon"].unique()))
        ax.set_ylim(0, 102)
    axes.flat[0].set_ylabel("cases inside the interval (%)", fontsize=8)
    axes.flat[0].legend(fontsize=6, loc="lower left")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def plot_pit(cases: pd.DataFrame, path: Path, bins: int = 10) -> Path:
    """PIT histograms by measure (flat = calibrated; U = too narrow; hump = too wide)."""
    plt = _plt()
    measures = [m for m in MEASURES if m in set(cases["measure"])]
    fig, axes = plt.subplots(1, max(1, len(measures)), figsize=(3.3 * max(1, len(measures)), 2.8), squeeze=False, sharey=True)
    edges = np.linspace(0, 1, bins + 1)
    for ax, m in zip(axes.flat, measures):
        for variant in ("baseline", "calibrated", "recalibrated"):
            p = cases[(cases["measure"] == m) & (cases["variant"] == variant)]["pit"].to_numpy()
            if len(p):
                h, _ = np.histogram(p, bins=edges)
                ax.step(edges, np.r_[h, h[-1]] / len(p) * bins, where="post", color=COLOURS[variant], label=variant)
        ax.axhline(1.0, color="0.5", lw=0.7, ls=":")
        ax.set_title(TITLES[m], fontsize=9)
        ax.set_xlabel("PIT", fontsize=8)
    axes.flat[0].set_ylabel("density", fontsize=8)
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


# ------------------------------------------------------------------ the page
def _fmt(v: Any, kind: str = "num") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if kind == "pct":
        return f"{100 * float(v):.0f}%"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v)}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.2f}"
    return html.escape(str(v))


def _table(df: pd.DataFrame, columns: dict[str, tuple[str, str]], cell_class=None) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for label, _ in columns.values())
    body = []
    for _, r in df.iterrows():
        cells = []
        for col, (_, kind) in columns.items():
            cls = "num" if kind in ("num", "pct") else ""
            extra = cell_class(r, col) if cell_class else ""
            text = TITLES.get(r[col], r[col]) if col == "measure" else r[col]     # a measure by its title
            cells.append(f'<td class="{cls} {extra}">{_fmt(r[col], kind) if kind != "text" else html.escape(str(text))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="wfsim"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def shortfalls(goals: pd.DataFrame) -> list[str]:
    """One sentence per missed goal (a coverage counts as missed only when its Wilson interval excludes the goal)."""
    out = []
    missed = goals[goals["missed"]] if "missed" in goals else goals[~goals["met"]]
    for r in missed.itertuples():
        where = f"{getattr(r, 'variant', '')} {TITLES[r.measure]}, {r.horizon} year(s) ahead".strip()
        if "coverage" in r.goal:
            out.append(f"{where}: {r.goal[:3]} intervals held {100 * r.value:.0f}% of outcomes (95% Wilson interval "
                       f"{100 * r.low:.0f}-{100 * r.high:.0f}%; goal {r.goal.split('between ')[-1]}).")
        elif "CRPS" in r.goal:
            out.append(f"{where}: mean CRPS {r.value:+.2f} against probabilistic persistence's.")
        elif "mean reversion" in r.goal:
            out.append(f"{where}: the median's MAE is {r.value:+.2f} points against the mean-reversion peer's.")
        else:
            out.append(f"{where}: the median's MAE is {r.value:+.2f} points against persistence's (goal: within 0.2).")
    return out


def _coverage_cell(r, col: str) -> str:
    lo, hi = r.get(f"{col}_low"), r.get(f"{col}_high")
    if lo is None or not math.isfinite(float(lo)):
        return _fmt(r[col], "pct")
    return f"{_fmt(r[col], 'pct')} ({100 * lo:.0f}-{100 * hi:.0f})"


def _before_after_html(ba: Optional[pd.DataFrame]) -> str:
    if ba is None or ba.empty:
        return ""
    ba = ba.copy()
    for lvl in ("90", "50"):
        for label in ("before", "after", "recalibrated"):
            col = f"coverage{lvl}_{label}"
            if col in ba:
                ba[f"{col}_text"] = [f"{_fmt(r[col], 'pct')} ({100 * r[col + '_low']:.0f}-{100 * r[col + '_high']:.0f})"
                                     for _, r in ba.iterrows()]
    cols = {"measure": ("measure", "text"), "horizon": ("years ahead", "num"), "cases": ("cases", "num")}
    for lvl in ("90", "50"):
        cols.update({f"coverage{lvl}_{x}_text": (f"{lvl}% cov. {x}", "text") for x in ("before", "after", "recalibrated")})
    for m in ("crps", "mae", "mean_error"):
        cols.update({f"{m}_{x}": (f"{m.replace('_', ' ')} {x}", "num") for x in ("before", "after", "recalibrated")})
    cols.update({"persistence_crps": ("persistence CRPS", "num"), "persistence_mae": ("persistence MAE", "num"),
                 "mean_reversion_crps": ("mean-rev. CRPS", "num"), "mean_reversion_mae": ("mean-rev. MAE", "num"),
                 "recalibrated_cases": ("recal. cases", "num")})
    cols = {k: v for k, v in cols.items() if k in ba.columns}
    return ("<h2>Before and after, on the same cases</h2><p class='note'>An earlier backtest's forecast (<code>--before</code>) "
            "beside this one's and its recalibration, on the cases both scored; coverage with its 95% Wilson interval. "
            "The earlier CRPS is as its run computed it: runs before 6 December 2026 took the plain (empirical) "
            "estimator, runs from then until 7 December 2026 the fair one, which scores the model's 20 stratified "
            "replications about 2% too well; now the mean of the two (within about 1% of the model's own "
            "distribution).</p>"
            + _table(ba, cols))


def backtest_answer(goals: pd.DataFrame, scores: pd.DataFrame) -> str:
    """The page's answer in one sentence: how many of the goals the forecasts meet, and how often the
    90% intervals held the published value (over every scored case of the forecast judged)."""
    if goals.empty:
        return "No case could be scored: the backtest has no answer."
    short = shortfalls(goals)
    chance = int((goals["status"] == "within chance").sum()) if "status" in goals else 0
    held = ""
    if not scores.empty and {"coverage90", "cases"} <= set(scores.columns):
        variant = "calibrated" if (scores.get("variant", pd.Series(dtype=str)) == "calibrated").any() else None
        sub = scores[scores["variant"] == variant] if variant else scores
        n = float(sub["cases"].sum())
        if n > 0:
            share = float((sub["coverage90"] * sub["cases"]).sum() / n)
            held = (f"; the {variant + ' ' if variant else ''}forecasts' 90% intervals held {100 * share:.0f}% of "
                    f"{n:,.0f} published outcomes (goal 85-95%)")
    if short:
        return (f"The forecasts miss {len(short)} of {len(goals)} goals beyond chance"
                + (f" and {chance} more are outside their range within chance" if chance else "") + held + ".")
    return (f"The forecasts miss none of the {len(goals)} goals beyond chance"
            + (f" ({chance} are outside their range within chance)" if chance else "") + held + ".")


def page(meta: dict[str, Any], scores: pd.DataFrame, goals: pd.DataFrame, worst: pd.DataFrame, tasks: pd.DataFrame,
         before_after: Optional[pd.DataFrame] = None) -> str:
    """``backtest.html`` in the pages' one style: the answer (goals met), the coverage chart, then the detail."""
    from workforce_sim.reporting.pages import page as shared_page

    title = "Backtest: forecasts from each origin against what was published"
    answer = backtest_answer(goals, scores)
    short = shortfalls(goals)
    chance = int((goals["status"] == "within chance").sum()) if "status" in goals else 0
    if goals.empty:
        verdict = "<p class='short'>No case could be scored.</p>"
    elif short:
        verdict = ("<div class='short'><b>The forecast misses " + f"{len(short)} of {len(goals)} goals</b> "
                   + (f"({chance} more are outside their range but within chance)" if chance else "") + ":<ul>"
                   + "".join(f"<li>{html.escape(s)}</li>" for s in short) + "</ul></div>")
    else:
        verdict = (f"<p>No goal is missed ({chance} of {len(goals)} are outside their range but within chance: the Wilson "
                   "interval of the coverage includes the goal).</p>")
    scores = scores.copy()
    if not scores.empty and "coverage90_low" in scores:
        scores["coverage50_text"] = [_coverage_cell(r, "coverage50") for _, r in scores.iterrows()]
        scores["coverage90_text"] = [_coverage_cell(r, "coverage90") for _, r in scores.iterrows()]
    else:
        scores["coverage50_text"] = scores.get("coverage50", pd.Series(dtype=float)).map(lambda v: _fmt(v, "pct"))
        scores["coverage90_text"] = scores.get("coverage90", pd.Series(dtype=float)).map(lambda v: _fmt(v, "pct"))
    sc_cols = {"variant": ("forecast", "text"), "measure": ("measure", "text"), "horizon": ("years ahead", "num"), "cases": ("cases", "num"),
               "mae": ("MAE of median", "num"), "mean_error": ("median - actual", "num"), "persistence_mae": ("persistence MAE", "num"),
               "mean_reversion_mae": ("mean-reversion MAE", "num"),
               "coverage50_text": ("50% coverage (95% Wilson)", "text"), "coverage90_text": ("90% coverage (95% Wilson)", "text"),
               "persistence_coverage90": ("persistence 90%", "pct"), "mean_reversion_coverage90": ("mean-reversion 90%", "pct"),
               "crps": ("CRPS", "num"), "persistence_crps": ("persistence CRPS", "num"),
               "mean_reversion_crps": ("mean-reversion CRPS", "num")}
    sc_cols = {k: v for k, v in sc_cols.items() if k in scores.columns}

    def good(r, col):
        if col == "coverage90_text":
            return "met" if 0.85 <= r["coverage90"] <= 0.95 else "unmet"
        if col == "crps" and "persistence_crps" in r:
            return "met" if r["crps"] <= r["persistence_crps"] else "unmet"
        if col == "mae" and r["measure"] in ("agency_rate_pct", "vacancy_rate_pct"):
            return "met" if r["mae"] <= r["persistence_mae"] + 0.2 else "unmet"
        if col == "mae" and r["measure"] == "turnover_rate_pct" and "mean_reversion_mae" in r:
            return "met" if r["mae"] <= r["mean_reversion_mae"] else "unmet"
        return ""

    cov = scores.pivot_table(index=["measure", "horizon"], columns="variant", values="coverage90").reset_index() if not scores.empty else pd.DataFrame()
    cov_html = ""
    if not cov.empty:
        cols = {"measure": ("measure", "text"), "horizon": ("years ahead", "num")}
        cols.update({v: (f"90% coverage, {v}", "pct") for v in ("baseline", "calibrated", "recalibrated") if v in cov.columns})
        cov_html = _table(cov, cols)
    wc = {"council": ("council", "text"), "new_la_code": ("code", "text"), "cases": ("cases", "num"), "crps": ("mean CRPS (points)", "num"),
          "persistence_crps": ("persistence", "num"), "coverage90": ("90% coverage", "pct")}
    skipped = tasks[tasks["skipped"].astype(str) != ""] if "skipped" in tasks else pd.DataFrame()
    skipped_html = ("<h2>Not forecast or not calibrated</h2>" + _table(skipped, {"council": ("council", "text"), "origin": ("origin", "num"),
                                                                                   "skipped": ("why", "text")})) if len(skipped) else ""
    failed = tasks[tasks["failed"].astype(str) != ""] if "failed" in tasks else pd.DataFrame()
    if len(failed):
        skipped_html += ("<h2>Tasks that failed</h2><p>These raised an error inside the model; their forecasts are missing "
                         "from every score above.</p>" + _table(failed, {"council": ("council", "text"), "origin": ("origin", "num"),
                                                                          "failed": ("error", "text")}))
    about = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in meta.items())
    body = f"""{STYLE}
<p class="note">Each council's baseline is built from the DfE figures published by 30 September of the origin year only,
calibrated (ABC-SMC) on its history up to then, and simulated three years on; its forecasts of the agency rate, turnover,
vacancy rate and caseload are scored against the values published later. <b>Persistence</b> says the origin year's value again;
its intervals add the changes seen across councils up to the origin. <b>baseline</b> is the forecast without calibration,
<b>calibrated</b> with the posterior's parameters; <b>recalibrated</b> is the calibrated ensemble moved by the mean error and
widened or narrowed by the spread factor fitted, for a forecast from origin Y, only on this backtest's forecasts whose outcome was
published by Y (none yet: the raw ensemble; "recal. cases" counts the cases that had a fit). The peers: <b>persistence</b> as a
probabilistic forecast (the origin's value plus every council's published changes over the same years ahead, up to the origin) and
<b>mean reversion</b> (the change regressed on the level, fitted on every council's changes up to the origin, with its residuals as the
ensemble), scored on the same cases. Goals (measured, not tuned to): 90% intervals hold 85-95% of outcomes and 50% intervals 42-58%
(missed only when the coverage's 95% Wilson interval excludes the range); CRPS no worse than probabilistic persistence's; the
median's MAE within 0.2 points of persistence's for the agency and vacancy rates, and no worse than mean reversion's for turnover.</p>
{verdict}
<h2>Scores against the peers</h2>
{_table(scores, sc_cols, good)}
{_before_after_html(before_after)}
<h2>Coverage by horizon, with and without calibration</h2>
{cov_html}
<h2>PIT histogram</h2>
<p class="note">Where the published value fell within each forecast's ensemble. Flat: well calibrated; a U: intervals too narrow;
piled at one side: biased.</p>
<img src="pit_histogram.png" alt="PIT histogram">
<h2>Forecast against actual, each council (agency rate)</h2>
<img src="forecast_vs_actual.png" alt="forecast against actual for each council">
<h2>The councils forecast worst</h2>
{_table(worst, wc)}
{skipped_html}
<h2>About this run</h2>
<table class="wfsim">{about}</table>
<p class="note">Tables beside this page: scores, cases (one row per council, origin, measure and horizon), goals, worst_councils,
posteriors (each calibration's parameters), tasks (CPU seconds per council and origin), as CSV and Parquet.</p>
"""
    chart = '<div class="chart"><img src="coverage_by_horizon.png" alt="coverage of the 90% and 50% intervals by years ahead"></div>'
    return shared_page(title, answer, chart=chart, body=body, subtitle="Forecasts scored against the DfE figures published later",
                       words=["90% interval", "Replication", "Agency rate", "Turnover", "Vacancy rate", "Caseload", "FTE"]) + "\n"


def write_backtest(folder: Path, tables: dict[str, pd.DataFrame], published: pd.DataFrame, meta: dict[str, Any]) -> list[Path]:
    """Write the tables, the plots and the page into ``folder``; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = write_tables({k: v for k, v in tables.items() if k in TABLES}, folder)
    cases, scores = tables["cases"], tables["scores"]
    variant = "calibrated" if (cases["variant"] == "calibrated").any() else "baseline"
    written.append(plot_forecasts(cases, published, folder / PLOTS[0], variant=variant))
    written.append(plot_coverage(scores, folder / PLOTS[1]))
    written.append(plot_pit(cases, folder / PLOTS[2]))
    text = page(meta, scores, tables["goals"], tables["worst_councils"], tables["tasks"], tables.get("before_after"))
    write_text(folder / PAGE, text)
    written.append(folder / PAGE)
    return written


# ------------------------------------------------------------------ the run folder and the text
def default_folder() -> Path:
    from workforce_sim.reporting.runs import new_run_id

    return Path("outputs") / "backtest" / new_run_id()


def _iso(t) -> str:
    return t.astimezone().isoformat(timespec="seconds")


def about(outcome) -> dict[str, Any]:
    """What the page's "about" table says of a ``workflows.backtest.BacktestOutcome``."""
    import os

    from workforce_sim import __version__
    from workforce_sim.experiments.calibrate import DRAWS
    from workforce_sim.reporting.runs import git_info, now_iso

    spec, t, tasks = outcome.spec, outcome.spec.tasks, outcome.tables["tasks"]
    fits_scale = getattr(t, "shocks", False) and (t.calibrate_parameters is None or "shock_scale" in t.calibrate_parameters)
    return {
        "councils": f"{len(spec.codes)} ({spec.councils_text})", "origins": ", ".join(map(str, spec.origins)), "horizon (years)": t.horizon,
        "replications per forecast": replications_words(t, tasks), "seed": t.seed,
        "calibration": (f"ABC-SMC (pyabc), {t.population} particles x {t.generations} generations, fitting "
                        f"{', '.join(t.calibrate_parameters) if t.calibrate_parameters is not None else 'every parameter'}"
                        + (f"; {DRAWS} replications a particle, the distance their CRPS" if fits_scale else "; one replication a particle")
                        if t.calibrate else "none"),
        "council shocks": "yearly, from councils' published changes up to each origin" if getattr(t, "shocks", False) else "none",
        "tasks (council x origin)": len(outcome.results), "tasks without a forecast": int((tasks["skipped"] != "").sum()),
        "tasks that failed": int((tasks["failed"] != "").sum()),
        "executor": spec.executor, "workers": spec.workers or os.cpu_count(),
        "wall time (s)": round(outcome.seconds, 1),
        "CPU time of the tasks (s)": round(float(tasks["calibrate_cpu_s"].sum() + tasks["forecast_cpu_s"].sum()), 1),
        "started": _iso(outcome.started), "finished": now_iso(), "package version": __version__,
        "git commit": git_info().get("git_commit") or "none", "data": "data/dfe_councils.csv.gz (DfE children's social work workforce, 2015-2025)",
    }


def write_run(outcome) -> Path:
    """The run folder of a backtest, written atomically (``run.json`` last); its path."""
    from workforce_sim import __version__
    from workforce_sim.files import write_atomically
    from workforce_sim.reporting.runs import git_info, now_iso, write_json
    from workforce_sim.workflows.backtest import OUT_FILES
    from workforce_sim.workflows.common import check_out_folder

    spec, t = outcome.spec, outcome.spec.tasks
    out = spec.out
    meta = about(outcome)
    check_out_folder(out, OUT_FILES)
    failed = outcome.failed

    def write(folder: Path) -> list[Path]:
        written = write_backtest(folder, outcome.tables, outcome.published, meta)
        if outcome.recalibration:
            write_json(folder / "recalibration.json", outcome.recalibration)
            written.append(folder / "recalibration.json")
        record = {"kind": "backtest", "name": "backtest", "status": "complete" if not failed else "tasks failed",
                  "failed_tasks": failed, "run_id": out.name, "started": _iso(outcome.started),
                  "ended": now_iso(), "replications": t.replications, "seed": t.seed, "councils": list(spec.codes),
                  "origins": list(spec.origins), "horizon": t.horizon, "calibrate": t.calibrate, "population": t.population,
                  "generations": t.generations,
                  "calibrate_parameters": list(t.calibrate_parameters) if t.calibrate_parameters is not None else "all", "shocks": getattr(t, "shocks", False), "executor": spec.executor, "wall_seconds": outcome.seconds, "package_version": __version__,
                  **git_info(), "headline_text": "; ".join(shortfalls(outcome.tables["goals"])[:2]) or "no goal missed"}
        write_json(folder / "run.json", record)
        return [*written, folder / "run.json"]

    write_atomically(out, write)
    return out


def scores_text(scores: pd.DataFrame) -> str:
    lines = [f"{'forecast':<11} {'measure':<18} {'h':>2} {'cases':>5} {'MAE':>6} {'pers.':>6} {'cov50':>6} {'cov90':>6} "
             f"{'p.cov90':>7} {'CRPS':>6} {'p.CRPS':>6} {'mr.MAE':>6} {'mr.CRPS':>7}"]
    for r in scores.itertuples():
        lines.append(f"{r.variant:<11} {r.measure:<18} {r.horizon:>2} {r.cases:>5} {r.mae:>6.2f} {r.persistence_mae:>6.2f} "
                     f"{100 * r.coverage50:>5.0f}% {100 * r.coverage90:>5.0f}% {100 * r.persistence_coverage90:>6.0f}% "
                     f"{r.crps:>6.2f} {r.persistence_crps:>6.2f} {r.mean_reversion_mae:>6.2f} {r.mean_reversion_crps:>7.2f}")
    return "\n".join(lines)


def summary_text(outcome) -> str:
    """What ``wfsim backtest`` prints: the scores, the goals missed, the run folder."""
    import datetime as dt

    spec, t = outcome.spec, outcome.spec.tasks
    lines = [f"backtest: {len(spec.codes)} councils x {len(spec.origins)} origins ({', '.join(map(str, spec.origins))}), horizon {t.horizon}, "
             f"{replications_words(t, outcome.tables['tasks'])} replications, {outcome.seconds:.0f} s "
             f"({dt.timedelta(seconds=round(outcome.seconds))})",
             scores_text(outcome.tables["scores"])]
    lines += [f"goal missed: {s}" for s in shortfalls(outcome.tables["goals"])]
    lines.append(f"\nrun folder: {spec.out} (open backtest.html)")
    return "\n".join(lines)


def replications_words(t, tasks: pd.DataFrame) -> str:
    """How many replications each forecast took: the number, or with ``-n auto`` the range reached."""
    if not getattr(t, "precision", 0):
        return f"{t.replications}"
    n = pd.concat([tasks["baseline_replications"], tasks["calibrated_replications"]])
    n = n[n > 0]
    reached = f"{int(n.min())}-{int(n.max())} (median {int(n.median())})" if len(n) else "none"
    return (f"auto: {reached}, until every indicator's mean is known within ±{t.precision:g} points "
            f"(90% interval) or {t.ceiling:,}")


def summary_json(outcome) -> str:
    from workforce_sim.reporting.text import to_json

    spec, t = outcome.spec, outcome.spec.tasks
    return to_json({"origins": list(spec.origins), "councils": len(spec.codes), "horizon": t.horizon, "replications": t.replications,
                    "wall_seconds": round(outcome.seconds, 1), "scores": outcome.tables["scores"].to_dict("records"),
                    "goals": outcome.tables["goals"].to_dict("records"), "out": str(spec.out)})
