"""HTML fragments for reports: scorecard, plain tables, provenance, changes.

Every value is escaped; fragments carry their own small style block so they
read the same in JupyterLab and in the exported HTML report.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Optional

import pandas as pd

from workforce_sim.analysis.formats import format_change, format_value
from workforce_sim.analysis.targets import RAG_MEANING
from workforce_sim.scenario.schema import Scenario

STYLE = """<style>
table.wfsim {border-collapse: collapse; margin: 0.4em 0 1em 0; font-size: 0.92em;}
table.wfsim th {text-align: left !important; border-bottom: 2px solid #444; padding: 4px 10px; background: #f4f4f4;}
table.wfsim td {text-align: left !important; border-bottom: 1px solid #ddd; padding: 4px 10px; vertical-align: top;}
table.wfsim td.num {text-align: right !important; white-space: nowrap;}
td.rag-green {background: #cfe8cf; font-weight: 600;}
td.rag-amber {background: #fbe3b0; font-weight: 600;}
td.rag-red {background: #f3c1c1; font-weight: 600;}
td.rag-none {color: #666;}
p.wfsim-caption {color: #444; font-size: 0.9em; max-width: 52em;}
</style>"""

RAG_WORD = {"green": "Green", "amber": "Amber", "red": "Red", "none": "-"}
WHY = {
    "no children's cases in these results": "needs children's cases: give the scenario demand: and caseload: sections",
    "no costs in these results": "needs the cost tables of the finance model",
    "needs a baseline run": "spend is measured above a baseline scenario run on the same seeds; "
                            "this scenario names none (finance.investment.baseline)",
}


def nice_date(iso: object) -> str:
    """'2017-04-01' as '1 Apr 2017'."""
    try:
        d = pd.Timestamp(str(iso))
    except (ValueError, TypeError):
        return "" if iso is None else str(iso)
    if pd.isna(d):
        return ""
    return f"{d.day} {d:%b %Y}"


def _fixed(value: object, digits: int) -> str:
    if _is_nan(value):
        return ""
    text = f"{float(value):,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no '-0.0'
    return text


def one_decimal(value: object) -> str:
    """A figure to one decimal place ('' for NaN, never '-0.0')."""
    return _fixed(value, 1)


def two_decimals(value: object) -> str:
    return _fixed(value, 2)


def whole(value: object) -> str:
    """A count as a whole number ('' for NaN)."""
    return _fixed(value, 0)


def money(value: object) -> str:
    """GBP to the pound, with thousands separators ('' for NaN)."""
    return _fixed(value, 0)


def percent(value: object) -> str:
    """A share as a percentage to one decimal place ('' for NaN)."""
    return "" if _is_nan(value) else _fixed(100 * float(value), 1) + "%"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _is_nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def table(df: pd.DataFrame, columns: Mapping[str, str], formats: Optional[Mapping[str, Callable[[object], str]]] = None,
          numeric: tuple[str, ...] = (), css: str = "wfsim") -> str:
    """An HTML table of ``df``: ``columns`` maps column -> header; ``formats`` column -> formatter."""
    formats = formats or {}
    head = "".join(f"<th>{_e(h)}</th>" for h in columns.values())
    rows = []
    for _, r in df.iterrows():
        cells = []
        for col in columns:
            v = r[col]
            text = formats[col](v) if col in formats else ("" if _is_nan(v) else str(v))
            cls = ' class="num"' if col in numeric else ""
            cells.append(f"<td{cls}>{_e(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'{STYLE}<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def scorecard(card: pd.DataFrame) -> str:
    """The scorecard of modelled targets with a threshold: value at the date, interval,
    chance of meeting it and red/amber/green."""
    rows = card[(card["status"] == "modelled") & card["target"].notna()]
    head = ["Measure", "Target", "Value at the date (median)", "90% interval", "Chance of meeting it", "Rating", "Change over the previous 12 months"]
    body = []
    for _, r in rows.iterrows():
        unit = r["unit"]
        interval = f"{format_value(r['low'], unit)} to {format_value(r['high'], unit)}"
        chance = "n/a" if _is_nan(r["p_meet"]) else f"{100 * r['p_meet']:.0f}%"
        read = nice_date(r["snapshot_date"]) if not _is_nan(r["snapshot_date"]) else ""
        when = f" (at {read})" if read and not _is_nan(r["median"]) else ""
        if _is_nan(r["median"]):
            interval = ""
        body.append(
            "<tr>"
            f"<td><b>{_e(r['title'])}</b><br><small>{_e(r['description'])}</small></td>"
            f"<td>{_e(r['target_text'])}</td>"
            f'<td class="num">{_e(format_value(r["median"], unit) if not _is_nan(r["median"]) else "no value at the date")}{_e(when)}</td>'
            f'<td class="num">{_e(interval)}</td>'
            f'<td class="num">{_e(chance)}</td>'
            f'<td class="rag-{_e(r["rag"])}" title="{_e(RAG_MEANING.get(r["rag"], ""))}">{_e(RAG_WORD.get(r["rag"], r["rag"]))}</td>'
            f'<td class="num">{_e("" if _is_nan(r["change_12m"]) else format_change(r["change_12m"], unit))}</td>'
            "</tr>"
        )
    if not body:
        body.append(f'<tr><td colspan="{len(head)}">The scenario declares no target the model measures.</td></tr>')
    thead = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f'{STYLE}<table class="wfsim wfsim-scorecard" id="scorecard"><thead><tr>{thead}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def indicators(card: pd.DataFrame) -> str:
    """Modelled measures without a threshold: value at the date and interval."""
    rows = card[(card["status"] == "modelled") & card["target"].isna()].copy()
    if rows.empty:
        return ""
    rows["value"] = [format_value(m, u) for m, u in zip(rows["median"], rows["unit"])]
    rows["interval"] = [f"{format_value(lo, u)} to {format_value(hi, u)}" for lo, hi, u in zip(rows["low"], rows["high"], rows["unit"])]
    rows["change"] = ["" if _is_nan(c) else format_change(c, u) for c, u in zip(rows["change_12m"], rows["unit"])]
    rows["snapshot_date"] = rows["snapshot_date"].map(nice_date)
    return table(rows, {"title": "Indicator", "description": "What it measures", "snapshot_date": "Date",
                        "value": "Median", "interval": "90% interval", "change": "Change over 12 months"},
                 numeric=("value", "interval", "change"))


def not_modelled(card: pd.DataFrame) -> str:
    """Targets the model does not (yet) compute, with the reason."""
    rows = card[card["status"] != "modelled"].copy()
    if rows.empty:
        return "<p>Every target the scenario declares is modelled.</p>"
    rows["why"] = [n if n else WHY.get(s, s) for n, s in zip(rows["note"], rows["status"])]
    return table(rows, {"title": "Measure", "target_text": "Target", "status": "Status", "why": "Why", "source": "Source"})


def changes(diff: pd.DataFrame) -> str:
    """Figures against the previous run: before, now, change."""
    if diff.empty:
        return "<p>No figure in common with the previous run.</p>"
    rows = diff.copy()
    rows["before_s"] = [format_value(v, u) for v, u in zip(rows["previous_median"], rows["unit"])]
    rows["now_s"] = [format_value(v, u) for v, u in zip(rows["median"], rows["unit"])]
    rows["change_s"] = [format_change(v, u) for v, u in zip(rows["change"], rows["unit"])]
    rows["p_before"] = ["n/a" if _is_nan(p) else f"{100 * p:.0f}%" for p in rows["previous_p_meet"]]
    rows["p_now"] = ["n/a" if _is_nan(p) else f"{100 * p:.0f}%" for p in rows["p_meet"]]
    return table(rows, {"title": "Measure", "before_s": "Previous run (median)", "now_s": "This run (median)",
                        "change_s": "Change", "p_before": "Chance before", "p_now": "Chance now"},
                 numeric=("before_s", "now_s", "change_s", "p_before", "p_now"))


def key_values(pairs: Mapping[str, object]) -> str:
    """A two-column table of labels and values."""
    df = pd.DataFrame({"k": list(pairs), "v": [("" if v is None else str(v)) for v in pairs.values()]})
    return table(df, {"k": "", "v": ""})


def details(summary: str, body_html: str) -> str:
    """A collapsible block."""
    return f"<details><summary>{_e(summary)}</summary>{body_html}</details>"


def pre(text: str) -> str:
    return f'<pre style="font-size:0.85em; max-height:40em; overflow:auto">{_e(text)}</pre>'


def caption(text: str) -> str:
    return f'{STYLE}<p class="wfsim-caption">{_e(text)}</p>'


def _bold_lead(text: str) -> str:
    """``Changed since ... : rest`` with its lead (up to the first colon and space) in bold."""
    lead, sep, rest = text.partition(": ")
    return f"<b>{_e(lead)}:</b> {_e(rest)}" if sep else _e(text)


def title_html(card: pd.DataFrame, scenario: Scenario, replications: int, seed: int, run_name: Optional[str] = None,
               overrides: Sequence[str] = (), changed: Optional[dict] = None) -> str:
    """The report's first screen: the scenario's title, its answer in one sentence (the main figure, its
    90% interval and the chance of meeting the target with that chance's own interval), under it what
    changed since the last run (``changed``: ``history.headline_change``) and whether beyond chance, the
    overrides it was run with, what was simulated, and a warning below 100 replications."""
    from workforce_sim.reporting.pages import chance, few_replications_warning, scenario_title

    title = scenario_title(scenario) if not run_name or run_name == scenario.name else f"{scenario.council}: {run_name}"
    parts = [f"{STYLE}<h1>{_e(title)}</h1>"]
    main = card[(card["key"] == "permanent_share") & (card["status"] == "modelled")]
    if len(main):
        r = main.iloc[0]
        u = r["unit"]
        p = "n/a" if _is_nan(r["p_meet"]) else chance(float(r["p_meet"]), replications)
        parts.append(
            f"<p style=\"font-size:1.2em;background:#eef4fb;border-left:6px solid #2b6cb0;padding:0.6em 1em\">"
            f"<b>{_e(r['title'])} at {_e(nice_date(r['snapshot_date']))}: {_e(format_value(r['median'], u))}</b> "
            f"(90% interval {_e(format_value(r['low'], u))} to {_e(format_value(r['high'], u))}). "
            f"Target: {_e(r['target_text'])}. Chance of meeting it: <b>{_e(p)}</b>.</p>")
    if changed and changed.get("text"):
        tone = "#2b6cb0" if changed.get("beyond_chance") else "#999"
        parts.append(f'<p class="wfsim-changed" style="border-left:6px solid {tone};padding:0.3em 1em;margin-top:-0.4em">'
                     f"{_bold_lead(changed['text'])}</p>")
    overridden = ", ".join(overrides) if overrides else "none: the scenario as written"
    parts.append(f"<p><b>Changed from the scenario file:</b> {_e(overridden)}</p>")
    if scenario.description:
        parts.append(f"<p>{_e(scenario.description)}</p>")
    start, end = scenario.start_date, scenario.end_date
    parts.append(f"<p>{replications} simulated futures from {start.day} {start:%B %Y} to {end.day} {end:%B %Y} "
                 f"(seed {seed}: the number that fixes the random draws, so the same seed gives the same figures).</p>")
    parts.append(few_replications_warning(replications).replace('class="warning"', 'style="background:#fff4e0;border-left:6px solid #c77700;padding:0.5em 1em"'))
    return "".join(parts)


def sources(scenario: Scenario) -> str:
    """Where each value the scenario sets comes from."""
    df = pd.DataFrame([{"key": k, "source": v} for k, v in scenario.sources.items()], columns=["key", "source"])
    if df.empty:
        return caption("The scenario cites no sources for its values; every default names its own source in workforce_sim/scenario.py.")
    return table(df, {"key": "Scenario value", "source": "Source"})


def decomposition(parts: pd.DataFrame, draws: int, per_draw: int, uncertain: list[str]) -> str:
    """Where the uncertainty comes from: for each target, the share of its variance at its date
    from the uncertain parameters (with its 90% interval), the total spread, and a sentence on the
    main target."""
    from workforce_sim.analysis.uncertainty import share_in_words

    if parts.empty:
        return caption("No target could be split (too few values at the target dates).")
    shown = parts.copy()
    shown["when"] = [nice_date(d) if d else (fy or "") for d, fy in zip(shown["snapshot_date"], shown["financial_year"])]
    shown["interval"] = [f"{percent(lo)} to {percent(hi)}" for lo, hi in zip(shown["low"], shown["high"])]
    shown["spread"] = [f"{100 * sd:.1f} points" if u in ("share", "per_year") else format_value(sd, u)
                       for sd, u in zip(shown["total_sd"], shown["unit"])]
    main = parts[parts["key"] == "permanent_share"]
    first = (main if len(main) else parts).iloc[0].to_dict()
    date = nice_date(first["snapshot_date"]) if first["snapshot_date"] else first.get("financial_year")
    names = ", ".join(uncertain[:5]) + (f" and {len(uncertain) - 5} more" if len(uncertain) > 5 else "")
    intro = caption(f"{draws} draws of the {len(uncertain)} uncertain parameters ({names}), each simulated {per_draw} times "
                    f"with different chance events: {draws * per_draw} simulated futures in all. "
                    + share_in_words(first, date))
    return intro + table(
        shown, {"title": "Measure", "when": "Read at", "share_from_parameters": "Share of the spread from the parameters",
                "interval": "90% interval of that share", "spread": "Total spread (standard deviation)"},
        formats={"share_from_parameters": percent}, numeric=("share_from_parameters", "spread"))
