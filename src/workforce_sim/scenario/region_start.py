"""A region's published state as a region file (``wfsim init --region NAME`` or ``--councils A,B``).

Members are ``init:`` entries (each council's published state on 30 September
of the year, as ``wfsim init`` builds it); the pools start from the members'
published figures that year: job seekers about two months of their starters,
the free agency pool and its arrivals a share of their agency FTE (assumptions,
given as ranges and named in ``sources:``). Seekers' arrivals from outside keep
the pool as it starts: they replace the members' published starters other than
their NQSWs (hired from the pool) and the seekers who leave, less the members'
published leavers who rejoin it (``seeker_arrivals``). Without that balance the
pool drained in a year, halving the applicants per advert, and the region's agency
rate rose from the origin in every region (docs/market.md).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from workforce_sim.errors import InputError
from workforce_sim.scenario.councils import Council, cite, councils, find_council, load_table, matching_councils, series, workforce_years

LONDON = ("Inner London", "Outer London")


def region_names(table: Optional[pd.DataFrame] = None) -> list[str]:
    names = sorted({c.region for c in councils(table) if c.region})
    return names + (["London"] if all(r in names for r in LONDON) else [])


def region_members(name: str, year: int, table: Optional[pd.DataFrame] = None) -> list[Council]:
    """Every council of a DfE region (names as in the shipped table; "London" is Inner and Outer London)
    with published workforce figures in ``year``."""
    wanted = {" ".join(name.split()).lower()}
    if wanted == {"london"}:
        wanted = {r.lower() for r in LONDON}
    known = region_names(table)
    if not wanted & {r.lower() for r in known}:
        raise InputError(f"no region {name!r} in the DfE table (regions: {', '.join(known)})", file="--region")
    found = [c for c in councils(table) if c.region.lower() in wanted and year in workforce_years(c, table)]
    if not found:
        raise InputError(f"no council of {name} has DfE workforce figures for {year}", file="--year")
    return sorted(found, key=lambda c: c.name)


def _total(members: list[Council], measure: str, year: int, table) -> float:
    total = 0.0
    for c in members:
        s = series(c, measure, table=table)
        if year in s.index and pd.notna(s[year]):
            total += float(s[year])
    return total


def seeker_arrivals(starters: float, leavers: float, initial: tuple[float, float]) -> tuple[int, int]:
    """Arrivals a year from outside the region that keep the job seekers at their central starting size: the
    published starters other than NQSWs (the share ``wfsim init`` gives the members' own cohorts) are hired from the
    pool, ``leaver_destinations.other_council`` of the published leavers rejoin it, and the seekers leave at each
    end of the pool's exit hazard (its default range); the range of arrivals is the balance at those two ends."""
    from workforce_sim.scenario.schema.region import JobSeekers, LeaverDestinations
    from workforce_sim.scenario.start_state import NQSW_SHARE

    exits = JobSeekers.model_fields["exit_per_year"].default
    stay = float(LeaverDestinations.model_fields["other_council"].default)
    centre = (initial[0] + initial[1]) / 2
    balance = starters * (1 - NQSW_SHARE) - stay * leavers
    low, high = (max(0, round(balance + float(e) * centre)) for e in (exits[0], exits[-1]))
    return low, max(low, high)


def region_start_state(name: str, members: list[Council], year: int, table: Optional[pd.DataFrame] = None) -> dict[str, Any]:
    """The region file's content (a plain mapping) for ``members`` on 30 September of ``year``."""
    t = load_table() if table is None else table
    starters = _total(members, "starters_fte", year, t)
    agency = _total(members, "agency_fte", year, t)
    leavers = _total(members, "leavers_fte", year, t)
    seekers = (round(starters / 8), round(starters / 4))
    arrivals = seeker_arrivals(starters, leavers, seekers)
    slug = "_".join(name.lower().split())
    sids = t.loc[(t["measure"] == "starters_fte") & (t["year"] == year), "source_id"]
    area = ", ".join(c.name for c in members[:3]) + (f" and {len(members) - 3} more" if len(members) > 3 else "")
    src = cite(sids.iloc[0], year, area=area) if len(sids) else f"DfE children's social work workforce, {year}"
    return {
        "name": f"{slug}_{year}",
        "title": f"{name}, {year}: {len(members)} councils sharing one labour market",
        "members": [{"init": {"council": c.name if len(matching_councils(c.name, table)) == 1 else c.new_la_code, "year": year},
                     "name": c.name} for c in members],
        "market": {
            "job_seekers": {"initial": list(seekers), "arrivals_per_year": list(arrivals), "exit_per_year": [1.0, 3.0]},
            "agency_pool": {"initial": [round(agency * 0.02), round(agency * 0.08)],
                            "arrivals_per_year": [round(agency * 0.05), round(agency * 0.2)], "exit_per_year": [1.0, 3.0]},
        },
        "sources": {
            "members": f"every council of {name} with DfE children's social work workforce figures for {year}",
            "market.job_seekers.initial": f"assumption: 1.5 to 3 months of the members' published starters ({starters:,.0f} FTE in {year}: {src})",
            "market.job_seekers.arrivals_per_year": (
                f"the pool kept at its central starting size: the members' published starters ({starters:,.0f} FTE) other than NQSWs "
                f"(assumption: a quarter, as their own cohorts) hired from it, plus seekers leaving at 1 to 3 a year, less the 27% of "
                f"their published leavers ({leavers:,.0f} FTE) who rejoin it (leaver_destinations.other_council); {src}"),
            "market.agency_pool.initial": f"assumption: 2% to 8% of the members' published agency FTE between assignments ({agency:,.0f} FTE; {src})",
            "market.agency_pool.arrivals_per_year": f"assumption: 5% to 20% of the members' published agency FTE a year arrive from outside "
                                                     f"({agency:,.0f} FTE; {src})",
        },
    }


def write_region(year: int, region: Optional[str] = None, council_names: Optional[str] = None, out: Optional[Path | str] = None,
                 folder: Path = Path("scenarios/regions")) -> Path:
    """Write a region file for a DfE region or a list of councils (never overwrites)."""
    import yaml

    from workforce_sim.files import write_text

    if (region is None) == (council_names is None):
        raise InputError("give --region NAME or --councils A,B,...", file="command line", key="init")
    if region is not None:
        members, name = region_members(region, year), region
    else:
        parts = [p.strip() for p in str(council_names).split(",") if p.strip()]
        if len(parts) < 1:
            raise InputError("names no council", file="--councils")
        members = []
        for p in parts:
            c = find_council(p)
            if year not in workforce_years(c):
                raise InputError(f"{c.name} has no DfE workforce figures for {year}", file="--councils", key=p)
            if c in members:
                raise InputError(f"{c.name} is named twice", file="--councils", key=p)
            members.append(c)
        name = "custom region"
    data = region_start_state(name, members, year)
    if council_names is not None:
        data["name"] = f"region_{year}_" + "_".join(c.slug for c in members[:3]) + ("_etc" if len(members) > 3 else "")
        data["title"] = f"{', '.join(c.name for c in members)}, {year}: one labour market"
    path = Path(out) if out is not None else folder / f"{data['name']}.yaml"
    if out is not None and (str(out).endswith(("/", os.sep)) or path.is_dir()):
        path = path / f"{data['name']}.yaml"
    if path.exists():
        raise InputError("exists; choose another file (init never overwrites)", file="--out", key=str(path))
    header = "# generated by 'wfsim init' from the DfE table data/dfe_councils.csv.gz; members start from their published state\n"
    write_text(path, header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))
    return path
