"""The start state: a council's published state as a scenario (``wfsim init``).

Reads the shipped table ``data/dfe_councils.csv.gz`` (derived from DfE files by
``scripts/derive_reference_tables.py``) and writes a scenario that starts on
30 September of a year with the council's published workforce and children's
cases. Every value names its source (file, column, year) or the assumption
behind it. The rules are documented in ``docs/councils.md``.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from workforce_sim.errors import InputError
from workforce_sim.scenario.councils import (
    LINE_MIN_PAIRS,
    REQUIRED,
    Council,
    beyond_arising,
    beyond_retention,
    cite,
    establishment_series,
    find_council,
    load_table,
    matching_councils,
    series,
    shrinkage,
    uncovered_line,
    workforce_years,
    yearly_changes,
)
from workforce_sim.scenario.schema import Agency, Attrition, Pipeline

HISTORY_YEARS = 3          # years of the council's own history averaged for its rates
HORIZON_YEARS = 3          # default length of the run
TEAM_SIZE = 6              # case-holding social workers per team (one practice manager each)
BRIDGE_MONTHS = 4          # months over which the starters already in the pipeline start (as long as its first starts take, below)
NQSW_SHARE = 0.25          # share of permanent starters who join as NQSWs (assumption)
CAP_HEADROOM = 1.25        # cap = published caseload x this
DRIFT_QUANTILES = 40       # the establishment drift's yearly changes: this many quantiles of the pooled published changes
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def drift_section(c: Council, year: int, table: Optional[pd.DataFrame] = None, known_until: Optional[int] = None) -> tuple[dict[str, Any], str]:
    """(``establishment_drift`` mapping, its source): the yearly changes of every council's posts published by
    30 September of ``year``, as ``DRIFT_QUANTILES`` quantiles; with ``known_until``, the council's own published
    changes from ``year`` to ``known_until`` first (the history a calibration replays)."""
    est = establishment_series(table)
    changes = yearly_changes(est, year)
    out: dict[str, Any] = {}
    text = ""
    if len(changes) >= DRIFT_QUANTILES:
        q = np.quantile(changes, (np.arange(DRIFT_QUANTILES) + 0.5) / DRIFT_QUANTILES)
        out["annual_changes"] = [round(float(v), 4) for v in q]
        lo, mid, hi = np.quantile(changes, (0.05, 0.5, 0.95))
        text = (f"assumption: the council's posts change each year as councils' posts have (DfE csww, FTE in post + vacancies, "
                f"data/dfe_councils.csv.gz): {len(changes)} yearly changes of every council published by 30 September {year}, "
                f"as {DRIFT_QUANTILES} equally likely quantiles (median {mid:+.1%}, 90% between {lo:+.1%} and {hi:+.1%}); "
                f"a new draw each year")
    if known_until is not None and c.new_la_code in est.index:
        row = est.loc[c.new_la_code]
        known = []
        for y in range(year, known_until):
            a, b = row.get(y), row.get(y + 1)
            if a is None or b is None or not (np.isfinite(a) and np.isfinite(b)) or a <= 0:
                break
            known.append(round(float(np.clip(b / a - 1.0, -0.9, 3.0)), 4))
        if known:
            out["known"] = known
            text = (text + "; " if text else "") + (f"the council's own published changes {year}-{year + len(known)} first "
                                                    f"(FTE in post + vacancies, DfE csww)")
    return out, text

@dataclass
class Figure:
    value: Any
    source: str


class _Reader:
    """Figures of one council and year, falling back to the region and England with a range."""

    def __init__(self, c: Council, year: int, table: Optional[pd.DataFrame] = None):
        self.c, self.year = c, year
        self.t = load_table() if table is None else table
        # the first source of each measure and year (and of each measure), and the council's own rows: read once,
        # not on every figure
        first = self.t[["measure", "year", "source_id"]].drop_duplicates(["measure", "year"])
        self.sid_year = dict(zip(zip(first["measure"], first["year"]), first["source_id"]))
        by_measure = first.drop_duplicates("measure")
        self.sid = dict(zip(by_measure["measure"], by_measure["source_id"]))
        self.own = self.t[(self.t["level"] == "local_authority") & (self.t["new_la_code"] == c.new_la_code)]

    def sid_for(self, measure: str, year: int) -> str:
        return self.sid_year.get((measure, year), self.sid[measure])

    def at(self, measure: str) -> Optional[Figure]:
        s = series(self.c, measure, table=self.own)
        if self.year not in s.index:
            return None
        return Figure(float(s[self.year]), cite(self.sid_for(measure, self.year), self.year, self.c))

    def history(self, measure: str, years: int = HISTORY_YEARS) -> Optional[Figure]:
        """Mean of the council's own values in the years up to ``year``."""
        s = series(self.c, measure, table=self.own)
        s = s[(s.index <= self.year) & (s.index > self.year - years)]
        if s.empty:
            return None
        ys = list(s.index)
        src = cite(self.sid_for(measure, ys[-1]), ys[-1], self.c)
        span = f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0])
        return Figure(float(s.mean()), f"mean of {span}: " + src)

    def fallback(self, measure: str) -> Optional[Figure]:
        """A [low, high] range: the council's region and England in ``year``."""
        vals = []
        for level, name in (("regional", self.c.region), ("national", "England")):
            s = series(self.c, measure, level, name, self.t)
            if self.year in s.index:
                vals.append((float(s[self.year]), name))
        if not vals:
            return None
        lo, hi = min(v for v, _ in vals), max(v for v, _ in vals)
        sid = self.sid_for(measure, self.year)
        areas = " and ".join(n for _, n in vals)
        return Figure([lo, hi], f"not published for {self.c.name} in {self.year}; range of {areas}: "
                                + cite(sid, self.year, area=areas))

    def rate(self, measure: str) -> Figure:
        f = self.history(measure) or self.fallback(measure)
        if f is None:
            raise InputError(f"no DfE {measure} for {self.c.name}, its region or England in {self.year}", file="command line", key="--year")
        return f


def advert_success(starters_a_year: float, open_posts: float, pl: Pipeline, most: float = 0.95) -> float:
    """The chance an advert round fills its post (at most ``most``) for which ``open_posts`` vacancies give
    ``starters_a_year`` through the pipeline (Little's law: a vacancy lasts open_posts / starters a year).

    A vacancy's time to its start: failed rounds (advert and re-advert gap), the successful round (advert,
    shortlist, interview), then checks and notice, during which an offer is withdrawn at the pipeline's
    weekly rate (on average half-way) and the post advertised again. Where even a round that always
    fills cannot be that quick, ``most``."""
    lag = float(pl.offer_to_checks_days) + float(pl.checks_to_start_days)
    withdrawn = 1.0 - math.exp(-float(pl.withdrawal_per_week_before_start) * lag / 7)
    failed = float(pl.advert_days) + float(pl.readvert_gap_days)
    success = float(pl.advert_days) + float(pl.shortlist_to_interview_days) + float(pl.interview_to_offer_days)
    days = DAYS_PER_YEAR * open_posts / starters_a_year   # a vacancy's mean time to its start
    spare = days * (1 - withdrawn) - success - (1 - withdrawn) * lag - withdrawn * lag / 2
    return most if spare <= 0 else min(most, 1.0 / (1.0 + spare / failed))


def steady_tenure(attrition: Attrition, target: float, multiplier: float, growth: float, step: float = 0.01) -> tuple[float, list[dict[str, float]]]:
    """(k, initial_tenure): the scale k of ``attrition``'s tenure-band hazards for which their mean over the staff's
    years of service is ``target``, and those years of service (shares of ``attrition.initial_tenure``'s bands) as
    the scaled hazards, times the roles' mean ``multiplier``, keep them when the hires (at no years of service) grow
    by ``growth`` a year: the share of staff with t years is proportional to exp(-growth t) times the chance of
    staying t years. The two depend on each other; the fixed point is found in a few steps."""
    edges = [(float(b.min_years), float(b.max_years)) for b in attrition.initial_tenure]
    starts = [float(b.min_years) for b in attrition.tenure_bands]
    rates = np.array([float(b.hazard_per_year) for b in attrition.tenure_bands])
    t = np.arange(0.0, edges[-1][1], step) + step / 2                 # mid-points of the steps
    band = np.searchsorted(starts, t, side="right") - 1
    of_share = [int(np.searchsorted(starts, lo, side="right") - 1) for lo, _ in edges]
    shares = np.array([float(b.share) for b in attrition.initial_tenure])
    k = 1.0
    for _ in range(100):
        k_new = target / float(shares @ rates[of_share] / shares.sum())
        stay = np.exp(-np.cumsum(k_new * multiplier * rates[band] * step) + k_new * multiplier * rates[band] * step / 2)
        density = stay * np.exp(-growth * t)
        shares = np.array([density[(t >= lo) & (t < hi)].sum() for lo, hi in edges])
        shares /= shares.sum()
        if abs(k_new - k) < 1e-9:
            break
        k = k_new
    rounded = np.round(shares, 4)
    rounded[int(np.argmax(rounded))] += round(1.0 - float(rounded.sum()), 4)   # shares that sum to 1 exactly as written
    return k_new, [{"min_years": lo, "max_years": hi, "share": round(float(x), 4)} for (lo, hi), x in zip(edges, rounded)]


def _mid(v: Any) -> float:
    return float(sum(v) / 2) if isinstance(v, list) else float(v)


def _scale(v: Any, k: float, nd: int = 4) -> Any:
    return [round(x * k, nd) for x in v] if isinstance(v, list) else round(float(v) * k, nd)


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` whole numbers as evenly as possible."""
    out, done = [], 0
    for i in range(1, parts + 1):
        cum = round(total * i / parts)
        out.append(cum - done)
        done = cum
    return out


class CouncilWarning(UserWarning):
    """A council name that named several councils, and which one was taken (shown on stderr)."""


def _one_council(query: str, year: Optional[int], table: Optional[pd.DataFrame]) -> Council:
    """The council ``query`` names; a name used by several councils (an old and a new Dorset) is resolved by the
    one with workforce figures in ``year`` (saying so and naming them all), otherwise it is an error listing them."""
    found = matching_councils(query, table)
    if len(found) <= 1:
        return find_council(query, table)
    spans = {}
    for c in found:
        ys = workforce_years(c, table)
        spans[c.new_la_code] = f"figures {ys[0]}-{ys[-1]}" if ys else "no workforce figures"
    listing = "; ".join(f"{c.name} ({c.new_la_code}, old code {c.old_la_code}: {spans[c.new_la_code]})" for c in found)
    if year is not None:
        having = [c for c in found if year in workforce_years(c, table)]
        if len(having) == 1:
            c = having[0]
            warnings.warn(CouncilWarning(f"{query!r} names {len(found)} councils ({listing}); {year} is {c.name} "
                                         f"({c.new_la_code}, old code {c.old_la_code})"), stacklevel=3)
            return c
    if year is None:
        reason = "give one by its LA code"
    else:
        n_with = sum(year in workforce_years(c, table) for c in found)
        reason = f"{'none' if n_with == 0 else 'several'} with workforce figures in {year}; give one by its LA code"
    raise InputError(f"{query!r} names {len(found)} councils: {listing} ({reason})",
                     file="command line", key="COUNCIL")


def start_state(query: str, year: Optional[int] = None, horizon_years: int = HORIZON_YEARS,
             table: Optional[pd.DataFrame] = None, shocks: bool = False) -> tuple[Council, dict[str, Any]]:
    """(council, scenario as a plain mapping) for the council's published state on 30 September of ``year``.

    ``table`` (default the shipped one) is all it reads: ``table_through(year)`` gives a
    scenario built from what was published by the start date only (the backtest's origin).
    With ``shocks`` (``wfsim init``), the council's yearly shocks (``council_shocks``) from
    every council's published yearly changes up to ``year`` (``shocks_section``)."""
    c = _one_council(query, year, table)
    years = workforce_years(c, table)
    if not years:
        missing = [m for m in REQUIRED if series(c, m, table=table).empty]
        raise InputError(f"no DfE workforce figures for {c.name} ({c.old_la_code}) in any year "
                         f"(missing: {', '.join(missing)})", file="command line", key="COUNCIL")
    if year is None:
        year = years[-1]
    if year not in years:
        r = _Reader(c, year, table)
        missing = [m for m in REQUIRED if r.at(m) is None]
        raise InputError(f"no DfE {', '.join(missing)} for {c.name} in {year} "
                         f"(years with workforce figures: {years[0]}-{years[-1]})", file="command line", key="--year")
    r = _Reader(c, year, table)
    src: dict[str, str] = {}
    csww = "csww17" if year >= 2017 else f"csww{year % 100}"

    fte, agency, vac = r.at("fte_in_post"), r.at("agency_fte"), r.at("vacancies_fte")
    cover = r.at("vacancy_agency_cover_rate_pct") or r.fallback("vacancy_agency_cover_rate_pct")
    cover_share = min(1.0, max(0.0, _mid(cover.value) / 100)) if cover else 1.0
    permanent = int(round(fte.value))
    agency_posts = int(round(agency.value))
    vacancies = int(round(vac.value))
    # a post without a permanent holder is a vacancy, agency-held or not (the DfE's definition): agency workers
    # hold vacancies up to their number, the rest are uncovered; agency workers beyond the vacancies (absence
    # cover, extra capacity) hold places beyond the establishment, which are not vacancies
    in_vacancies = min(agency_posts, vacancies)
    beyond = agency_posts - in_vacancies
    uncovered = vacancies - in_vacancies
    posts = permanent + agency_posts + uncovered

    # teams: case holders from the published share of staff holding cases
    holders = r.at("case_holders_fte")
    staffed = fte.value + agency.value
    holder_share = min(1.0, holders.value / staffed) if holders and staffed > 0 else None
    if holder_share is None:
        hf = r.fallback("case_holders_fte")
        ff, af = r.fallback("fte_in_post"), r.fallback("agency_fte")
        holder_share = min(1.0, _mid(hf.value) / (_mid(ff.value) + _mid(af.value))) if hf and ff and af else 0.6
        holders_src = f"share of staff holding cases {holder_share:.3f} from England and region ({hf.source if hf else 'assumption: 0.6'})"
    else:
        holders_src = f"case holders {holders.value:g} FTE of {staffed:g} staffed FTE: {holders.source}"
    case_posts = max(1, round(posts * holder_share))
    n_teams = max(1, round(case_posts / TEAM_SIZE))
    case_posts = min(case_posts, posts - n_teams) if posts > n_teams else max(1, posts - 1)
    other = posts - case_posts - n_teams
    if other < 0:
        n_teams = max(1, posts - case_posts)
        other = posts - case_posts - n_teams
    base, extra = divmod(case_posts, n_teams)
    team_types: dict[str, Any] = {}
    teams: list[dict[str, Any]] = []
    if posts < 2:   # one post: a lone social worker, no practice manager (Isles of Scilly in some years)
        other = 0
        team_types["team"] = {"description": "Case-holding team: a single social worker post", "group": "social_work_teams",
                              "posts": [{"role": "social_worker", "count": max(1, posts)}]}
        teams.append({"type": "team", "count": 1})
    else:
        for key, size, count in (("large_team", base + 1, extra), ("team", base, n_teams - extra)):
            if count > 0 and size > 0:
                team_types[key] = {"description": f"Case-holding team: a practice manager and {size} social workers",
                                   "group": "social_work_teams",
                                   "posts": [{"role": "practice_manager", "count": 1}, {"role": "social_worker", "count": size}]}
                teams.append({"type": key, "count": count})
    if other > 0:
        team_types["qualified_without_cases"] = {
            "description": "Qualified social workers in post who hold no cases (managers, reviewing, quality assurance)",
            "group": "social_work_teams", "posts": [{"role": "practice_manager", "count": other}]}
        teams.append({"type": "qualified_without_cases", "count": 1})
    case_types = [k for k in team_types if k != "qualified_without_cases"]
    src["team_types"] = (f"rule in docs/councils.md: {posts} posts and places = FTE in post + agency FTE + uncovered vacancies; "
                         f"{case_posts} case-holding social worker posts ({holders_src}) in teams of about {TEAM_SIZE} "
                         f"with a practice manager each (assumption: team size); the rest hold no cases")
    src["teams"] = src["team_types"]

    src["initial_staffing"] = (f"permanent {permanent} = FTE in post {fte.value:g} ({fte.source}); agency {agency_posts} = agency FTE "
                               f"{agency.value:g} ({agency.source}); uncovered {uncovered} = vacancies {vac.value:g} ({vac.source}) less agency FTE, "
                               f"at least 0 (agency-held posts are vacancies); beyond the establishment {beyond} = agency FTE less vacancies, "
                               f"at least 0 (agency workers covering absence or adding capacity: not vacancies); rounded to whole posts")

    beyond_section: dict[str, Any] = {}
    if beyond:
        beyond_section["agency_beyond_establishment"] = beyond
        kept, pairs = beyond_retention(year, r.t)
        if pairs and 0 < kept < 1:
            beyond_section["agency_beyond_joins_per_year"] = round(-math.log(kept), 4)
            src["initial_staffing"] += (
                f"; agency_beyond_joins_per_year derived (docs/councils.md): -ln of the share of councils' agency FTE beyond their vacancies still beyond them a year "
                f"later, {kept:.3f} over {pairs} council-years published by 30 September {year} (DfE csww agency_fte and vacancy_fte, "
                f"data/dfe_councils.csv.gz)")
    else:
        once, twice, n1, n2 = beyond_arising(year, r.t)
        q = twice / once - 1 if once > 0 else float("nan")
        if min(n1, n2) >= LINE_MIN_PAIRS and 0 < q < 1:
            ends = -math.log(q)
            arising = round(once / (1 - q) * ends * fte.value, 4)
            if arising > 0:
                beyond_section["agency_beyond_arising_per_year"] = arising
                beyond_section["agency_beyond_ends_per_year"] = round(ends, 4)
                src["initial_staffing"] += (
                    f"; agency_beyond_arising_per_year and agency_beyond_ends_per_year derived (docs/councils.md): where councils had no "
                    f"agency FTE beyond their vacancies, such an excess of {100 * once:.2f}% of their FTE in post a year later "
                    f"({n1} council-years) and {100 * twice:.2f}% two years later ({n2}), published by 30 September {year} (DfE csww "
                    f"agency_fte, vacancy_fte and fte_in_post, data/dfe_councils.csv.gz): places end at {ends:.4f} a year "
                    f"(-ln({twice:.4f} / {once:.4f} - 1)) and arise at {100 * once / (1 - q):.2f}% x that rate x FTE in post {fte.value:g}")

    # attrition: default tenure shape scaled to the council's turnover, its mean of three years shrunk towards every
    # council's as far as such means have carried into the next year (docs/councils.md)
    turnover = r.rate("turnover_rate_pct")
    if not isinstance(turnover.value, list):
        a, b, pairs = shrinkage("turnover_rate_pct", year, r.t, HISTORY_YEARS)
        if pairs >= LINE_MIN_PAIRS and 0 < b <= 1:
            shrunk = min(95.0, max(0.0, a + b * turnover.value))
            turnover = Figure(round(shrunk, 4), (
                f"{a:.2f} + {b:.3f} x the council's mean {turnover.value:.2f} ({turnover.source}): the least-squares line of a "
                f"council's next-year turnover on its mean of {HISTORY_YEARS} years, over {pairs} council-years published by "
                f"30 September {year} (DfE csww turnover_rate_pct, data/dfe_councils.csv.gz)"))
    default = Attrition()
    # the roles' mean multiplier of the hazard: permanent workers hold posts at random, and managers leave less
    # often (role_multiplier); the scale leaves it out (the turnover it gives is nearer councils' next-year
    # turnover, docs/councils.md), and the expected leavers count it
    sw_posts = sum(t["count"] * sum(p["count"] for p in team_types[t["type"]]["posts"] if p["role"] == "social_worker") for t in teams)
    mult = default.role_multiplier
    mean_m = (sw_posts * float(mult["social_worker"]) + (posts - sw_posts) * float(mult["practice_manager"])) / max(1, posts)
    drift, drift_src = drift_section(c, year, r.t)
    growth = float(np.mean(drift["annual_changes"])) if drift.get("annual_changes") else 0.0

    def hazard(t_pct: float) -> float:
        return -math.log(1 - min(t_pct, 95.0) / 100)

    # the scale k and the staff's years of service together: the mix the council's own hazards and hiring keep
    # (steady_tenure), so that the leaving rate stays as the turnover sets it instead of drifting up as the
    # hires replace the England 2016 mix (docs/councils.md)
    middle = _mid(turnover.value)
    k_mid, tenure = steady_tenure(default, hazard(middle), mean_m, growth)
    if isinstance(turnover.value, list):
        ks = [k_mid * hazard(v) / hazard(middle) for v in turnover.value]
        bands = [{"min_years": b.min_years, "hazard_per_year": [round(float(b.hazard_per_year) * ks[0], 4), round(float(b.hazard_per_year) * ks[1], 4)]}
                 for b in default.tenure_bands]
    else:
        bands = [{"min_years": b.min_years, "hazard_per_year": round(float(b.hazard_per_year) * k_mid, 4)} for b in default.tenure_bands]
    src["attrition.tenure_bands"] = ("England 2016 tenure shape (default bands) scaled so the mean hazard over the staff's years of "
                                     f"service (attrition.initial_tenure) equals -ln(1 - turnover); turnover % {turnover.value}: {turnover.source}")
    src["attrition.initial_tenure"] = (f"derived (docs/councils.md): the years of service that the tenure bands' hazards (times the roles' mean "
                                       f"multiplier {mean_m:.3f}) keep when the hires grow with the posts ({growth:+.2%} a year), in the "
                                       "England 2016 bands (DfE SFR08/2017, data/dfe_time_in_service_2016.csv)")

    # recruitment: the pipeline replaces the expected leavers and grows the permanent staff with the posts, less the NQSW
    # intake and conversions, so that the start is steady in expectation (docs/councils.md: a council's gap between
    # its published starters and leavers does not predict its vacancy or agency rate)
    starters = r.rate("starters_fte")
    starters_yr = _mid(starters.value)
    nqsw_yr = int(round(NQSW_SHARE * starters_yr))
    # the leavers the hazards give: their mean over the staff is -ln(1 - turnover) times the roles' multiplier, a rate
    # per FTE a year that the staff who replace the leavers face too (not the turnover, the share of a closed group
    # leaving within a year, which planned about a tenth too few and let the vacancies grow)
    leavers_yr = mean_m * permanent * hazard(middle)
    conversions_yr = float(Agency().conversion_per_year) * in_vacancies if agency_posts else 0.0
    # the posts grow by ``growth``; for the rates to stay, the permanent staff grow by as much (the new posts'
    # share that stays vacant keeps the vacancies growing with them)
    pipe_yr = max(0.0, leavers_yr + growth * permanent - nqsw_yr - conversions_yr)
    open_posts = in_vacancies + uncovered
    pl = Pipeline()
    q = float(pl.p_interview) * float(pl.p_offer) * float(pl.p_accept)
    if pipe_yr > 0:   # no published vacancy: one open post (the first leaver's), so that leavers are replaced
        s = advert_success(pipe_yr, max(1, open_posts), pl)
        applicants = round(-math.log(1 - s) / q, 3)
    else:
        applicants = 0.0
    recruitment: dict[str, Any] = {"pipeline": {"applicants_per_advert": {"practice_manager": applicants, "consultant_practitioner": applicants,
                                                                          "social_worker": applicants}}}
    src["recruitment.pipeline.applicants_per_advert"] = (
        f"derived (docs/councils.md): {pipe_yr:.1f} pipeline starters a year over {max(1, open_posts)} open posts (vacancies, at least 1), "
        f"with the default pipeline's stage probabilities and times: the expected leavers ({leavers_yr:.1f} a year: the hazard -ln(1 - turnover) for turnover % {turnover.value} "
        f"times {permanent} FTE in post, times the roles' mean hazard multiplier {mean_m:.3f}: {sw_posts} of {posts} posts social workers) and the permanent staff's growth with the posts' ({growth:+.2%} a year of {permanent}: the mean of "
        f"establishment_drift's changes; the vacancies grow with the posts too) less the NQSW intake ({nqsw_yr}) and conversions ({conversions_yr:.1f}: the default rate on {in_vacancies} agency-held "
        f"vacancies), so the start is steady in expectation; the council's published starters ({starters.value}: {starters.source}) set "
        f"only the NQSW intake, because a council's gap between starters and leavers does not predict its vacancy or agency rate "
        f"(scripts/hiring_balance.py)")
    # starters already in the pipeline on the start date, so hires do not pause while the first adverts run
    # as many as the pipeline would have started in the time its own first starts take (advert, shortlist,
    # interview, checks, notice: 133 days by default), over the first BRIDGE_MONTHS months
    first_days = sum(float(getattr(pl, k)) for k in ("advert_days", "shortlist_to_interview_days", "interview_to_offer_days",
                                                      "offer_to_checks_days", "checks_to_start_days"))
    bridge = _spread(int(round(pipe_yr * first_days / DAYS_PER_YEAR)), BRIDGE_MONTHS)
    start = dt.date(year, 9, 30)
    apps = []
    for i, n in enumerate(bridge):
        if n > 0:
            apps.append({"date": (start + dt.timedelta(days=round(DAYS_PER_MONTH * (i + 0.5)))).isoformat(), "role": "social_worker",
                         "count": n, "note": "starters already in the recruitment pipeline on the start date"})
    if apps:
        recruitment["appointments"] = apps
        src["recruitment.appointments"] = (f"assumption: offers made before the start date start over the first {BRIDGE_MONTHS} months: "
                                           f"as many as the council's {pipe_yr:.1f} pipeline starters a year (see "
                                           f"recruitment.pipeline.applicants_per_advert) give in the {first_days:g} days the default "
                                           f"pipeline takes to its first starters (advert, shortlist, interview, checks, notice)")

    # agency: cover rate balancing the flows at the start (docs/councils.md)
    ag = Agency()
    end_rate = 1 / (float(ag.assignment_mean_months) * DAYS_PER_MONTH)
    conv = float(ag.conversion_per_year) / DAYS_PER_YEAR
    hire = pipe_yr / DAYS_PER_YEAR / max(1, open_posts)
    agency_section: dict[str, Any]
    if agency_posts == 0:
        agency_section = {"enabled": False}
        src["agency.enabled"] = f"no agency workers published ({agency.source})"
    else:
        p = max(0.05, min(1.0, cover_share))
        # the balance the cover keeps: the council's uncovered share of its vacancies shrunk towards every council's
        # as far as such shares have carried into the next year (half the gap closes in a year: docs/councils.md)
        share = uncovered / vacancies if vacancies else 0.0
        line = uncovered_line(year, r.t)
        if vacancies and line.pairs >= LINE_MIN_PAIRS and 0 < line.b <= 1:
            share = min(1.0, max(0.0, line.a + line.b * share))
            kept_src = (f"the council's uncovered share {uncovered}/{vacancies} shrunk to {share:.3f} by {line.a:.3f} + {line.b:.3f} x the share: "
                        f"the least-squares line of councils' next-year uncovered share of their vacancies on this year's, over "
                        f"{line.pairs} council-years published by 30 September {year} (DfE csww agency_fte and vacancies_fte, "
                        f"data/dfe_councils.csv.gz)")
        else:
            kept_src = f"the council's uncovered share {uncovered}/{max(1, vacancies)} (too few council-years for a line)"
        days_to_cover = share / ((end_rate + conv + hire) * (1.0 - share)) if share < 1 else 730.0
        days_to_cover = min(730.0, max(1.0, days_to_cover))
        agency_section = {"cover_probability": round(p, 3), "cover_lag_days": round(days_to_cover * p, 2)}
        src["agency.cover_probability"] = f"vacancy agency cover rate {100 * cover_share:.1f}%: {cover.source if cover else 'assumption'}"
        src["agency.cover_lag_days"] = (f"derived (docs/councils.md): uncovered vacancies are covered after {days_to_cover:.1f} days on average, "
                                        f"so that agency-held and uncovered vacancies stay in balance at {kept_src}, given assignment ends, "
                                        f"conversions and hires at the default rates")

    # NQSWs: one cohort a year holding the year's intake, its starts spread over the twelve months
    # (on the 15th of each month from the month after the start)
    end = dt.date(year + horizon_years, 9, 30)
    cohorts = []
    for k in range(horizon_years):
        date = dt.date(year + k + start.month // 12, start.month % 12 + 1, 15)
        if nqsw_yr > 0 and date < end:
            cohorts.append({"date": date.isoformat(), "count": nqsw_yr, "spread_months": 12})
    nqsw: dict[str, Any] = {"cohorts": cohorts}
    if cohorts:
        src["nqsw.cohorts"] = (f"assumption: a quarter ({NQSW_SHARE}) of the council's permanent starters ({starters_yr:.1f} a year: "
                               f"{starters.source}) join as NQSWs, {nqsw_yr} a year, one cohort a year spread evenly over the months (the DfE files count "
                               f"neither NQSW starters nor their start months; one intake on one day makes the agency rate jump, "
                               f"docs/councils.md)")

    scenario: dict[str, Any] = {
        "name": f"{c.slug}_{year}",
        "council": c.name,
        "la_code": c.new_la_code,
        "description": f"{c.name}'s children's social work service on 30 September {year} as published by the DfE (generated by wfsim init).",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "team_types": team_types,
        "teams": teams,
        "initial_staffing": [{"group": "social_work_teams", "permanent_posts": permanent, "agency_posts": agency_posts,
                              "vacant_uncovered_posts": uncovered, **beyond_section}],
        "attrition": {"tenure_bands": bands, "initial_tenure": tenure},
        "recruitment": recruitment,
        "agency": agency_section,
        "nqsw": nqsw,
        "targets": _targets(start, end),
    }
    if drift:
        scenario["establishment_drift"] = drift
        src["establishment_drift"] = drift_src
    src["la_code"] = f"new LA code of {c.name} ({c.old_la_code}) in the DfE table data/dfe_councils.csv.gz"
    src["start_date"] = f"DfE workforce figures are at 30 September ({csww} files), {year}"
    src["end_date"] = f"assumption: {horizon_years} years"
    demand = _demand(r, c, year, case_types, holders, src)
    if demand is not None:
        scenario["demand"], scenario["caseload"] = demand
    if shocks:
        section, shock_src = shocks_section(load_table() if table is None else table, year)
        if section:
            scenario["council_shocks"] = section
            src["council_shocks"] = shock_src
    scenario["sources"] = src
    return c, scenario


def _demand(r: _Reader, c: Council, year: int, case_types: list[str], holders: Optional[Figure], src: dict[str, str]):
    """Referrals, plans and opening cases so that the stocks of each case type are steady."""
    dyear = year + 1  # 31 March after the 30 September start is nearest; fall back to the one before
    figs = {}
    for m in ("referrals_in_year", "cin_at_31_march", "cpp_at_31_march", "cla_at_31_march"):
        s = series(c, m, table=r.own)
        avail = [y for y in (year + 1, year) if y in s.index] or [y for y in s.index if abs(y - year) <= 4]
        if not avail:
            return None
        y = min(avail, key=lambda v: (abs(v - dyear), -v))
        figs[m] = Figure(float(s[y]), cite(r.sid_for(m, y), y, c))
    caseload = r.at("caseload") or r.fallback("caseload")
    if caseload is None:
        return None
    R = figs["referrals_in_year"].value
    cp, lac = figs["cpp_at_31_march"].value, figs["cla_at_31_march"].value
    cin = max(0.0, figs["cin_at_31_march"].value - cp - lac)
    outcomes = {"close": 0.45, "cin": 0.45, "cp": 0.07, "lac": 0.03}
    nxt = {"cin": {"close": 0.93, "cp": 0.05, "lac": 0.02}, "cp": {"close": 0.30, "cin": 0.60, "lac": 0.10}, "lac": {"close": 0.85, "cin": 0.15}}
    # steady inflows: x = R * o + x . N  (three plan types)
    import numpy as np
    types = ["cin", "cp", "lac"]
    N = np.array([[nxt[a].get(b, 0.0) for b in types] for a in types])
    inflow = np.linalg.solve(np.eye(3) - N.T, np.array([R * outcomes[t] for t in types]))
    stock = {"cin": cin, "cp": cp, "lac": lac}
    assess_days = 30.0
    plans = {}
    for t, x in zip(types, (float(v) for v in inflow)):
        mean_days = max(7.0, DAYS_PER_YEAR * stock[t] / x) if x > 0 else 365.0
        plans[t] = {"duration": {"dist": "lognormal", "mean_days": round(mean_days, 1), "cv": 1.0}, "next": nxt[t]}
    assess_stock = R * assess_days * 1.5 / DAYS_PER_YEAR  # calendar days at full capacity, slower when shared
    total = assess_stock + cin + cp + lac
    mix = {"assessment": assess_stock / total, "cin": cin / total, "cp": cp / total, "lac": lac / total}
    mix = {k: round(v, 4) for k, v in mix.items()}
    mix["cin"] = round(1 - mix["assessment"] - mix["cp"] - mix["lac"], 4)
    per_worker = _mid(caseload.value)
    cap = math.ceil(per_worker * CAP_HEADROOM)
    demand = {
        "referrals": {"rate_per_year": round(R, 1)},
        "assessment": {"work_calendar_days": {"dist": "lognormal", "mean_days": assess_days, "cv": 0.6}, "outcomes": outcomes},
        "plans": plans,
        "opening": {t: {"cases_per_worker": round(per_worker, 2), "mix": mix} for t in case_types},
    }
    caseload_section = {
        "routes": {t: list(case_types) for t in ("assessment", "cin", "cp", "lac")},
        "cap": cap,
        "role_share": {"practice_manager": 0.0, "consultant_practitioner": 0.5, "social_worker": 1.0},
        "overflow": "least_loaded",
    }
    src["demand.referrals.rate_per_year"] = figs["referrals_in_year"].source
    src["demand.assessment.outcomes"] = "assumption: shares used in the shipped council scenarios (no council split in the supplied DfE files)"
    src["demand.plans"] = (f"durations so that each stock is steady at its published size (docs/councils.md): children in need other than CP and "
                           f"looked after {cin:g} = {figs['cin_at_31_march'].source} less CP plans and looked after; CP plans {cp:g}: "
                           f"{figs['cpp_at_31_march'].source}; looked after {lac:g}: {figs['cla_at_31_march'].source}; step-up and step-down shares "
                           f"are assumptions")
    src["demand.opening"] = (f"published caseload {caseload.value} per case holder: {caseload.source}; mix of case types from the same stocks; "
                             f"assessments in progress: referrals x {assess_days:g} days x 1.5 / 365 (assumption)")
    src["caseload.cap"] = f"assumption: published caseload x {CAP_HEADROOM}, rounded up, so that published caseloads do not count as pressure"
    src["caseload.routes"] = "assumption: generic case-holding teams take every case type"
    src["caseload.overflow"] = "assumption: cases are allocated over the cap rather than left unallocated"
    src["caseload.role_share"] = "assumption: practice managers and staff without cases hold none (DfE case holders)"
    return demand, caseload_section


def write_start_state(query: str, year: Optional[int] = None, out: Optional[Path | str] = None, scenarios_dir: Path = Path("scenarios")) -> Path:
    """Write the council's scenario to ``out`` (default ``scenarios/<slug>_<year>.yaml``; a folder, existing or
    written with a trailing slash: ``<slug>_<year>.yaml`` inside it); never overwrites."""
    import yaml

    c, scenario = start_state(query, year, shocks=True)
    path = Path(out) if out is not None else scenarios_dir / f"{scenario['name']}.yaml"
    if out is not None and (str(out).endswith(("/", os.sep)) or path.is_dir()):   # a folder: the file goes inside it
        path = path / f"{scenario['name']}.yaml"
    if path.exists():
        raise InputError("exists; choose another file (init never overwrites)", file="--out", key=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (f"# {c.name} ({c.new_la_code}, {c.old_la_code}), generated by 'wfsim init' from the DfE table\n"
              f"# data/dfe_councils.csv.gz; every value's source is under 'sources:'.\n")
    text = header + yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True, width=120)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
    return path


def _targets(start: dt.date, end: dt.date) -> dict:
    """The targets of a generated scenario: the permanence benchmark, and the DfE's own
    measures as indicators one year on (to set beside the published figures)."""
    one_year = start + dt.timedelta(days=364)  # inside a run of one year or more
    last = end - dt.timedelta(days=1)
    indicator = "an indicator (no threshold): the DfE measure one year on, to compare with the published figure"
    return {
        "permanent_share": {"measure": "permanent_share", "threshold": 0.8, "direction": "at_least", "date": last.isoformat(),
                            "title": "Permanent social work staff",
                            "source": "assumption: the 80% permanent benchmark of DESIGN.md section 2; the council sets its own"},
        "agency_share": {"measure": "agency_share", "date": one_year.isoformat(), "title": "Agency rate", "source": indicator},
        "vacancy_rate": {"measure": "vacancy_rate", "date": one_year.isoformat(), "title": "Vacancy rate", "source": indicator},
        "permanent_turnover": {"measure": "permanent_turnover", "date": one_year.isoformat(), "title": "Turnover", "source": indicator},
    }


SHOCK_QUANTILES = 40       # council shocks: this many quantiles of the published yearly changes
SHOCK_MEASURES = {          # rate shocked -> (published rate, published count behind it: its chance noise)
    "attrition": ("turnover_rate_pct", "leavers_fte"),
    "applicants": ("starters_rate", "starters_fte"),
    "agency_cover": ("agency_rate_pct", "agency_fte"),
    "hiring": ("vacancy_rate_pct", "vacancies_fte"),   # the time to hire sets the vacancies (scripts/hiring_levers.py)
}


# ------------------------------------------------------------------ council shocks from the published table
def _noise_share(d: np.ndarray, noise: np.ndarray) -> float:
    """The share of the changes' variance not explained by chance (robust variance, from the IQR)."""
    q1, q3 = np.quantile(d, (0.25, 0.75))
    var = ((q3 - q1) / 1.349) ** 2
    return float(max(0.0, 1.0 - np.nanmedian(noise) / var)) if var > 0 else 0.0


def _persistence(w: pd.DataFrame, measure: str, count: str) -> tuple[float, int]:
    """(rho, pairs): how far a council's published rate carries its moves into the next year, from every pair of
    successive yearly changes of a council (three years running) in ``w`` (one row per council and year). For a
    rate that is its council's level x_t (an AR(1): x_t = rho x_{t-1} + e_t) plus the chance of its counts, the
    correlation of successive changes of x is -(1 - rho) / 2; the counts' chance (Poisson: 1 / count a year) is
    taken out of both the covariance (the middle year's) and the variance, and the changes are clipped to their
    1st and 99th percentiles. rho between 0 (a fresh move each year) and 1 (a random walk); NaN without pairs."""
    b = w.assign(year=w["year"] - 1)
    c = w.assign(year=w["year"] - 2)
    t = w.merge(b, on=["new_la_code", "year"], suffixes=("", "_b")).merge(
        c.rename(columns={measure: f"{measure}_c", count: f"{count}_c"}), on=["new_la_code", "year"]).dropna()
    if len(t) < 3:
        return float("nan"), len(t)
    d1 = np.log(t[f"{measure}_b"].to_numpy() / t[measure].to_numpy())
    d2 = np.log(t[f"{measure}_c"].to_numpy() / t[f"{measure}_b"].to_numpy())
    lo, hi = np.quantile(np.r_[d1, d2], (0.01, 0.99))
    d1, d2 = np.clip(d1, lo, hi), np.clip(d2, lo, hi)
    first, middle = 1.0 / t[count].to_numpy(), 1.0 / t[f"{count}_b"].to_numpy()
    cov = float(np.cov(d1, d2)[0, 1]) + float(np.median(middle))
    var = 0.5 * (float(d1.var()) + float(d2.var())) - float(np.median(first + middle))
    if var <= 0:
        return float("nan"), len(t)
    return min(1.0, max(0.0, 1.0 + 2.0 * cov / var)), len(t)


def shocks_section(table: pd.DataFrame, through: int, quantiles: int = SHOCK_QUANTILES) -> tuple[dict[str, Any], str]:
    """(``council_shocks`` mapping, its source) from every council's yearly changes published by 30 September
    of ``through``: for each shocked rate, the published rate's yearly change on a log scale, centred on its
    median, less the part the published counts' chance explains (Poisson: 1 / count a year), as ``quantiles``
    equally likely values; and how far the rate carries a year's move into the next (``_persistence``: rho).
    A change is the difference of two years' levels, so a year's own shock (the innovation) has (1 + rho) / 2
    of its variance: half for shocks drawn afresh each year (rho 0), all of it for a random walk (rho 1).
    Nothing published after ``through`` is read."""
    t = table[(table["level"] == "local_authority") & (table["year"] <= through) & table["value"].notna()]
    wide = t.drop_duplicates(["new_la_code", "year", "measure"]).pivot_table(index=["new_la_code", "year"], columns="measure",
                                                                             values="value")
    if {"starters_fte", "fte_in_post"} <= set(wide.columns):
        wide["starters_rate"] = wide["starters_fte"] / wide["fte_in_post"].where(wide["fte_in_post"] > 0)
    changes: dict[str, list[float]] = {}
    persistence: dict[str, float] = {}
    notes = []
    for rate, (measure, count) in SHOCK_MEASURES.items():
        if measure not in wide.columns or count not in wide.columns:
            continue
        w = wide[[measure, count]].where(wide[[measure, count]] > 0).reset_index()
        nxt = w.assign(year=w["year"] - 1)
        pair = w.merge(nxt, on=["new_la_code", "year"], suffixes=("", "_next")).dropna()
        if len(pair) < quantiles:
            continue
        d = np.log(pair[f"{measure}_next"].to_numpy() / pair[measure].to_numpy())
        d = d - np.median(d)
        noise = 1.0 / pair[count].to_numpy() + 1.0 / pair[f"{count}_next"].to_numpy()
        rho, pairs = _persistence(w, measure, count)
        rho = 0.0 if not math.isfinite(rho) else round(rho, 3)
        k = math.sqrt(_noise_share(d, noise) * (1.0 + rho) / 2.0)
        q = np.quantile(np.clip(d * k, -3, 3), (np.arange(quantiles) + 0.5) / quantiles)
        changes[rate] = [round(float(v), 4) for v in q]
        if rho > 0:
            persistence[rate] = rho
        lo, hi = np.quantile(d * k, (0.05, 0.95))
        notes.append(f"{rate} from {measure} ({len(pair)} changes, years {int(pair['year'].min())}-{int(pair['year'].max()) + 1}; "
                     f"90% of yearly multipliers {math.exp(lo):.2f}-{math.exp(hi):.2f}; persistence {rho:.2f} from {pairs} pairs of "
                     f"successive changes)")
    if not changes:
        return {}, ""
    text = (f"assumption: the council's own yearly shocks as councils' published yearly changes up to 30 September {through} show "
            f"them (DfE csww, data/dfe_councils.csv.gz; log changes centred, less the counts' chance, times (1 + persistence) / 2 in "
            f"variance; persistence from the correlation of a council's successive changes): " + "; ".join(notes))
    section: dict[str, Any] = {"changes": changes, "scale": 1.0}
    if persistence:
        section["persistence"] = persistence
    return section, text
