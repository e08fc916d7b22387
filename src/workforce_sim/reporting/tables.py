"""Writing result tables: CSV and Parquet side by side."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from workforce_sim.experiments.replications import Results
from workforce_sim.files import atomic_path, write_bytes


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
    if results.costs is not None:
        tables["costs"] = results.costs
    if results.levels is not None:
        tables["pay_levels"] = results.levels
    for name in ("case_monthly", "case_snapshots", "cases"):
        if getattr(results, name, None) is not None:
            tables[name] = getattr(results, name)
    if results.failures:
        tables["failures"] = pd.DataFrame([
            {"replication": f.replication, "seed": f.seed, "error": f.error, "where": f.where, "traceback": f.traceback}
            for f in results.failures
        ])
    return tables


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write each table as ``<name>.csv`` and ``<name>.parquet`` (or only the ``formats`` given) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        out = df.copy()
        for col in out.columns:
            if isinstance(out[col].dtype, pd.CategoricalDtype):
                out[col] = out[col].astype(str)
        if "csv" in formats:
            with atomic_path(folder / f"{name}.csv") as tmp:
                out.to_csv(tmp, index=False)
            written.append(folder / f"{name}.csv")
        if "parquet" in formats:
            with atomic_path(folder / f"{name}.parquet") as tmp:
                out.to_parquet(tmp, index=False)
            written.append(folder / f"{name}.parquet")
    return written


def write_workbook(tables: dict[str, pd.DataFrame], path: Path, *, replace: bool = False) -> Path:
    """The one Excel writer: a workbook with one sheet per table (column names carry the units),
    columns sized to their contents and the header row frozen. Built in memory, then written
    atomically: a full disk never leaves half a workbook (nor a zip file closing itself later);
    an existing ``path`` is replaced only when ``replace``."""
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, df in tables.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)
            ws = xl.sheets[name[:31]]
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
            ws.freeze_panes = "A2"
    return write_bytes(path, buf.getvalue(), replace=replace)
