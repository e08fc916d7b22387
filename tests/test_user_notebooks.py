"""User notebooks: committed clean, with one parameters cell (nbval runs them in `make test`)."""
from __future__ import annotations

import json

from .helpers import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), path.name
        tags = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tags) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
