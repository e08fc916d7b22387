"""Writing result tables: CSV and Parquet side by side."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .replications import Results


def result_tables(results: Results) -> dict[str, pd.DataFrame]:
    tables = {
        "snapshots": results.snapshots,
        "flows": results.flows,
        "parameters": results.parameters,
    }
    if results.events is not None:
        tables["events"] = results.events
    if results.workers is not None:
        tables["workers"] = results.workers
    if results.failures:
        tables["failures"] = pd.DataFrame([
            {"replication": f.replication, "seed": f.seed, "error": f.error, "where": f.where, "traceback": f.traceback}
            for f in results.failures
        ])
    return tables


def write_tables(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as ``<name>.csv`` and ``<name>.parquet`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        out = df.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype):
                out[col] = out[col].astype(str)
        csv = folder / f"{name}.csv"
        pq = folder / f"{name}.parquet"
        out.to_csv(csv, index=False)
        out.to_parquet(pq, index=False)
        written += [csv, pq]
    return written
