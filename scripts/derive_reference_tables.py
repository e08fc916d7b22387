#!/usr/bin/env python
"""Derive small reference tables from public DfE statistics.

The raw DfE files are NOT part of this repository.  By default they are read
from ``../shared/data/dfe/`` relative to the repository root; pass
``--data-dir`` to point elsewhere.  The derived tables (a few rows each, every
row naming its source) are written to ``src/workforce_sim/data/`` (override with ``--out-dir``)
and documented in ``data/README.md``.

Usage (from the repository root)::

    .venv/bin/python scripts/derive_reference_tables.py [--data-dir DIR] [--out-dir DIR]

Dependencies: Python standard library + pandas.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "dfe"
DEFAULT_OUT_DIR = REPO_ROOT / "src" / "workforce_sim" / "data"

# Values DfE uses instead of numbers: x / c = suppressed (confidential),
# . / .. = not available / not collected, z = not applicable, u = low
# reliability, low = fewer than a threshold, - = nil or negligible (old SFRs).
SUPPRESSION_MARKERS = {"", "x", "c", ".", "..", "z", "u", "low", "-", ":", "~"}

ENGLAND_CODE = "E92000001"
SOUTH_EAST_CODE = "E12000008"
FOCUS_LAS = {  # old (3-digit) LA code -> name
    "871": "Slough",
    "886": "Kent",
    "887": "Medway",
}

PUB_2015 = (
    "DfE 'Children's social work workforce: year ending 30 September 2015' "
    "(experimental statistics, SFR07/2016), underlying data"
)
PUB_2016 = (
    "DfE 'Children's social work workforce: year ending 30 September 2016' "
    "(SFR08/2017), underlying data"
)
PUB_2017_ON = "DfE 'Children's social work workforce' (explore-education-statistics), indicators 2017-2025"
PUB_CIN = "DfE 'Children in need' (explore-education-statistics)"
PUB_CLA = "DfE 'Children looked after in England including adoptions' (explore-education-statistics)"
PUB_SN = "DfE 'Children's services statistical neighbour benchmarking tool', groupings April 2021"

_unknown_markers: set[str] = set()


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def to_number(value) -> float:
    """Parse a DfE cell: '27,700' -> 27700.0; suppression markers -> NaN."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float)):
        return float(value)
    s = str(value).strip().strip('"').strip()
    if s.lower() in SUPPRESSION_MARKERS:
        return math.nan
    s2 = s.replace(",", "").replace("%", "").strip()
    try:
        return float(s2)
    except ValueError:
        _unknown_markers.add(s)
        return math.nan


def num_series(series: pd.Series) -> pd.Series:
    return series.map(to_number).astype(float)


def read_dfe_csv(path: Path) -> pd.DataFrame:
    """Read a DfE CSV as strings (BOM-safe), stripping names and dropping blank rows."""
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    df = df.loc[:, [c for c in df.columns if not c.startswith("Unnamed:")]]
    df = df.apply(lambda col: col.str.strip())
    blank = (df == "").all(axis=1)
    return df.loc[~blank].reset_index(drop=True)


def one_row(df: pd.DataFrame, mask: pd.Series, what: str) -> pd.Series:
    rows = df.loc[mask]
    if len(rows) != 1:
        raise SystemExit(f"expected exactly one row for {what}, found {len(rows)}")
    return rows.iloc[0]


def old_csww_area_rows(df: pd.DataFrame) -> dict[str, pd.Series]:
    """England and South East total rows of the 2015/2016 SFR underlying data files."""
    no_la = df["LA_name"] == ""
    eng = one_row(df, no_la & (df["Region_name"] == "") & (df["Country_name"] == "England"), "England")
    se = one_row(df, no_la & (df["Region_name"] == "South East"), "South East")
    return {"England": eng, "South East": se}


def round_or_nan(x: float, nd: int) -> float:
    return x if (x is None or math.isnan(x)) else round(x, nd)


# --------------------------------------------------------------------------
# (a) time in service, 2016
# --------------------------------------------------------------------------
def band_mapping_2016(columns: list[str]) -> dict[str, str]:
    """Map band letter (a..f) -> band label, read from the 2016 header.

    The FTE staff columns ('A1ba_FTE_Number_ChildrensSocialWorkers_Time in
    service_2016') do not name their band; the headcount columns of the same
    variable ('A1ba_Headcount_Number_..._Time in service_2016_<2') and the
    leavers columns ('B2aa_FTE_Time in Service Leavers_2016_<2') do.
    """
    staff: dict[str, str] = {}
    leavers: dict[str, str] = {}
    for c in columns:
        m = re.match(r"A1b([a-f])_Headcount_Number_ChildrensSocialWorkers_Time in service_2016_(.+)$", c, re.I)
        if m:
            staff[m.group(1)] = m.group(2)
        m = re.match(r"B2a([a-f])_FTE_Time in Service Leavers_2016_(.+)$", c, re.I)
        if m:
            leavers[m.group(1)] = m.group(2)
    if not staff or staff != leavers:
        raise SystemExit(f"time-in-service bands disagree: staff {staff} vs leavers {leavers}")
    return dict(sorted(staff.items()))


def band_edges(label: str) -> tuple[float, float, str]:
    """'<2' -> (0, 2, '<2 years'); '2_to_5' -> (2, 5, '2-5 years'); '>30' -> (30, inf, '30+ years')."""
    if label.startswith("<"):
        hi = float(label[1:])
        return 0.0, hi, f"<{label[1:]} years"
    if label.startswith(">"):
        lo = float(label[1:])
        return lo, math.inf, f"{label[1:]}+ years"
    lo, hi = label.split("_to_")
    return float(lo), float(hi), f"{lo}-{hi} years"


def table_time_in_service(data_dir: Path) -> pd.DataFrame:
    fname = "csww_2016_SFR08_2017_UD.csv"
    df = read_dfe_csv(data_dir / fname)
    cols = list(df.columns)
    bands = band_mapping_2016(cols)
    print(f"[a] {fname}: time-in-service band letters -> labels: {bands}")

    def find(pattern: str) -> str:
        hits = [c for c in cols if re.fullmatch(pattern, c, re.I)]
        if len(hits) != 1:
            raise SystemExit(f"column pattern {pattern!r} matched {hits}")
        return hits[0]

    out = []
    for area, row in old_csww_area_rows(df).items():
        area_code = ENGLAND_CODE if area == "England" else row["Region_code"]
        total_staff_col = "A1_FTE_ChildrensSocialWorkers_2016"
        total_leav_col = "B2_FTE_Leavers_2016"
        band_rows = []
        for letter, label in bands.items():
            s_col = find(rf"A1b{letter}_FTE_Number_ChildrensSocialWorkers_Time in service_2016")
            l_col = find(rf"B2a{letter}_FTE_Time in Service Leavers_2016_.+")
            lo, hi, nice = band_edges(label)
            band_rows.append(
                dict(
                    area=area,
                    area_code=area_code,
                    band=nice,
                    band_lower_years=lo,
                    band_upper_years=hi,
                    staff_fte=to_number(row[s_col]),
                    leavers_fte=to_number(row[l_col]),
                    source=(
                        f"{PUB_2016}; {fname}: staff = '{s_col}' (band label from matching "
                        f"headcount column), leavers = '{l_col}'; staff at 30 Sep 2016, "
                        f"leavers in year to 30 Sep 2016"
                    ),
                )
            )
        staff_sum = sum(r["staff_fte"] for r in band_rows)
        leav_sum = sum(r["leavers_fte"] for r in band_rows)
        band_rows.append(
            dict(
                area=area,
                area_code=area_code,
                band="All bands",
                band_lower_years=0.0,
                band_upper_years=math.inf,
                staff_fte=staff_sum,
                leavers_fte=leav_sum,
                source=(
                    f"{PUB_2016}; {fname}: sum of the six band columns above "
                    f"(published totals: {total_staff_col}={row[total_staff_col]}, "
                    f"{total_leav_col}={row[total_leav_col]})"
                ),
            )
        )
        for r in band_rows:
            rate = r["leavers_fte"] / r["staff_fte"] if r["staff_fte"] else math.nan
            r["share_of_staff"] = r["staff_fte"] / staff_sum
            r["share_of_leavers"] = r["leavers_fte"] / leav_sum
            r["leaving_rate"] = rate
            r["hazard_per_year"] = -math.log(1.0 - rate) if rate < 1 else math.inf
        out.extend(band_rows)

    t = pd.DataFrame(out)
    t = t[
        [
            "area", "area_code", "band", "band_lower_years", "band_upper_years",
            "staff_fte", "leavers_fte", "share_of_staff", "share_of_leavers",
            "leaving_rate", "hazard_per_year", "source",
        ]
    ]
    for c in ["share_of_staff", "share_of_leavers", "leaving_rate", "hazard_per_year"]:
        t[c] = t[c].round(4)
    return t


# --------------------------------------------------------------------------
# (b) workforce indicators 2015-2025
# --------------------------------------------------------------------------
INDICATOR_COLS = [
    "fte_in_post", "starters_fte", "leavers_fte", "turnover_rate_pct",
    "agency_fte", "agency_rate_pct", "vacancies_fte", "vacancy_rate_pct",
    "avg_caseload",
]


def table_workforce_indicators(data_dir: Path) -> pd.DataFrame:
    rows = []
    old_files = {
        2015: ("csww_2015_SFR07_2016_UD.csv", PUB_2015, None),
        2016: ("csww_2016_SFR08_2017_UD.csv", PUB_2016, "Average_caseload"),
    }
    for year, (fname, pub, caseload_col) in old_files.items():
        df = read_dfe_csv(data_dir / fname)
        y = str(year)
        colmap = {
            "fte_in_post": f"A1_FTE_ChildrensSocialWorkers_{y}",
            "starters_fte": f"B1_FTE_Starters_{y}",
            "leavers_fte": f"B2_FTE_Leavers_{y}",
            "turnover_rate_pct": f"B3_FTE_TurnoverRate_{y}",
            "agency_fte": f"D1_FTE_AgencyWorkers_{y}",
            "agency_rate_pct": f"D2_FTE_AgencyWorkerRate_{y}",
            "vacancies_fte": f"A2_FTE_Vacancies_{y}",
            "vacancy_rate_pct": f"A3_FTE_VacancyRate_{y}",
            "avg_caseload": caseload_col,
        }
        for area, row in old_csww_area_rows(df).items():
            rec = {"area": area, "area_code": ENGLAND_CODE if area == "England" else row["Region_code"], "year": year}
            for k, c in colmap.items():
                rec[k] = to_number(row[c]) if c else math.nan
            used = ", ".join(c for c in colmap.values() if c)
            rec["source"] = f"{pub}; {fname}: {used}; at/year to 30 Sep {year}"
            rows.append(rec)

    fname = "csww_indicators_2017_to_2025.csv"
    df = read_dfe_csv(data_dir / fname)
    colmap = {
        "fte_in_post": "inpost_fte",
        "starters_fte": "starters_fte",
        "leavers_fte": "leavers_fte",
        "turnover_rate_pct": "turnover_rate_fte",
        "agency_fte": "agency_fte",
        "agency_rate_pct": "agency_rate_fte",
        "vacancies_fte": "vacancy_fte",
        "vacancy_rate_pct": "vacancy_rate_fte",
        "avg_caseload": "caseload_fte",
    }
    nat = df["geographic_level"] == "National"
    se = (df["geographic_level"] == "Regional") & (df["region_code"] == SOUTH_EAST_CODE)
    for area, mask, code in [("England", nat, ENGLAND_CODE), ("South East", se, SOUTH_EAST_CODE)]:
        for _, row in df.loc[mask].sort_values("time_period").iterrows():
            year = int(row["time_period"])
            rec = {"area": area, "area_code": code, "year": year}
            for k, c in colmap.items():
                rec[k] = to_number(row[c])
            rec["source"] = (
                f"{PUB_2017_ON}; {fname}: {', '.join(colmap.values())}; "
                f"time_period={year}, geographic_level={row['geographic_level']}; at/year to 30 Sep {year}"
            )
            rows.append(rec)

    t = pd.DataFrame(rows)
    # Rates recomputed from the (rounded) FTE counts with the DfE definitions,
    # useful because the 2015 release publishes rates as whole percentages.
    t["turnover_rate_pct_calc"] = (100 * t["leavers_fte"] / t["fte_in_post"]).round(1)
    t["agency_rate_pct_calc"] = (100 * t["agency_fte"] / (t["agency_fte"] + t["fte_in_post"])).round(1)
    t["vacancy_rate_pct_calc"] = (100 * t["vacancies_fte"] / (t["vacancies_fte"] + t["fte_in_post"])).round(1)
    t = t.sort_values(["area", "year"]).reset_index(drop=True)
    return t[
        ["area", "area_code", "year"] + INDICATOR_COLS
        + ["turnover_rate_pct_calc", "agency_rate_pct_calc", "vacancy_rate_pct_calc", "source"]
    ]


# --------------------------------------------------------------------------
# (c) demand volumes
# --------------------------------------------------------------------------
DEMAND_YEARS = list(range(2013, 2019))  # years ending 31 March
# The CLA file supplied covers 2021-2025 only, so 2013-2018 cannot be filled
# from it; the available years are taken instead (see data/README.md).
CLA_POPULATION = "Children looked after on 31 March each year"


def _select_areas(df: pd.DataFrame) -> pd.DataFrame:
    nat = df["geographic_level"] == "National"
    las = (df["geographic_level"] == "Local authority") & df["old_la_code"].isin(FOCUS_LAS)
    x = df.loc[nat | las].copy()
    x["area"] = x.apply(lambda r: "England" if r["geographic_level"] == "National" else r["la_name"], axis=1)
    x["area_code"] = x.apply(
        lambda r: ENGLAND_CODE if r["geographic_level"] == "National" else r["new_la_code"], axis=1
    )
    x["year"] = x["time_period"].astype(int)
    return x


def table_demand(data_dir: Path) -> pd.DataFrame:
    specs = [
        # measure, file, value column, extra filter, publication, unit
        ("referrals_in_year", "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
         "referral_count", None, PUB_CIN, "referrals in year to 31 Mar"),
        ("cin_at_31_march", "b1_children_in_need_2013_to_2025.csv",
         "At31_episodes", None, PUB_CIN, "children in need at 31 Mar (episodes)"),
        ("cpp_at_31_march", "d5_cpps_at31march_by_duration_2013_to_2025.csv",
         "CPP_At31", None, PUB_CIN, "children on CP plans at 31 Mar"),
        ("cla_at_31_march", "cla_number_and_rate_per_10k_children.csv",
         "children_count", ("population_type", CLA_POPULATION), PUB_CLA, "children looked after at 31 Mar"),
    ]
    rows = []
    for measure, fname, col, flt, pub, unit in specs:
        df = read_dfe_csv(data_dir / fname)
        if flt:
            df = df.loc[df[flt[0]] == flt[1]]
        x = _select_areas(df)
        avail = sorted(x["year"].unique())
        years = [y for y in DEMAND_YEARS if y in avail]
        if not years:
            print(f"[c] WARNING: {fname} has no years in {DEMAND_YEARS[0]}-{DEMAND_YEARS[-1]} "
                  f"(available: {avail[0]}-{avail[-1]}); using all available years for {measure}")
            years = avail
        missing_las = set(FOCUS_LAS.values()) - set(x["area"])
        if missing_las:
            print(f"[c] WARNING: {fname} lacks {sorted(missing_las)}")
        x = x.loc[x["year"].isin(years)]
        if measure == "cpp_at_31_march":
            dur_cols = ["3_months_or_less", "more_than_3_months_6_months",
                        "more_than_6_months_less_than_1_year", "1_year_less_than_2_years", "2_years_or_more"]
            for _, r in x.iterrows():
                parts = [to_number(r[c]) for c in dur_cols]
                tot = to_number(r[col])
                if not any(math.isnan(p) for p in parts) and abs(sum(parts) - tot) > 0.5:
                    print(f"[c] note: {r['area']} {r['year']} CPP durations sum {sum(parts)} != CPP_At31 {tot}")
        for _, r in x.iterrows():
            where = f"{flt[0]}='{flt[1]}', " if flt else ""
            rows.append(dict(
                area=r["area"], area_code=r["area_code"], old_la_code=r["old_la_code"],
                year_ending_31_march=r["year"], measure=measure, value=to_number(r[col]), unit=unit,
                source=f"{pub}; {fname}: column {col}, {where}time_period={r['year']}, "
                       f"geographic_level={r['geographic_level']}",
            ))
    t = pd.DataFrame(rows)
    t["value"] = t["value"].round().astype("Int64")  # counts of children / referrals
    order = {"England": 0, "Slough": 1, "Kent": 2, "Medway": 3}
    morder = {s[0]: i for i, s in enumerate(specs)}
    t = t.sort_values(
        by=["area", "measure", "year_ending_31_march"],
        key=lambda s: s.map(order) if s.name == "area" else (s.map(morder) if s.name == "measure" else s),
    ).reset_index(drop=True)
    return t


# --------------------------------------------------------------------------
# (d) statistical neighbours
# --------------------------------------------------------------------------
def _neighbour_rows(data_dir: Path) -> tuple[str, list[list[str]], dict[str, str]]:
    """The neighbour groupings file: its name, its council rows, and names by 3-digit code."""
    fname = "New_Statistical_Neighbour_Groupings_April_2021.csv"
    with open(data_dir / fname, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh)]
    header = [h.strip() for h in rows[0]]
    if header[:6] != ["LA num", "LA Name", "LA number", "GOInd", "GOReg", "SN1"]:
        raise SystemExit(f"unexpected header in {fname}: {header[:6]}")
    body = [r for r in rows[1:] if r and r[0].strip()]
    names = {r[0].strip(): r[1].strip() for r in body}
    return fname, body, names


def table_statistical_neighbours(data_dir: Path) -> pd.DataFrame:
    fname, body, names = _neighbour_rows(data_dir)

    # Which years does each council have rows for in the 2017-2025 workforce
    # indicators file?  Some rows are joint returns coded e.g. '940 / 941'.
    ind = read_dfe_csv(data_dir / "csww_indicators_2017_to_2025.csv")
    ind = ind.loc[ind["geographic_level"] == "Local authority"]
    csww_years: dict[str, list[tuple[int, str]]] = {}
    for _, r in ind.iterrows():
        for c in r["old_la_code"].split("/"):
            csww_years.setdefault(c.strip(), []).append((int(r["time_period"]), r["old_la_code"]))

    def csww_coverage(code: str) -> str:
        hits = csww_years.get(code)
        if not hits:
            return "none"
        ys = sorted({y for y, _ in hits})
        joint = sorted({c for _, c in hits if "/" in c})
        txt = f"{ys[0]}-{ys[-1]}" if len(ys) == ys[-1] - ys[0] + 1 else ",".join(map(str, ys))
        return txt + (f" (joint row '{joint[0]}')" if joint else "")

    out = []
    for r in body:
        code = r[0].strip()
        if code not in FOCUS_LAS:
            continue
        for k in range(10):
            ncode = r[5 + 2 * k].strip()
            out.append(dict(
                la_code=code, la_name=r[1].strip(), region=r[4].strip(), rank=k + 1,
                neighbour_code=ncode, neighbour_name=names.get(ncode, ""),
                closeness=r[6 + 2 * k].strip(),
                neighbour_csww_2017_2025_years=csww_coverage(ncode),
                source=f"{PUB_SN}; {fname}: row 'LA num'={code}, columns SN{k + 1} and following SNP; "
                       f"names looked up by 'LA num' in the same file; "
                       f"neighbour_csww_2017_2025_years from csww_indicators_2017_to_2025.csv old_la_code",
            ))
    t = pd.DataFrame(out)
    return t


# --------------------------------------------------------------------------
# (e) every council: workforce and demand, long format
# --------------------------------------------------------------------------
COUNCIL_TABLE = "dfe_councils.csv.gz"
COUNCIL_SOURCES = "dfe_councils_sources.csv"
COUNCIL_NEIGHBOURS = "dfe_council_neighbours.csv"

# measure -> column, for each workforce file (a measure a file lacks is left out)
CSWW_MEASURES_2017_ON = {
    "fte_in_post": "inpost_fte",
    "starters_fte": "starters_fte",
    "leavers_fte": "leavers_fte",
    "turnover_rate_pct": "turnover_rate_fte",
    "agency_fte": "agency_fte",
    "agency_rate_pct": "agency_rate_fte",
    "agency_cover_fte": "agency_cover_fte",
    "agency_cover_rate_pct": "agency_cover_rate_fte",
    "vacancies_fte": "vacancy_fte",
    "vacancy_rate_pct": "vacancy_rate_fte",
    "vacancy_agency_cover_rate_pct": "vacancy_agency_cover_rate_fte",
    "case_holders_fte": "case_holders_fte",
    "cases": "cases",
    "caseload": "caseload_fte",
}
CSWW_MEASURES_OLD = {
    2015: {
        "fte_in_post": "A1_FTE_ChildrensSocialWorkers_2015",
        "starters_fte": "B1_FTE_Starters_2015",
        "leavers_fte": "B2_FTE_Leavers_2015",
        "turnover_rate_pct": "B3_FTE_TurnoverRate_2015",
        "agency_fte": "D1_FTE_AgencyWorkers_2015",
        "agency_rate_pct": "D2_FTE_AgencyWorkerRate_2015",
        "vacancies_fte": "A2_FTE_Vacancies_2015",
        "vacancy_rate_pct": "A3_FTE_VacancyRate_2015",
    },
    2016: {
        "fte_in_post": "A1_FTE_ChildrensSocialWorkers_2016",
        "starters_fte": "B1_FTE_Starters_2016",
        "leavers_fte": "B2_FTE_Leavers_2016",
        "turnover_rate_pct": "B3_FTE_TurnoverRate_2016",
        "agency_fte": "D1_FTE_AgencyWorkers_2016",
        "agency_rate_pct": "D2_FTE_AgencyWorkerRate_2016",
        "vacancies_fte": "A2_FTE_Vacancies_2016",
        "vacancy_rate_pct": "A3_FTE_VacancyRate_2016",
        "case_holders_fte": "A1e_FTE_Case_Holder_2016",
        "cases": "Number_of_cases",
        "caseload": "Average_caseload",
    },
}
OLD_CSWW_FILES = {2015: ("csww_2015_SFR07_2016_UD.csv", PUB_2015), 2016: ("csww_2016_SFR08_2017_UD.csv", PUB_2016)}
# measure, file, value column, (filter column, value), publication
DEMAND_MEASURES = [
    ("referrals_in_year", "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "referral_count", None, PUB_CIN),
    ("cin_at_31_march", "b1_children_in_need_2013_to_2025.csv", "At31_episodes", None, PUB_CIN),
    ("cpp_at_31_march", "d5_cpps_at31march_by_duration_2013_to_2025.csv", "CPP_At31", None, PUB_CIN),
    ("cla_at_31_march", "cla_number_and_rate_per_10k_children.csv", "children_count",
     ("population_type", CLA_POPULATION), PUB_CLA),
]
LEVELS = {"National": "national", "Regional": "regional", "Local authority": "local_authority"}


def _ees_rows(df: pd.DataFrame, measures: dict[str, str], source_prefix: str,
              sources: dict[str, dict]) -> list[dict]:
    """Long rows from an explore-education-statistics file (one row per area and year)."""
    out = []
    for _, r in df.iterrows():
        level = LEVELS.get(r["geographic_level"])
        if level is None:
            continue
        name = {"national": r["country_name"], "regional": r["region_name"]}.get(level, r["la_name"])
        for measure, col in measures.items():
            sid = f"{source_prefix}:{col}"
            if sid not in sources:
                raise SystemExit(f"unregistered source {sid}")
            out.append(dict(
                level=level, new_la_code=r["new_la_code"] if level == "local_authority" else "",
                old_la_code=r["old_la_code"] if level == "local_authority" else "",
                name=name, region=r["region_name"] if level != "national" else "",
                year=int(r["time_period"]), measure=measure, value=to_number(r[col]), source_id=sid,
            ))
    return out


def table_councils(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every council, region and England: workforce (2015-2025) and demand (2013-2025), one value a row."""
    sources: dict[str, dict] = {}
    rows: list[dict] = []

    fname = "csww_indicators_2017_to_2025.csv"
    for col in CSWW_MEASURES_2017_ON.values():
        sources[f"csww17:{col}"] = dict(publication=PUB_2017_ON, file=fname, column=col, row_filter="",
                                        when="at / year to 30 September of year")
    df = read_dfe_csv(data_dir / fname)
    rows += _ees_rows(df, CSWW_MEASURES_2017_ON, "csww17", sources)

    for year, (fname, pub) in OLD_CSWW_FILES.items():
        df = read_dfe_csv(data_dir / fname)
        prefix = f"csww{year % 100}"
        for col in CSWW_MEASURES_OLD[year].values():
            sources[f"{prefix}:{col}"] = dict(publication=pub, file=fname, column=col, row_filter="",
                                              when="at / year to 30 September of year")
        # area rows: England (no region, no LA), regions (no LA), councils
        regions = {c: n for c, n in zip(df["Region_code"], df["Region_name"]) if c}
        for _, r in df.iterrows():
            if r["LA_name"]:
                level, name, new, old, region = "local_authority", r["LA_name"], r["LA_code (9 digit)"], r["LA_code (3 digit)"], r["Region_name"]
            elif r["Region_name"]:
                level, name, new, old, region = "regional", r["Region_name"], "", "", r["Region_name"]
            elif r["Country_name"] == "England":
                level, name, new, old, region = "national", "England", "", "", ""
            else:
                continue
            for measure, col in CSWW_MEASURES_OLD[year].items():
                rows.append(dict(level=level, new_la_code=new, old_la_code=old, name=name,
                                 region=region or regions.get(r["Region_code"], ""), year=year, measure=measure,
                                 value=to_number(r[col]), source_id=f"{prefix}:{col}"))

    for measure, fname, col, flt, pub in DEMAND_MEASURES:
        df = read_dfe_csv(data_dir / fname)
        where = ""
        if flt:
            df = df.loc[df[flt[0]] == flt[1]]
            where = f"{flt[0]} = '{flt[1]}'"
        short = fname.split("_")[0]
        sources[f"{short}:{col}"] = dict(publication=pub, file=fname, column=col, row_filter=where,
                                         when="at 31 March / year to 31 March of year")
        rows += _ees_rows(df, {measure: col}, short, sources)

    t = pd.DataFrame(rows)
    dup = t.duplicated(["level", "new_la_code", "name", "year", "measure"], keep=False)
    if dup.any():
        raise SystemExit(f"duplicate rows: {t.loc[dup].head()}")
    t = t.sort_values(["level", "old_la_code", "name", "measure", "year"]).reset_index(drop=True)
    src_table = pd.DataFrame([dict(source_id=k, **v) for k, v in sorted(sources.items())])
    print(f"[e] councils table: {t['name'][t['level'] == 'local_authority'].nunique()} councils, "
          f"{len(t)} rows, {t['value'].isna().sum()} missing values")
    return t, src_table


def table_council_neighbours(data_dir: Path) -> pd.DataFrame:
    """The ten statistical neighbours of every council, by rank."""
    fname, body, names = _neighbour_rows(data_dir)
    out = []
    for r in body:
        for k in range(10):
            ncode = r[5 + 2 * k].strip()
            out.append(dict(old_la_code=r[0].strip(), name=r[1].strip(), rank=k + 1, neighbour_old_la_code=ncode,
                            neighbour_name=names.get(ncode, ""), closeness=r[6 + 2 * k].strip()))
    t = pd.DataFrame(out)
    t["source"] = f"{PUB_SN}; {fname}: columns SN1-SN10 and the SNP after each"
    return t


# --------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                    help=f"folder holding the raw DfE CSVs (default: {DEFAULT_DATA_DIR})")
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR,
                    help=f"where to write the derived tables (default: {DEFAULT_OUT_DIR})")
    ap.add_argument("--quiet", action="store_true", help="do not print the tables")
    args = ap.parse_args(argv)

    if not args.data_dir.is_dir():
        print(f"data dir not found: {args.data_dir} (the raw DfE files are not in the repo)", file=sys.stderr)
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)

    tables = {
        "dfe_time_in_service_2016.csv": table_time_in_service(args.data_dir),
        "dfe_workforce_indicators.csv": table_workforce_indicators(args.data_dir),
        "dfe_demand_volumes.csv": table_demand(args.data_dir),
        "dfe_statistical_neighbours.csv": table_statistical_neighbours(args.data_dir),
    }
    councils, council_sources = table_councils(args.data_dir)
    councils.to_csv(args.out_dir / COUNCIL_TABLE, index=False, lineterminator="\n",
                    compression={"method": "gzip", "mtime": 0})
    print(f"wrote {args.out_dir / COUNCIL_TABLE} ({len(councils)} rows)")
    council_sources.to_csv(args.out_dir / COUNCIL_SOURCES, index=False, lineterminator="\n")
    print(f"wrote {args.out_dir / COUNCIL_SOURCES} ({len(council_sources)} rows)")
    neighbours = table_council_neighbours(args.data_dir)
    neighbours.to_csv(args.out_dir / COUNCIL_NEIGHBOURS, index=False, lineterminator="\n")
    print(f"wrote {args.out_dir / COUNCIL_NEIGHBOURS} ({len(neighbours)} rows)")

    for name, t in tables.items():
        path = args.out_dir / name
        t.to_csv(path, index=False, lineterminator="\n")
        print(f"wrote {path} ({len(t)} rows)")
        if not args.quiet:
            with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 200):
                print(t.drop(columns=["source"]).to_string(index=False))
                print()

    if not args.quiet:
        d = tables["dfe_demand_volumes.csv"]
        wide = d.pivot_table(index=["area", "year_ending_31_march"], columns="measure", values="value", sort=False)
        with pd.option_context("display.width", 200):
            print("demand volumes, wide view:\n", wide.to_string())
    if _unknown_markers:
        print(f"WARNING: unparsed non-numeric values treated as missing: {sorted(_unknown_markers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
