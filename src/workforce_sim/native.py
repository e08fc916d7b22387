"""Which engine runs: the hot model modules compiled with mypyc, or their pure-Python sources.

``pip install`` on a machine with a C compiler compiles the modules listed in
``native_modules.COMPILED`` into extension modules beside their ``.py`` files
and records a digest of each source in ``_native.json`` (``setup.py``). Both
engines give identical records. The compiled modules are used only together
and only when every source is the one compiled; otherwise (a source edited
since the build, ``WFSIM_PURE=1``, or no build) the ``.py`` sources are
imported instead, all of them. ``make native`` rebuilds after an edit.

``ENGINE`` is ``"compiled"`` or ``"pure"``; ``REASON`` says why pure.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

from workforce_sim.native_modules import COMPILED

PACKAGE_DIR = Path(__file__).resolve().parent
MANIFEST = PACKAGE_DIR / "_native.json"


def source(module: str) -> Path:
    """The ``.py`` file of one of the package's modules."""
    return PACKAGE_DIR.joinpath(*module.split(".")[1:]).with_suffix(".py")


def _extension(module: str) -> Optional[Path]:
    py = source(module)
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = py.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def why_pure(environ: Mapping[str, str], manifest: Path = MANIFEST) -> tuple[str, bool]:
    """(why the pure-Python engine is to be used, "" for the compiled one; whether that deserves a warning)."""
    if environ.get("WFSIM_PURE", "") not in ("", "0"):
        return "WFSIM_PURE is set", False
    if not manifest.exists() or any(_extension(m) is None for m in COMPILED):
        return "not compiled", False
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return f"{manifest.name} unreadable", True
    for m in COMPILED:
        if hashlib.sha256(source(m).read_bytes()).hexdigest() != recorded.get(m):
            return f"{source(m).relative_to(PACKAGE_DIR)} changed since it was compiled (make native)", True
    return "", False


class _Sources:
    """Import finder: the compiled modules from their ``.py`` sources (extension modules would be found first)."""

    def find_spec(self, name, path=None, target=None):
        if name in COMPILED:
            return importlib.util.spec_from_file_location(name, source(name))
        return None


REASON, _WARN = why_pure(os.environ)
ENGINE = "pure" if REASON else "compiled"

if REASON and any(_extension(m) is not None for m in COMPILED):
    if _WARN:
        warnings.warn(f"workforce_sim: the pure-Python model runs ({REASON})", RuntimeWarning, stacklevel=2)
    if not any(isinstance(f, _Sources) for f in sys.meta_path):
        sys.meta_path.insert(0, _Sources())


def is_compiled(module: object) -> bool:
    """Whether an imported module is an extension module (compiled) rather than Python source."""
    return not str(getattr(module, "__file__", "")).endswith(".py")
