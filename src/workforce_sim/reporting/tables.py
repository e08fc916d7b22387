"""Writing result tables: CSV and Parquet side by side, and the Excel workbooks."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

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


UNITS = (("_gbp", "£"), ("_pct", "%"), ("_pp", "percentage points"), ("_days", "days"), ("_fte", "FTE"), ("_months", "months"),
         ("_years", "years"))
WORDS = {"p": "chance", "pp": "percentage points", "vs": "against", "first": "the first level", "ge": "at or above", "le": "at or below", "p5": "low (5th percentile)",
         "p95": "high (95th percentile)", "gbp": "", "pct": "", "fte": "FTE", "nqsw": "NQSW", "nqsws": "NQSWs", "kpi": "KPI", "id": "ID",
         "lac": "LAC", "cin": "CIN", "asye": "ASYE", "dbs": "DBS", "rag": "RAG"}
ID_COLUMNS = {"point", "replication", "trial", "year", "index", "level", "rank"}


HEADERS = {
    "cost_per_pp_gbp": "Pounds per point of permanent share (£)",
    "permanent_share_change_vs_first_pp": "Permanence gained against the first level (percentage points)",
    "p_permanent_share_ge_target": "Chance the permanent share reaches the target (%)",
    "years_over_profile": "Years over the investment profile",
}


def plain_header(name: str) -> str:
    """A column name as a header a reader understands: ``total_cost_p5_gbp`` -> ``Total cost low (5th percentile) (£)``;
    ``p_permanent_share_ge_target`` -> ``Chance permanent share at or above target (%)``."""
    text = str(name)
    if text in HEADERS:
        return HEADERS[text]
    unit = next((u for suffix, u in UNITS if text.endswith(suffix)), None)
    if unit is None and (text.startswith("p_") or text.endswith("_share") or text == "share"):
        unit = "%"
    if unit:
        for suffix, _unit in UNITS:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
    words = [WORDS.get(w, w) for w in text.split("_")]
    head = " ".join(w for w in words if w).strip() or str(name)
    head = head[:1].upper() + head[1:]
    return f"{head} ({unit})" if unit else head


def _is_fraction(name: str) -> bool:
    return name.startswith("p_") or name.endswith("_share") or name == "share"


def number_format(name: str, series: pd.Series) -> Optional[str]:
    """The Excel number format of a column, from its name and type: pounds, percentages (shares and
    ``_pct`` columns, which the workbook holds as fractions), percentage points, dates, counts."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return "d mmm yyyy"
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if name.endswith("_gbp"):
        return '"£"#,##0;[Red]-"£"#,##0'
    if name.endswith("_pct") or _is_fraction(name):
        return "0.0%"
    if name.endswith("_pp"):
        return '+0.0;-0.0;0.0'
    if name in ID_COLUMNS or pd.api.types.is_integer_dtype(series):
        return "0" if name in ID_COLUMNS else "#,##0"
    return "#,##0.00"


def for_workbook(df: pd.DataFrame) -> pd.DataFrame:
    """A table as the workbook shows it: ``_pct`` columns as fractions (formatted as percentages),
    ISO date text as dates, plain headers with units."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(str)
        elif str(col).endswith("_pct") and pd.api.types.is_numeric_dtype(s):
            out[col] = s / 100
        elif s.dtype == object and (str(col) == "date" or str(col).endswith("_date")):
            parsed = pd.to_datetime(s, errors="coerce")
            if parsed.notna().sum() == s.notna().sum():
                out[col] = parsed
    return out


def write_workbook(tables: dict[str, pd.DataFrame], path: Path, *, replace: bool = False) -> Path:
    """The one Excel writer: a workbook with one sheet per table, plain headers with their units,
    number formats a finance officer can pass on (pounds, percentages, dates; shares as percentages
    everywhere), columns sized to their contents and the header row frozen. Built in memory, then
    written atomically: a full disk never leaves half a workbook (nor a zip file closing itself later);
    an existing ``path`` is replaced only when ``replace``."""
    import io

    from openpyxl.styles import Alignment, Font

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl", date_format="d mmm yyyy", datetime_format="d mmm yyyy") as xl:
        for name, df in tables.items():
            shown = for_workbook(df)
            formats = [number_format(str(c), shown[c]) for c in shown.columns]
            shown.columns = [plain_header(c) for c in shown.columns]
            shown.to_excel(xl, sheet_name=name[:31], index=False)
            ws = xl.sheets[name[:31]]
            for j, col in enumerate(ws.columns):
                col[0].font = Font(bold=True)
                col[0].alignment = Alignment(wrap_text=True, vertical="top")
                fmt = formats[j] if j < len(formats) else None
                if fmt:
                    for cell in col[1:]:
                        cell.number_format = fmt
                width = max([len(str(c.value)) if c.value is not None else 0 for c in col[1:50]] + [min(len(str(col[0].value)), 28)])
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 3))
            ws.freeze_panes = "A2"
    return write_bytes(path, buf.getvalue(), replace=replace)
