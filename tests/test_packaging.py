"""The conda environment mirrors pyproject.toml; the package data the wheel needs is declared."""
from __future__ import annotations

import re

import pytest
import yaml

from .helpers import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

CONDA_NAMES = {"build": "python-build"}  # PyPI name -> conda-forge name where they differ


def _requirement(text: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*(?:#.*)?$", text).groups()
    return name.lower(), spec.replace(" ", "")


def test_environment_yml_mirrors_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]
    pyproject = {CONDA_NAMES.get(n, n): spec for n, spec in map(_requirement, wanted)}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python>", "pip")))
    assert conda == pyproject
    assert env["dependencies"][0] == f"python{project['requires-python']}"


def test_package_data_covers_every_file_the_package_reads():
    package = ROOT / "src" / "workforce_sim"
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["workforce_sim"]
    built = (".py", ".pyc", ".so", ".pyd")       # sources, and the model compiled by the build (setup.py) with its manifest
    files = [p for p in package.rglob("*") if p.is_file() and p.suffix not in built and "__pycache__" not in p.parts
             and p.name != "_native.json"]
    uncovered = [str(p.relative_to(package)) for p in files if not any(p.relative_to(package).match(g) for g in declared)]
    assert files and not uncovered, uncovered
