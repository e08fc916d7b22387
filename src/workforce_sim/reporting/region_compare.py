"""Regions compared (``wfsim compare REGION REGION ...``) and a region's sweep (``wfsim sweep REGION --grid ...``):
each member's and the region's headline (the permanent share and the agency share of filled posts at the
end) with its paired difference against the first region or grid point, for a terminal, as JSON and as a
page in a folder (see ``workflows.region`` and ``analysis.region``)."""
from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from workforce_sim.analysis.formats import format_change, format_value
from workforce_sim.analysis.region import HEADLINES
from workforce_sim.reporting.html import STYLE
from workforce_sim.workflows.region import RegionCompareOutcome, RegionSweepOutcome

UNITS = {"permanent_share": "share", "agency_rate": "share", "vacancy_rate": "share", "permanent_fte": "fte"}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def _pct(p: float) -> str:
    return "n/a" if p is None or (isinstance(p, float) and math.isnan(p)) else f"{100 * p:.0f}%"


def _blocks(table: pd.DataFrame, col: str, labels: list[str], end, shown: list[str] | None = None
            ) -> list[tuple[str, list[list[str]], list[str]]]:
    """Per headline measure: (title, rows, header): each member (and the region), its median under each label of
    ``col`` and the paired difference of every later label against the first (``shown``: the labels as headed)."""
    shown = shown or labels
    base = shown[0]
    out = []
    for key in HEADLINES:
        block = table[table["measure"] == key]
        u = UNITS[key]
        header = ["member", *shown, *[f"{x} vs {base} (90% interval)" for x in shown[1:]]]
        rows = []
        for member in block["member"].unique():
            mine = block[block["member"] == member].set_index(col)
            cells = [("region (all members)" if member == "region" else str(member))]
            cells += [format_value(mine.loc[x, "median"], u) for x in labels]
            cells += [f"{format_change(mine.loc[x, 'diff_median'], u)} ({format_change(mine.loc[x, 'diff_low'], u)} to "
                      f"{format_change(mine.loc[x, 'diff_high'], u)})" for x in labels[1:]]
            rows.append(cells)
        title = f"{block['title'].iloc[0][0].upper()}{block['title'].iloc[0][1:]} on {end:%d %B %Y} (median over replications)"
        out.append((title, rows, header))
    return out


def _text_blocks(blocks) -> list[str]:
    lines = []
    for title, rows, header in blocks:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines.append(title)
        for r in [header, *rows]:
            lines.append("  " + "  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(r, widths))))
        lines.append("")
    return lines


def _html_blocks(blocks) -> str:
    e = html.escape
    parts = []
    for title, rows, header in blocks:
        parts.append(f"<h2>{e(title)}</h2><table class=\"wfsim\"><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead><tbody>")
        for r in rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" if i == 0 else f'<td class="num">{e(c)}</td>' for i, c in enumerate(r)) + "</tr>")
        parts.append("</tbody></table>")
    return "".join(parts)


def _page(title: str, intro: str, body: str) -> str:
    e = html.escape
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>{STYLE}"
            "<style>body{font-family: system-ui, sans-serif; margin: 2em; max-width: 72em;}</style></head><body>"
            f"<h1>{e(title)}</h1><p>{intro}</p>{body}</body></html>\n")


# ---- wfsim compare ------------------------------------------------------------------------------

def _compare_blocks(outcome: RegionCompareOutcome):
    spec = outcome.spec
    return _blocks(outcome.table, "scenario", list(spec.labels), spec.regions[0].end_date)


def headline(outcome: RegionCompareOutcome) -> str:
    """The first member's paired change in the permanent share, second region against the first."""
    t, labels = outcome.table, outcome.spec.labels
    first = outcome.spec.regions[0].members[0].name
    r = t[(t["scenario"] == labels[1]) & (t["member"] == first) & (t["measure"] == "permanent_share")].iloc[0]
    return (f"{first}'s permanent share {labels[1]} vs {labels[0]}: {format_change(r['diff_median'], 'share')} "
            f"({format_change(r['diff_low'], 'share')} to {format_change(r['diff_high'], 'share')})")


def compare_text(outcome: RegionCompareOutcome) -> str:
    spec = outcome.spec
    head = (f"Comparison of {len(spec.labels)} regions, {spec.replications} replications each, seed {spec.seed} "
            f"(same seeds: differences are paired by replication); baseline {spec.labels[0]}")
    return "\n".join([head, "", *_text_blocks(_compare_blocks(outcome))]).rstrip()


def write_comparison(outcome: RegionCompareOutcome) -> Path:
    """The comparison's run folder under ``<out>/comparisons/``: tables, comparison.html, run.json; the index updated."""
    from workforce_sim import __version__
    from workforce_sim.errors import WriteError
    from workforce_sim.files import write_text
    from workforce_sim.reporting.runs import RunFolder, now_iso, write_index
    from workforce_sim.reporting.tables import write_tables

    spec = outcome.spec
    title = "Comparison of regions: " + " vs ".join(spec.labels)
    rf = RunFolder(spec.out, "comparisons", spec.run_id)
    tmp = rf.create()
    record = {
        "kind": "comparison", "run_id": spec.run_id, "name": " vs ".join(spec.labels), "scenarios": list(spec.labels),
        "scenario_files": [str(p.resolve()) if p is not None else None for p in spec.region_files],
        "regions_resolved": [r.model_dump(mode="json") for r in spec.regions], "seed": spec.seed,
        "replications": spec.replications, "overrides": list(spec.overrides), "package_version": __version__,
        "workers": spec.workers, "started": outcome.started, "finished": now_iso(), "headline_text": headline(outcome),
    }
    intro = (f"{len(spec.labels)} regions with the same members, {spec.replications} simulated futures each, with the same "
             f"random seed ({spec.seed}): replication <i>r</i> of every region shares its chance events, so each difference is "
             f"taken future by future (paired) against <b>{html.escape(spec.labels[0])}</b>, for each member and for the region "
             "(the members' staff summed): the median difference and the range holding 90% of them.")
    try:
        write_tables({"comparison": outcome.table, "per_replication": outcome.per_replication}, tmp)
        write_text(tmp / "comparison.html", _page(title, intro, _html_blocks(_compare_blocks(outcome))))
        folder = rf.complete(record)
    except WriteError as exc:
        raise rf.not_written(exc) from None
    write_index(spec.out)
    return folder


def compare_output(outcome: RegionCompareOutcome, folder: Path, as_json: bool = False) -> str:
    """What `wfsim compare` prints for regions."""
    spec = outcome.spec
    if as_json:
        return json.dumps({"run_id": spec.run_id, "folder": str(folder), "regions": list(spec.labels), "seed": spec.seed,
                           "replications": spec.replications, "comparison": _records(outcome.table)}, indent=2)
    return compare_text(outcome) + f"\n\ncomparison written to {folder / 'comparison.html'}"


# ---- wfsim sweep --------------------------------------------------------------------------------

def _sweep_blocks(outcome: RegionSweepOutcome):
    spec = outcome.spec
    shown = [", ".join(str(a.texts[a.values.index(p.settings[a.key])]) for a in spec.axes) for p in spec.points]
    return _blocks(outcome.tables["points"].rename(columns={"label": "point_label"}), "point_label",
                   [p.label for p in spec.points], spec.region.end_date, shown)


def sweep_text(outcome: RegionSweepOutcome) -> str:
    spec = outcome.spec
    grid = ", ".join(a.key for a in spec.axes)
    head = (f"Sweep of {spec.region.title or spec.region.name} over {grid} (each column: {grid}): "
            f"{len(spec.points)} points, {spec.replications} replications each, seed {spec.seed} (the same seeds at every point: "
            f"differences against the first point are paired by replication)")
    return (head + "\n\n" + "\n".join(_text_blocks(_sweep_blocks(outcome)))).rstrip()


def write_sweep(outcome: RegionSweepOutcome, folder: Path) -> None:
    """The sweep's tables (CSV and Parquet) and sweep.html into ``folder`` (a temporary folder moved into place whole)."""
    from workforce_sim.files import write_text
    from workforce_sim.reporting.tables import write_tables

    spec = outcome.spec
    write_tables(outcome.tables, folder)
    title = f"Sweep of {spec.region.title or spec.region.name}"
    intro = html.escape(sweep_text(outcome).split("\n")[0])
    write_text(folder / "sweep.html", _page(title, intro, _html_blocks(_sweep_blocks(outcome))))
