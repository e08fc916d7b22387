"""One style for every page (report, compare, sweep, optimise, backtest, index): the answer first,
in one sentence and one chart, then the detail; a short glossary of the words a page uses; money
and chances written the same way everywhere (``-£0.05m``, ``62% (90% interval 48% to 75%)``)
and a warning when too few replications stand behind a chance."""
from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable
from typing import Optional

from workforce_sim.analysis.measures import wilson

FEW_REPLICATIONS = 100   # below this a page warns that its chances are rough

PAGE_STYLE = """<style>
body.wfsim-page {font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d1d1d;
  max-width: 90em; margin: 1.5em auto; padding: 0 1.2em; line-height: 1.45;}
.wfsim-page h1 {font-size: 1.6em; margin: 0 0 0.2em 0;}
.wfsim-page h2 {font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em;}
.wfsim-page .subtitle {color: #555; margin: 0 0 1em 0;}
.wfsim-page .answer {font-size: 1.25em; background: #eef4fb; border-left: 6px solid #2b6cb0; padding: 0.7em 1em; margin: 0.8em 0;}
.wfsim-page .warning {background: #fff4e0; border-left: 6px solid #c77700; padding: 0.5em 1em; margin: 0.6em 0;}
.wfsim-page .chart img {max-width: 100%; height: auto;}
.wfsim-page table.wfsim {border-collapse: collapse; margin: 0.4em 0 1em 0; font-size: 0.92em;}
.wfsim-page table.wfsim th {text-align: left; border-bottom: 2px solid #444; padding: 4px 10px; background: #f4f4f4; vertical-align: bottom;}
.wfsim-page table.wfsim td {border-bottom: 1px solid #ddd; padding: 4px 10px; vertical-align: top;}
.wfsim-page table.wfsim td.num {text-align: right; white-space: nowrap;}
.wfsim-page dl.glossary dt {font-weight: 600; margin-top: 0.4em;}
.wfsim-page dl.glossary dd {margin-left: 1.2em; color: #333;}
.wfsim-page .footer {color: #666; font-size: 0.85em; margin-top: 2em;}
</style>"""

GLOSSARY = {
    "FTE": "full-time equivalent: a worker on half hours counts 0.5.",
    "NQSW": "newly qualified social worker, in their first year after qualifying.",
    "ASYE": "Assessed and Supported Year in Employment: the NQSW's first year, with a lighter caseload.",
    "DBS": "Disclosure and Barring Service: the criminal-record checks before a new starter may begin.",
    "Permanent share": "permanent FTE divided by permanent plus agency FTE.",
    "Agency rate": "agency FTE as a share of the filled social work FTE (permanent plus agency): 100% minus the permanent share.",
    "Turnover": "permanent leavers in a year divided by the average permanent headcount over that year (the DfE census measure).",
    "Vacancy rate": "posts (FTE) with no permanent holder, empty or covered by an agency worker, as a share of all posts (the DfE definition).",
    "Caseload": "children held per case-holding social worker (FTE).",
    "Median": "the middle of the simulated futures: half are above it, half below.",
    "Replication": "one simulated future; a page's chances are the share of replications in which something happens.",
    "90% interval": "the range that holds the middle 90% of the replications' values.",
    "Paired difference": "the change between two options measured within the same future (the same seed), which "
                         "removes the luck that both share, so a small real effect shows.",
    "Beyond chance": "the paired differences' 90% interval does not include zero.",
    "Random seed": "the number that fixes the random draws: the same seed gives the same figures, and two runs on "
                   "the same seed meet the same luck replication by replication.",
    "Changed since the last run": "the headline against the previous complete run of the same name: beyond chance when "
                                  "the 90% interval of the change leaves out zero (paired replication by replication when "
                                  "both runs share seed and replications, otherwise compared as independent samples).",
    "Investment profile": "the money budgeted for each financial year (April to March).",
    "Agency spend saved": "agency cost of the first option minus this option's, paired per replication.",
    "Pounds per point": "net cost divided by the percentage points of permanent share gained.",
    "S2, S4 ...": "the source documents a scenario's figures cite (a council's workforce strategy or report, by section), "
                  "named in the scenario's sources.",
}


def esc(x: object) -> str:
    return html.escape("" if x is None else str(x))


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(x: Optional[float], digits: int = 2, signed: bool = False) -> str:
    """GBP in millions: ``£1.23m``, ``-£0.05m`` (the sign before the pound), ``+£0.40m`` when ``signed``."""
    if _nan(x):
        return "n/a"
    sign = "-" if x < 0 and round(abs(x) / 1e6, digits) > 0 else ("+" if signed and x > 0 else "")
    return f"{sign}£{abs(x) / 1e6:,.{digits}f}m"


def pounds(x: Optional[float]) -> str:
    """Whole pounds: ``£12,345``, ``-£1,200``."""
    if _nan(x):
        return "n/a"
    return f"{'-' if x < 0 and round(abs(x)) > 0 else ''}£{abs(x):,.0f}"


def chance_interval(successes: float, n: int) -> tuple[float, float]:
    """The Wilson 90% interval of a chance from ``successes`` of ``n`` replications."""
    return wilson(successes, n, z=1.645)


def chance(p: Optional[float], n: int) -> str:
    """``62% (90% interval 48% to 75%, 20 replications)``: a chance and how sure it is."""
    if _nan(p):
        return "n/a"
    lo, hi = chance_interval(p * n, n)
    return f"{100 * p:.0f}% (90% interval {100 * lo:.0f}% to {100 * hi:.0f}%, {n:,} replications)"


def chance_short(p: Optional[float], n: int) -> str:
    """``62% (48-75%)``: a chance and its 90% interval, for a table cell."""
    if _nan(p):
        return "n/a"
    lo, hi = chance_interval(p * n, n)
    return f"{100 * p:.0f}% ({100 * lo:.0f}-{100 * hi:.0f}%)"


def few_replications_warning(n: int) -> str:
    """A warning block when fewer than ``FEW_REPLICATIONS`` replications stand behind the page's chances."""
    if n >= FEW_REPLICATIONS:
        return ""
    return (f'<div class="warning">Only {n:,} replications: chances on this page are rough (a 0% from {n} futures '
            f"is an upper bound near {100 * chance_interval(0, n)[1]:.0f}%, not an impossibility). "
            f"Run {FEW_REPLICATIONS} or more for figures to decide on.</div>")


def png_img(png: bytes, alt: str) -> str:
    return f'<div class="chart"><img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}"></div>'


def table(headers: list[str], rows: Iterable[list[object]], numeric: Optional[set[int]] = None) -> str:
    """A plain table in the page's style (cells escaped; ``numeric`` column numbers right-aligned)."""
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td{" class=num" if j in numeric else ""}>{esc(c)}</td>' for j, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f'<table class="wfsim"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


REPORT_WORDS = ("FTE", "NQSW", "ASYE", "DBS", "Permanent share", "Agency rate", "Turnover", "Vacancy rate", "Caseload",
                "Replication", "Median", "90% interval", "Random seed", "Changed since the last run", "Investment profile",
                "S2, S4 ...")
"""The words the report explains (its glossary section)."""


def glossary(words: Optional[Iterable[str]] = None, heading: bool = True) -> str:
    """The glossary block (every word, or the ones named; ``heading``: with its own "Words used here" title)."""
    items = [(w, GLOSSARY[w]) for w in (words or GLOSSARY) if w in GLOSSARY]
    return (("<h2>Words used here</h2>" if heading else "") + '<dl class="glossary">'
            + "".join(f'<dt style="font-weight:600;margin-top:0.4em">{esc(w)}</dt><dd style="margin-left:1.2em">{esc(d)}</dd>'
                      for w, d in items) + "</dl>")


def scenario_title(scenario: object) -> str:
    """A scenario as a title: ``Ourtown: 2014 investment`` (the council, then the scenario's name without it)."""
    council = str(getattr(scenario, "council", "") or "")
    words = str(getattr(scenario, "name", "")).replace("_", " ").replace("-", " ").split()
    words = [w for w in words if w.lower() not in council.lower().split()] or words
    rest = " ".join(words)
    return f"{council}: {rest}" if council else rest


def page(title: str, answer: str, chart: str = "", body: str = "", subtitle: str = "", warning: str = "",
         words: Optional[Iterable[str]] = None, footer: str = "") -> str:
    """A whole page: title, subtitle, the answer in one sentence, one chart, any warning, the detail,
    the glossary and a footer."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>{PAGE_STYLE}</head>'
            f'<body class="wfsim-page"><h1>{esc(title)}</h1>'
            + (f'<p class="subtitle">{esc(subtitle)}</p>' if subtitle else "")
            + f'<p class="answer">{esc(answer)}</p>{chart}{warning}{body}{glossary(words)}'
            + (f'<p class="footer">{esc(footer)}</p>' if footer else "") + "</body></html>")
