"""User notebooks: committed clean, with one parameters cell (nbval runs them in `make test`)."""
from __future__ import annotations

import json

import pytest

from .helpers import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), path.name
        tags = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tags) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"


@pytest.mark.slow
def test_the_cheapest_plan_notebook_finds_a_plan_without_warnings(tmp_path):
    """Notebook 05 with its defaults names a plan, and no warning (tqdm's or another) reaches its outputs."""
    import nbformat
    from nbclient import NotebookClient

    path = ROOT / "notebooks" / "05_cheapest_plan.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source += f'\nexcel_path = "{tmp_path / "plan.xlsx"}"'
    NotebookClient(nb, timeout=1200, resources={"metadata": {"path": str(path.parent)}}).execute()
    streams = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    assert not [o["text"] for o in streams if o["name"] == "stderr" or "Warning" in o["text"]]
    text = "".join(o["text"] for o in streams)
    assert "Plan: mean total cost" in text and "No confirmed candidate" not in text
