"""The model and the analysis read no files: they work on the scenario's typed descriptions and on results.

Files are read by the scenario layer only (``scenario.reading`` for the user's files, ``scenario.councils``
for the shipped DfE tables); ``pyproject.toml`` forbids the model and the analysis to import those readers
(``lint-imports``), and this test checks their source for file reading of their own.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "workforce_sim"
READING = re.compile(r"\bopen\(|\.read_text\(|\.read_bytes\(|\bread_csv\(|\bread_parquet\(|\bread_excel\(|\bread_json\(|"
                     r"\bread_table\(|\bPath\([^)]*\)\.read|\.open\(|\bnp\.load\(|\bjson\.load\(|\bpickle\.load\(|\byaml\.\w*load\(")


def sources(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", ["model", "analysis"])
def test_layer_source_reads_no_files(layer):
    found = []
    for path in sources(layer):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if READING.search(code):
                found.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert sources(layer) and not found, "file reading outside the scenario layer:\n" + "\n".join(found)


def test_the_pattern_finds_file_reading():
    for line in ('pd.read_csv(NEIGHBOURS, dtype=str)', 'with open(path, "rb") as fh:', 'Path(p).read_text()', 'pd.read_parquet(x)',
                 'text = path.read_bytes()', 'Path("a").read_text()'):
        assert READING.search(line), line
    for line in ("spread(total, parts)", "results.open_posts", "reader.line_num"):
        assert not READING.search(line), line
