"""Where a workforce-only replication's time goes (what the calibration and the backtest run by the
hundred): building the start date, running the months, tabulating the records, reading the DfE
indicators, in CPU milliseconds per replication (medians), for councils' backtest scenarios.

    .venv/bin/python benchmarks/replication_phases.py                      # Bristol and Derby from 2021
    .venv/bin/python benchmarks/replication_phases.py --councils Devon --replications 40
    .venv/bin/python benchmarks/replication_phases.py --indicators-only     # as the calibration and backtest run them

The one-minute load average is printed: on a shared machine every figure is longer.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import time


def phases(council: str, origin: int, replications: int, indicators_only: bool = False) -> dict[str, float]:
    from workforce_sim.analysis.backtest import forecast_indicators
    from workforce_sim.experiments.backtest import origin_scenario
    from workforce_sim.experiments.replications import combine, finish
    from workforce_sim.model.records import INDICATOR_MONTHS
    from workforce_sim.model.workforce import WorkforceModel
    from workforce_sim.scenario.schema import Scenario
    from workforce_sim.scenario.uncertain import sample_parameters
    from workforce_sim.streams import Streams

    sc = Scenario.model_validate(origin_scenario(council, origin, 3))
    out: dict[str, list[float]] = {"build": [], "run": [], "tables": [], "indicators": []}
    for r in range(replications):
        gc.disable()
        t0 = time.process_time()
        streams = Streams(1, r)
        resolved, drawn = sample_parameters(sc, lambda path, s=streams: s["param:" + path])
        model = WorkforceModel(resolved, streams, snapshot_months=INDICATOR_MONTHS if indicators_only else None)
        model.build()
        t1 = time.process_time()
        model.build = lambda: None          # built: run the months only
        model.run()
        t2 = time.process_time()
        result = model.indicator_tables(r, 1, drawn) if indicators_only else finish(model.tables(r, 1, drawn))
        model.release()
        t3 = time.process_time()
        forecast_indicators(combine(sc, 1, [result]))
        t4 = time.process_time()
        gc.enable()
        gc.collect(0)
        for k, v in zip(out, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            out[k].append(1000 * v)
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--councils", default="Bristol, City of;Derby", help="names separated by semicolons")
    p.add_argument("--origin", type=int, default=2021)
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--indicators-only", action="store_true",
                   help="only what the indicators read (1 October snapshots, no full tables): the calibration's and backtest's runs")
    a = p.parse_args()
    kind = "indicators only" if a.indicators_only else "full tables"
    print(f"load average (1 min) {os.getloadavg()[0]:.2f}; CPU ms per replication (median of {a.replications}; {kind})")
    print(f"{'council':24} {'build':>7} {'run':>7} {'tables':>7} {'indicators':>10} {'total':>7}")
    for name in a.councils.split(";"):
        ph = phases(name.strip(), a.origin, a.replications, a.indicators_only)
        print(f"{name.strip():24} {ph['build']:7.1f} {ph['run']:7.1f} {ph['tables']:7.1f} {ph['indicators']:10.1f} {sum(ph.values()):7.1f}")


if __name__ == "__main__":
    main()
