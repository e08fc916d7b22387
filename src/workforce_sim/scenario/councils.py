"""The shipped DfE tables of councils, and look-ups in them.

``data/dfe_councils.csv.gz`` (derived from DfE files by
``scripts/derive_reference_tables.py``): every council's published workforce
and children's cases by year, its region's and England's; its sources in
``data/dfe_councils_sources.csv``; statistical neighbours in
``data/dfe_council_neighbours.csv``; national and regional indicators in
``data/dfe_workforce_indicators.csv``. Each table is read once, here and
nowhere else, and the look-ups (a council by name or code, a measure's
series, the years with workforce figures, a council's neighbours) work on
the shipped table or on one passed in (``table_through(year)`` for what was
published by a date).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from workforce_sim.errors import InputError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
TABLE = DATA_DIR / "dfe_councils.csv.gz"
SOURCES = DATA_DIR / "dfe_councils_sources.csv"
NEIGHBOURS = DATA_DIR / "dfe_council_neighbours.csv"
INDICATORS = DATA_DIR / "dfe_workforce_indicators.csv"
REQUIRED = ("fte_in_post", "agency_fte", "vacancies_fte")


@dataclass(frozen=True)
class Council:
    name: str
    new_la_code: str
    old_la_code: str
    region: str

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")


@lru_cache(maxsize=1)
def load_table() -> pd.DataFrame:
    """The shipped long table (level, codes, name, region, year, measure, value, source_id)."""
    return pd.read_csv(TABLE, dtype={"new_la_code": str, "old_la_code": str}, keep_default_na=False,
                       na_values={"value": [""]})


def table_through(year: int, table: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """The table as it stood on 30 September of ``year``: only rows dated ``year`` or earlier
    (workforce figures at 30 September, demand at 31 March), so nothing published later."""
    t = load_table() if table is None else table
    return t[t["year"] <= int(year)]


@lru_cache(maxsize=1)
def load_sources() -> dict[str, dict[str, str]]:
    s = pd.read_csv(SOURCES, dtype=str, keep_default_na=False)
    return {r["source_id"]: r for r in s.to_dict("records")}


def councils(table: Optional[pd.DataFrame] = None) -> list[Council]:
    """Every council in the table (default the shipped one, whose list is built once)."""
    return list(_shipped_councils()) if table is None else _councils(table)


@lru_cache(maxsize=1)
def _shipped_councils() -> tuple[Council, ...]:
    return tuple(_councils(load_table()))


def _councils(t: pd.DataFrame) -> list[Council]:
    # newest first, so that a name used by an old and a new code finds the council as it is now
    la = t[t["level"] == "local_authority"].sort_values("year", ascending=False, kind="stable").drop_duplicates(["new_la_code", "name"])
    return [Council(r.name, r.new_la_code, r.old_la_code, r.region) for r in la.itertuples()]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", str(text).lower()))


def matching_councils(query: str, table: Optional[pd.DataFrame] = None) -> list[Council]:
    """Every council (one per new LA code) whose name (either part of a joint return) or new or old LA code is
    ``query`` (case-insensitive): several when a name was used by an old and a new council (Dorset)."""
    q = " ".join(str(query).split()).lower()
    out: dict[str, Council] = {}
    for c in councils(table):
        names = [c.name.lower()] + [p.strip().lower() for p in c.name.split("/")]
        codes = [c.new_la_code.lower(), c.old_la_code.lower()]
        codes += [p.strip().lower() for p in c.new_la_code.split("/") + c.old_la_code.split("/")]
        if (q in names or q in codes) and c.new_la_code not in out:
            out[c.new_la_code] = c
    return list(out.values())


def suggestions(query: str, table: Optional[pd.DataFrame] = None, n: int = 6) -> list[str]:
    """Names of councils the user may have meant: those whose name holds every word of ``query`` (Kingston:
    Kingston upon Thames, Kingston upon Hull), then those spelt closest to it."""
    named: dict[str, str] = {}
    for c in councils(table):
        named.setdefault(c.name.lower(), c.name)
    words = _words(query)
    by_word = [name for key, name in named.items() if words and words <= _words(key)]
    q = " ".join(str(query).split()).lower()
    spelt = [named[m] for m in difflib.get_close_matches(q, sorted(named), n=3, cutoff=0.5)]
    out: list[str] = []
    for name in sorted(by_word, key=str.lower) + spelt:
        if name.lower() not in {o.lower() for o in out}:
            out.append(name)
    return out[:n]


def find_council(query: str, table: Optional[pd.DataFrame] = None) -> Council:
    """A council by name (case-insensitive; either part of a joint return) or by new or old LA code (the council
    as it is now when a name was used by an old and a new council; ``matching_councils`` gives every one)."""
    found = matching_councils(query, table)
    if found:
        return found[0]
    close = suggestions(query, table)
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise InputError(f"unknown council {query!r}{hint}", file="command line", key="COUNCIL")


def series(c: Council, measure: str, level: str = "local_authority", name: Optional[str] = None,
            table: Optional[pd.DataFrame] = None) -> pd.Series:
    t = load_table() if table is None else table
    if level == "local_authority":
        rows = t[(t["level"] == level) & (t["new_la_code"] == c.new_la_code) & (t["measure"] == measure)]
    else:
        rows = t[(t["level"] == level) & (t["name"] == name) & (t["measure"] == measure)]
    return rows.set_index("year")["value"].dropna().sort_index()


def establishment_series(table: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Each council's posts by year as the DfE counts them (FTE in post + vacancies), wide: council x year."""
    t = load_table() if table is None else table
    t = t[(t["level"] == "local_authority") & t["measure"].isin(("fte_in_post", "vacancies_fte")) & t["value"].notna()]
    wide = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value", aggfunc="first")
    est = (wide["fte_in_post"] + wide["vacancies_fte"]).dropna()
    return est[est > 0].unstack("year").sort_index(axis=1)


def yearly_changes(est: pd.DataFrame, through: int) -> np.ndarray:
    """Proportional year-on-year changes of the posts, every council, for the years ending ``through`` or earlier."""
    years = [y for y in est.columns if y + 1 in est.columns and y + 1 <= through]
    parts = [(est[y + 1] / est[y] - 1.0).dropna().to_numpy() for y in years]
    return np.concatenate(parts) if parts else np.array([])


def _agency_and_vacancies(table: Optional[pd.DataFrame], through: int,
                          measures: tuple[str, ...] = ("agency_fte", "vacancies_fte")) -> Optional[pd.DataFrame]:
    """Councils' published agency FTE and vacancies FTE (or ``measures``) up to ``through``, wide: (council, year)
    x measure (None without them all)."""
    t = load_table() if table is None else table
    t = t[(t["level"] == "local_authority") & t["measure"].isin(measures) & t["value"].notna() & (t["year"] <= through)]
    wide = t.pivot_table(index=["new_la_code", "year"], columns="measure", values="value", aggfunc="first")
    return None if wide.empty or not set(measures) <= set(wide.columns) else wide


def beyond_retention(through: int, table: Optional[pd.DataFrame] = None) -> tuple[float, int]:
    """How much of councils' agency FTE beyond their vacancies (agency FTE less vacancies, where positive) is still
    beyond them a year later: the next year's excess over this year's, summed over every council with an excess and
    both years published by 30 September of ``through``; (that share, the council-years; NaN and 0 without any)."""
    wide = _agency_and_vacancies(table, through)
    if wide is None:
        return float("nan"), 0
    excess = (wide["agency_fte"] - wide["vacancies_fte"]).dropna().clip(lower=0).unstack("year")
    now = later = 0.0
    n = 0
    for y in [y for y in excess.columns if y + 1 in excess.columns]:
        held = (excess[y] > 0) & excess[y + 1].notna()
        now += float(excess[y][held].sum())
        later += float(excess[y + 1][held].sum())
        n += int(held.sum())
    return (later / now if now > 0 else float("nan")), n


def beyond_arising(through: int, table: Optional[pd.DataFrame] = None) -> tuple[float, float, int, int]:
    """What agency FTE beyond the vacancies arises at councils that have none: over every council-year y without
    an excess (agency FTE at most vacancies) published by 30 September of ``through``, the excess 1 and 2 years
    later summed over the FTE in post of year y; (share a year on, share two years on, council-years for each).
    NaN and 0 where no pair is published."""
    wide = _agency_and_vacancies(table, through, ("agency_fte", "vacancies_fte", "fte_in_post"))
    if wide is None:
        return float("nan"), float("nan"), 0, 0
    excess = (wide["agency_fte"] - wide["vacancies_fte"]).clip(lower=0).unstack("year")
    fte = wide["fte_in_post"].unstack("year")
    out: list[float] = []
    counts: list[int] = []
    for h in (1, 2):
        num = den = 0.0
        n = 0
        for y in [y for y in excess.columns if y + h in excess.columns]:
            none = (excess[y] == 0) & excess[y + h].notna() & (fte[y] > 0)
            num += float(excess[y + h][none].sum())
            den += float(fte[y][none].sum())
            n += int(none.sum())
        out.append(num / den if den > 0 else float("nan"))
        counts.append(n)
    return out[0], out[1], counts[0], counts[1]


LINE_MIN_PAIRS = 30   # council-years a line of ``shrinkage_line`` needs before a rule uses it


@dataclass(frozen=True)
class Line:
    """A least-squares line ``a + b x`` over council-years (``shrinkage_line``: a council's value ``horizon``
    years on, on its mean over the years up to now; ``uncovered_line``: its uncovered share a year on, on this
    year's): ``pairs`` of them, and their ``residuals``."""

    a: float
    b: float
    pairs: int
    residuals: np.ndarray


def shrinkage_line(measure: str, through: int, table: Optional[pd.DataFrame] = None, years: int = 3, horizon: int = 1) -> Line:
    """How much of a council's mean of ``measure`` over its last ``years`` years carries ``horizon`` years on:
    the line over every council and year y with y + ``horizon`` published by 30 September of ``through``
    (NaN, 0 pairs and no residuals without two pairs)."""
    none = Line(float("nan"), float("nan"), 0, np.array([]))
    t = load_table() if table is None else table
    t = t[(t["level"] == "local_authority") & (t["measure"] == measure) & t["value"].notna() & (t["year"] <= through)]
    if t.empty:
        return none
    x = t.drop_duplicates(["new_la_code", "year"]).set_index(["new_la_code", "year"])["value"].unstack("year")
    x = x.reindex(columns=range(int(x.columns.min()), int(x.columns.max()) + 1))   # a missing year is a gap, not skipped
    v = x.to_numpy(float)
    if v.shape[1] <= horizon:
        return none
    have = np.isfinite(v)
    total = np.cumsum(np.where(have, v, 0.0), axis=1)
    count = np.cumsum(have, axis=1)
    total[:, years:] -= total[:, :-years].copy()
    count[:, years:] -= count[:, :-years].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count                                   # each council's mean over the years up to each year
    return _fit(mean[:, :-horizon].ravel(), v[:, horizon:].ravel())   # each mean and its value horizon years on


def staffing_ratio(through: int, table: Optional[pd.DataFrame] = None, horizon: int = 1) -> float:
    """How councils' staffing (FTE in post plus agency FTE) changed over ``horizon`` years: the mean of
    staffed(y) / staffed(y + ``horizon``) over every council and year y with both published by 30 September of
    ``through`` (NaN without any). A line fitted on published caseloads (``shrinkage_line``) carries this change of
    the holders in it already."""
    wide = _agency_and_vacancies(table, through, ("fte_in_post", "agency_fte"))
    if wide is None:
        return float("nan")
    staffed = (wide["fte_in_post"] + wide["agency_fte"]).unstack("year")
    staffed = staffed.reindex(columns=range(int(staffed.columns.min()), int(staffed.columns.max()) + 1)).to_numpy(float)
    if staffed.shape[1] <= horizon:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        r = staffed[:, :-horizon] / staffed[:, horizon:]
    r = r[np.isfinite(r) & (r > 0)]
    return float(r.mean()) if len(r) else float("nan")


def _fit(m: np.ndarray, n: np.ndarray) -> Line:
    """The least-squares line of ``n`` on ``m`` over the pairs with both (NaN without two distinct ``m``)."""
    ok = np.isfinite(m) & np.isfinite(n)
    if ok.sum() < 2 or np.ptp(m[ok]) == 0:
        return Line(float("nan"), float("nan"), int(ok.sum()), np.array([]))
    b, a = np.polyfit(m[ok], n[ok], 1)
    return Line(float(a), float(b), int(ok.sum()), n[ok] - (a + b * m[ok]))


def uncovered_line(through: int, table: Optional[pd.DataFrame] = None) -> Line:
    """How much of a council's uncovered share of its vacancies (vacancies less agency FTE, at least 0, over
    vacancies) carries into the next year: the least-squares line of the next year's share on this year's, over
    every council and year y with vacancies in both y and y + 1, published by 30 September of ``through``
    (NaN, 0 pairs and no residuals without two pairs)."""
    none = Line(float("nan"), float("nan"), 0, np.array([]))
    wide = _agency_and_vacancies(table, through)
    if wide is None:
        return none
    vac = wide["vacancies_fte"].where(wide["vacancies_fte"] > 0)
    share = ((vac - wide["agency_fte"]).clip(lower=0) / vac).dropna().unstack("year")
    pairs = [(share[y], share[y + 1]) for y in share.columns if y + 1 in share.columns]
    if not pairs:
        return none
    return _fit(np.concatenate([p[0].to_numpy(float) for p in pairs]), np.concatenate([p[1].to_numpy(float) for p in pairs]))


def shrinkage(measure: str, through: int, table: Optional[pd.DataFrame] = None, years: int = 3) -> tuple[float, float, int]:
    """(a, b, pairs) of ``shrinkage_line`` one year on."""
    line = shrinkage_line(measure, through, table, years)
    return line.a, line.b, line.pairs


def workforce_years(c: Council, table: Optional[pd.DataFrame] = None) -> list[int]:
    """Years in which every required workforce figure is published for the council."""
    years = None
    for m in REQUIRED:
        ys = set(series(c, m, table=table).index)
        years = ys if years is None else years & ys
    return sorted(years or [])


def cite(source_id: str, year: int, c: Optional[Council] = None, area: Optional[str] = None) -> str:
    s = load_sources()[source_id]
    who = f"{c.name} ({c.old_la_code})" if c else area
    return f"{s['publication']}; {s['file']}: {s['column']}, {who}, {year}"


@lru_cache(maxsize=1)
def load_neighbours() -> pd.DataFrame:
    """Statistical neighbours: old_la_code, name, rank, neighbour_old_la_code, neighbour_name, closeness, source."""
    return pd.read_csv(NEIGHBOURS, dtype=str, keep_default_na=False)


def la_code_parts(code: str) -> set[str]:
    """The codes of a joint return ('E06000061 / E06000062'), or the one code."""
    return {p.strip() for p in str(code).split("/") if p.strip()}


def neighbour_codes(c: Council) -> list[tuple[str, str]]:
    """(old LA code, name) of the council's ten statistical neighbours, closest first."""
    n = load_neighbours()
    rows = n[n["old_la_code"].isin(la_code_parts(c.old_la_code))].sort_values("rank", key=lambda s: s.astype(int))
    return list(dict.fromkeys(zip(rows["neighbour_old_la_code"], rows["neighbour_name"])))


def workforce_rows(measures: tuple[str, ...] | list[str], table: Optional[pd.DataFrame] = None) -> pd.DataFrame:
    """Councils' published values of ``measures`` (rows of the long table with a value)."""
    t = load_table() if table is None else table
    la = t[(t["level"] == "local_authority") & t["measure"].isin(list(measures))]
    return la.dropna(subset=["value"])


def load_indicators(path: Optional[Path] = None) -> pd.DataFrame:
    """The national and regional DfE workforce indicators (``data/dfe_workforce_indicators.csv``, or ``path``)."""
    return pd.read_csv(path or INDICATORS)
