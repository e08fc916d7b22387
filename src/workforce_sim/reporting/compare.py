"""Comparisons of scenarios for a terminal, as JSON and as an HTML page in a run folder
(see ``analysis.compare`` and ``workflows.compare``)."""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

from workforce_sim.analysis.compare import Comparison
from workforce_sim.analysis.formats import format_change, format_value
from workforce_sim.workflows.compare import CompareOutcome


def _pct(p: float) -> str:
    return "n/a" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{100 * p:.0f}%"


def text_table(cmp: Comparison, replications: int, seed: int) -> str:
    """The comparison for a terminal."""
    fv, fc = format_value, format_change
    base = cmp.labels[0]
    width = max(12, *(len(x) for x in cmp.labels))
    lines = [f"Comparison of {len(cmp.labels)} scenarios, {replications} replications each, seed {seed} "
             f"(same seeds: differences are paired by replication); baseline {base}", ""]
    for _key, block in cmp.table.groupby("key", sort=False):
        first = block.iloc[0]
        lines.append(f"{first['title']} (target: {first['target_text']}; better when {first['better'] or 'n/a'})")
        lines.append(f"  {'scenario':<{width}}  {'median':>16}  {'90% interval':>33}  {'P(meet)':>7}  "
                     f"{'difference vs ' + base + ' (90% interval)':>44}  {'P(better)':>9}")
        for _, r in block.iterrows():
            u = r["unit"]
            interval = f"{fv(r['low'], u)} to {fv(r['high'], u)}"
            diff = "" if r["scenario"] == base else f"{fc(r['diff_median'], u)} ({fc(r['diff_low'], u)} to {fc(r['diff_high'], u)})"
            pb = "" if r["scenario"] == base else _pct(r["p_better"])
            lines.append(f"  {r['scenario']:<{width}}  {fv(r['median'], u):>16}  {interval:>33}  {_pct(r['p_meet']):>7}  {diff:>44}  {pb:>9}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _main_block(cmp: Comparison):
    """The headline measure's rows: the permanent share, else the first measure compared."""
    t = cmp.table
    key = "permanent_share" if (t["key"] == "permanent_share").any() else (t["key"].iloc[0] if len(t) else None)
    return t[t["key"] == key] if key is not None else t


def compare_answer(cmp: Comparison, replications: int) -> str:
    """The page's answer in one sentence: of the scenarios against the baseline, the one that moves the
    headline measure most in its better direction, its paired difference and how often it does better."""
    block = _main_block(cmp)
    base = cmp.labels[0]
    others = block[block["scenario"] != base]
    if others.empty:
        return f"Only {base} was simulated: nothing to compare."
    first = others.iloc[0]
    sign = -1 if first["better"] == "lower" else 1
    r = others.loc[(sign * others["diff_median"]).fillna(-math.inf).idxmax()]
    u, fc = r["unit"], format_change
    best = f", the best of {len(others)} scenarios" if len(others) > 1 else ""
    better = "" if r["p_better"] != r["p_better"] else f"; {r['scenario']} does better in {_pct(r['p_better'])} of them"
    return (f"{r['title']}: {r['scenario']} against {base}{best}, {fc(r['diff_median'], u)} (median of {replications:,} "
            f"paired futures, 90% of them between {fc(r['diff_low'], u)} and {fc(r['diff_high'], u)}){better}.")


def plot_differences(cmp: Comparison) -> bytes:
    """PNG bytes: each scenario's paired difference against the baseline in the headline measure
    (median and the range holding 90% of the paired futures)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from workforce_sim.reporting.plots import png

    block = _main_block(cmp)
    base = cmp.labels[0]
    others = block[block["scenario"] != base]
    unit = str(block["unit"].iloc[0]) if len(block) else ""
    scale, axis = (100, "percentage points") if unit in ("share", "per_year") else (1, unit or "value")
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(len(others), 1) + 1.6))
    y = np.arange(len(others))[::-1]
    m = others["diff_median"].to_numpy(dtype=float) * scale
    err = np.vstack([m - others["diff_low"].to_numpy(dtype=float) * scale, others["diff_high"].to_numpy(dtype=float) * scale - m])
    ax.errorbar(m, y, xerr=err, fmt="o", capsize=4, color="tab:blue", ecolor="0.5")
    ax.axvline(0, color="0.3", linewidth=1)
    ax.set_yticks(y, [str(x) for x in others["scenario"]])
    title = str(block["title"].iloc[0]) if len(block) else ""
    ax.set_xlabel(f"difference against {base} ({axis})")
    ax.set_title(f"{title}: median and 90% of the paired futures", loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return png(fig, dpi=110, close=True)


def html_page(cmp: Comparison, replications: int, seed: int, title: str) -> str:
    """The comparison as a standalone HTML page in the pages' one style: the answer, a chart of the
    paired differences, then a table per measure."""
    from workforce_sim.reporting.pages import chance_short, few_replications_warning, page, png_img

    fv, fc = format_value, format_change
    e = html.escape
    base = cmp.labels[0]
    parts = [f"<p>{len(cmp.labels)} scenarios, {replications} simulated futures each, with the same random seed ({seed}). "
             f"Replication <i>r</i> of every scenario shares its chance events, so each difference is taken future by future "
             f"(paired) against the baseline, <b>{e(base)}</b>: the median difference and the range holding 90% of the "
             f"paired differences. <i>Chance better</i> is the share of futures in which the scenario does better than the baseline.</p>"]
    for _key, block in cmp.table.groupby("key", sort=False):
        first = block.iloc[0]
        parts.append(f"<h2>{e(first['title'])}</h2><p>Target: {e(str(first['target_text']))}; better when {e(str(first['better'] or 'n/a'))}.</p>")
        parts.append('<table class="wfsim"><thead><tr><th>Scenario</th><th>Date</th><th>Median</th><th>90% interval</th>'
                     f"<th>Chance of meeting the target (90% interval)</th><th>Difference vs {e(base)}</th>"
                     "<th>90% of the paired differences</th><th>Chance better</th></tr></thead><tbody>")
        for _, r in block.iterrows():
            u = r["unit"]
            is_base = r["scenario"] == base
            parts.append(
                f"<tr><td>{e(r['scenario'])}</td><td>{e(str(r['snapshot_date']))}</td>"
                f'<td class="num">{e(fv(r["median"], u))}</td><td class="num">{e(fv(r["low"], u))} to {e(fv(r["high"], u))}</td>'
                f'<td class="num">{e(chance_short(r["p_meet"], replications))}</td>'
                f'<td class="num">{"baseline" if is_base else e(fc(r["diff_median"], u))}</td>'
                f'<td class="num">{"" if is_base else e(fc(r["diff_low"], u)) + " to " + e(fc(r["diff_high"], u))}</td>'
                f'<td class="num">{"" if is_base else e(_pct(r["p_better"]))}</td></tr>')
        parts.append("</tbody></table>")
    return page(title, compare_answer(cmp, replications),
                chart=png_img(plot_differences(cmp), f"paired differences against {base}") if len(cmp.labels) > 1 else "",
                body="".join(parts), subtitle=f"{replications:,} replications per scenario, seed {seed}, differences paired by replication",
                warning=few_replications_warning(replications),
                words=["Paired difference", "Replication", "90% interval", "Random seed", "Permanent share", "FTE"]) + "\n"


def headline(cmp: Comparison) -> str:
    """A comparison's headline: the permanent share's paired difference of the second scenario."""
    main = cmp.table[(cmp.table["key"] == "permanent_share") & (cmp.table["scenario"] != cmp.labels[0])]
    if not len(main):
        return ""
    r = main.iloc[0]
    return (f"permanent share {r['scenario']} vs {cmp.labels[0]}: {format_change(r['diff_median'], 'share')} "
            f"({format_change(r['diff_low'], 'share')} to {format_change(r['diff_high'], 'share')})")


def write_comparison(outcome: CompareOutcome) -> Path:
    """The comparison's run folder under ``<out>/comparisons/``: tables, comparison.html, run.json; the index updated."""
    from workforce_sim.errors import WriteError
    from workforce_sim.files import write_text
    from workforce_sim.reporting.report_tables import run_inputs
    from workforce_sim.reporting.runs import RunFolder, now_iso, write_index
    from workforce_sim.reporting.tables import write_tables

    spec, cmp = outcome.spec, outcome.comparison
    title = "Comparison: " + " vs ".join(cmp.labels)
    rf = RunFolder(spec.out, "comparisons", spec.run_id)
    tmp = rf.create()
    record = {
        "kind": "comparison", "run_id": spec.run_id, "name": " vs ".join(cmp.labels), "scenarios": cmp.labels,
        "scenario_files": [str(p.resolve()) if p is not None else None for p in spec.scenario_files],
        "scenarios_resolved": [sc.model_dump(mode="json") for sc in spec.scenarios],
        **{k: v for k, v in run_inputs(spec.scenarios[0], spec.seed, spec.replications, list(spec.overrides)).items()
           if k not in ("scenario", "council", "scenario_resolved")},
        "workers": spec.workers, "started": outcome.started, "finished": now_iso(), "headline_text": headline(cmp),
    }
    try:
        write_tables({"comparison": cmp.table, "per_replication": cmp.per_replication}, tmp)
        write_text(tmp / "comparison.html", html_page(cmp, spec.replications, spec.seed, title))
        folder = rf.complete(record)
    except WriteError as exc:
        raise rf.not_written(exc) from None
    write_index(spec.out)
    return folder


def compare_output(outcome: CompareOutcome, folder: Path, as_json: bool = False) -> str:
    """What `wfsim compare` prints on stdout."""
    spec, cmp = outcome.spec, outcome.comparison
    reached = getattr(outcome, "precision", None)
    if as_json:
        data = {"run_id": spec.run_id, "folder": str(folder), "comparison": json.loads(cmp.table.to_json(orient="records"))}
        if reached is not None:
            data["precision"] = reached.as_dict()
        return json.dumps(data, indent=2)
    text = text_table(cmp, spec.replications, spec.seed)
    if reached is not None:
        from workforce_sim.reporting.text import precision_text

        text += "\n\n" + precision_text(reached.as_dict(), reached.replications)
    return text + f"\n\ncomparison written to {folder / 'comparison.html'}"
