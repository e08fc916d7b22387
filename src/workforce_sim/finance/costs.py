"""The cost of one replication's workforce, by month and component.

Derived from the model's spell table (one row per worker in a post) and the
scenario's dated items, after the run:

- ``salaries``: permanent workers' pay points (see ``pay``) x FTE x days;
- ``market_supplement``: amount per FTE-year for eligible permanent workers
  from its start date;
- ``employer_on_costs``: on-cost rate x salaries (and supplement);
- ``relocation``: one package per external permanent recruit who takes it up
  (a draw from the ``relocation`` stream), on the start day;
- ``agency``: billable days (days x FTE x working days a year / 365.25) x the
  day rate of the role, or x a premium over the permanent day cost;
- ``recruitment_campaigns``: each campaign's cost on its date;
- ``nqsw_programme``: programme posts (salary x FTE x (1 + on-costs)),
  external practice educator per NQSW-month in ASYE, and a consolidation
  module per NQSW who completes the ASYE in post.

Periods are the months between the model's monthly snapshots
([tick k, tick k+1)); financial years run April to March.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workforce_sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR, financial_year, month_starts
from workforce_sim.finance.pay import PayTable, pay_paths, periods_overlap
from workforce_sim.scenario.schema import ROLES, Scenario
from workforce_sim.streams import Streams

COMPONENTS: tuple[str, ...] = (
    "salaries", "market_supplement", "employer_on_costs", "relocation",
    "agency", "recruitment_campaigns", "nqsw_programme",
)
EXTERNAL_ROUTES = ("advert", "campaign:")


@dataclass
class FinanceResult:
    """Costs by month and component, and the permanent workforce by pay level."""

    costs: pd.DataFrame   # period, date, financial_year, component, cost_gbp
    levels: pd.DataFrame  # period, date, role, level, fte, training_release_fte


def periods(scenario: Scenario) -> tuple[list, np.ndarray]:
    """Month-start ticks and their simulation days (periods lie between ticks)."""
    ticks = month_starts(scenario.start_date, scenario.end_date)
    return ticks, np.array([scenario.day(d) for d in ticks], dtype=float)


def _period_of(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Index of the period holding each day; -1 outside the costed horizon."""
    idx = np.searchsorted(edges, days, side="right") - 1
    return np.where((days >= edges[0]) & (days < edges[-1]), idx, -1)


def _charge(out: np.ndarray, period: np.ndarray, amount: np.ndarray | float) -> None:
    amount = np.broadcast_to(np.asarray(amount, dtype=float), period.shape)
    ok = period >= 0
    np.add.at(out, period[ok], amount[ok])


def workforce_costs(scenario: Scenario, spells: pd.DataFrame, streams: Streams) -> FinanceResult:
    """Costs and pay levels of one replication (``scenario`` with every parameter drawn)."""
    fin = scenario.finance
    ticks, edges = periods(scenario)
    n_periods = len(edges) - 1
    horizon = edges[-1]
    cost = {c: np.zeros(n_periods) for c in COMPONENTS}

    role = spells["role_idx"].to_numpy().astype(np.int64)
    perm = spells["permanent"].to_numpy()
    fte = spells["fte"].to_numpy()
    start = spells["start_day"].to_numpy()
    end = np.minimum(np.nan_to_num(spells["end_day"].to_numpy(), nan=horizon), horizon)
    asye_until = spells["asye_until_day"].to_numpy()
    route = spells["route"].to_numpy()
    group = spells["group"].to_numpy()
    on_cost = float(fin.on_cost_rate)
    work_days = float(fin.working_days_per_fte_year)

    # permanent pay
    table = PayTable.from_scenario(scenario, ROLES)
    p = np.flatnonzero(perm)
    nqsw = ~np.isnan(asye_until[p])
    paths = pay_paths(scenario, table, role[p], start[p], end[p], spells["tenure0_years"].to_numpy()[p],
                      nqsw, route[p] == "initial", ticks, edges, streams["progression"])
    overlap_p = periods_overlap(start[p], end[p], edges)
    cost["salaries"] = (paths.salary * (fte[p] / DAYS_PER_YEAR)[:, None] * overlap_p).sum(axis=0)

    ms = scenario.market_supplement
    if ms.enabled and ms.start_date is not None:
        amount = np.array([float(ms.amount_gbp_per_year.get(r, 0.0)) for r in ROLES])[role[p]]
        elig = np.isin(group[p], list(ms.team_groups)) & (amount > 0)
        s0 = np.maximum(start[p], scenario.day(ms.start_date))
        o = periods_overlap(s0[elig], np.maximum(end[p][elig], s0[elig]), edges)
        cost["market_supplement"] = ((amount[elig] * fte[p][elig] / DAYS_PER_YEAR)[:, None] * o).sum(axis=0)
    pay_for_on_costs = cost["salaries"] + (cost["market_supplement"] if fin.on_costs_on_supplement else 0.0)
    cost["employer_on_costs"] = on_cost * pay_for_on_costs

    rel = fin.relocation
    if rel.start_date is not None and float(rel.package_gbp) > 0 and float(rel.take_up) > 0:
        external = np.array([str(r).startswith(EXTERNAL_ROUTES) for r in route[p]], dtype=bool)
        elig = external & (start[p] >= scenario.day(rel.start_date))
        if rel.team_groups is not None:
            elig &= np.isin(group[p], list(rel.team_groups))
        idx = np.flatnonzero(elig)
        takes = streams["relocation"].random(len(idx)) < float(rel.take_up)
        _charge(cost["relocation"], _period_of(start[p][idx[takes]], edges), float(rel.package_gbp))

    # agency
    a = np.flatnonzero(~perm)
    billable = periods_overlap(start[a], end[a], edges) * (fte[a] * work_days / DAYS_PER_YEAR)[:, None]
    if fin.agency.basis == "day_rate":
        rate = np.array([float(fin.agency.day_rate_gbp.get(r, 0.0)) for r in ROLES])[role[a]][:, None]
    else:
        entry_salary = table.salary[table.entry][role[a]]
        rate = (entry_salary * (1 + on_cost) / work_days * (1 + float(fin.agency.premium_over_permanent)))[:, None] * paths.award_factor[None, :]
    cost["agency"] = (billable * rate).sum(axis=0)

    for camp in scenario.recruitment.campaigns:
        _charge(cost["recruitment_campaigns"], _period_of(np.array([scenario.day(camp.date)]), edges), float(camp.cost_gbp))

    prog = fin.nqsw_programme
    for post in prog.posts:
        s0 = scenario.day(post.start_date)
        e0 = scenario.day(post.end_date) if post.end_date is not None else horizon
        o = periods_overlap(np.array([s0]), np.array([max(s0, min(e0, horizon))]), edges)[0]
        cost["nqsw_programme"] += float(post.salary_gbp_per_year) * post.fte * (1 + on_cost) / DAYS_PER_YEAR * o
    q = np.flatnonzero(~np.isnan(asye_until))
    if len(q):
        asye_len = float(scenario.nqsw.asye_months) * DAYS_PER_MONTH
        a0 = np.maximum(start[q], asye_until[q] - asye_len)
        a1 = np.maximum(a0, np.minimum(end[q], asye_until[q]))
        months = periods_overlap(a0, a1, edges) / DAYS_PER_MONTH
        cost["nqsw_programme"] += float(prog.practice_educator_gbp_per_nqsw_month) * months.sum(axis=0)
        completed = asye_until[q] < end[q]
        _charge(cost["nqsw_programme"], _period_of(asye_until[q][completed], edges), float(prog.consolidation_module_gbp_per_nqsw))

    costs = _long_costs(cost, ticks[:n_periods])
    levels = _levels(scenario, table, paths.point, role[p], fte[p], start[p], end[p],
                     spells["tenure0_years"].to_numpy()[p], nqsw, edges, ticks[:n_periods], work_days)
    return FinanceResult(costs, levels)


def _long_costs(cost: dict[str, np.ndarray], ticks: list) -> pd.DataFrame:
    n = len(ticks)
    k = len(COMPONENTS)
    return pd.DataFrame({
        "period": np.tile(np.arange(n), k),
        "date": np.tile(pd.to_datetime(pd.Series(ticks)).to_numpy(), k),
        "financial_year": np.tile(np.array([financial_year(d) for d in ticks], dtype=object), k),
        "component": np.repeat(np.array(COMPONENTS, dtype=object), n),
        "cost_gbp": np.concatenate([cost[c] for c in COMPONENTS]) if n else np.zeros(0),
    })


def _levels(scenario: Scenario, table: PayTable, point: np.ndarray, role: np.ndarray, fte: np.ndarray,
            start: np.ndarray, end: np.ndarray, tenure0: np.ndarray, nqsw: np.ndarray,
            edges: np.ndarray, ticks: list, work_days: float) -> pd.DataFrame:
    """Permanent FTE by role and pay level at each tick, and the FTE released for training."""
    n_periods = len(ticks)
    prog = scenario.finance.progression
    max_levels = int(table.level.max(initial=0)) + 1
    n_keys = len(ROLES) * max_levels
    b = edges[:-1][None, :]
    active = (start[:, None] <= b) & (end[:, None] > b)
    key = role[:, None] * max_levels + table.level[point]
    flat = (np.arange(n_periods)[None, :] * n_keys + key)[active]
    fte_m = np.broadcast_to(fte[:, None], active.shape)[active]
    fte_by = np.bincount(flat, weights=fte_m, minlength=n_periods * n_keys)
    service_days = tenure0[:, None] * DAYS_PER_YEAR + (b - start[:, None])
    eligible = (table.next_level_first[point] >= 0) & (~nqsw[:, None] | (service_days >= float(prog.nqsw_min_service_years) * DAYS_PER_YEAR))
    release = float(prog.share_working_toward_next_level) * float(prog.training_release_days_per_year) / work_days
    train_by = np.bincount(flat, weights=(fte_m * eligible[active]) * release, minlength=n_periods * n_keys)
    k_idx, key_idx = np.divmod(np.arange(n_periods * n_keys), n_keys)
    role_of_key, level_of_key = np.divmod(key_idx, max_levels)
    # keep the levels each role has
    n_levels = np.array([len(scenario.finance.pay[r].levels) for r in ROLES])
    keep = level_of_key < n_levels[role_of_key]
    dates = pd.to_datetime(pd.Series(ticks)).to_numpy()
    return pd.DataFrame({
        "period": k_idx[keep],
        "date": dates[k_idx[keep]] if n_periods else dates[:0],
        "role": np.array(ROLES, dtype=object)[role_of_key[keep]],
        "level": level_of_key[keep] + 1,
        "fte": fte_by[keep],
        "training_release_fte": train_by[keep],
    })
