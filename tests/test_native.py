"""The compiled model (mypyc, ``setup.py``) and its pure-Python sources: the same records; the choice between them.

The compiled engine is there only when the package was built with a C compiler (``pip install -e .``
or ``make native``); the tests that compare the two engines are skipped otherwise.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import import_module

import pytest

from workforce_sim import native
from workforce_sim.native_modules import COMPILED

from .helpers import ROOT
from .test_record_digests import STORED, digests

COMPILED_HERE = native.ENGINE == "compiled"
needs_compiled = pytest.mark.skipif(not COMPILED_HERE, reason=f"the model is not compiled here ({native.REASON}): make native")


def _pure_env() -> dict[str, str]:
    env = dict(os.environ, WFSIM_PURE="1", WFSIM_CACHE="off")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def test_every_listed_module_is_imported_from_the_engine_chosen():
    for name in COMPILED:
        assert native.is_compiled(import_module(name)) == COMPILED_HERE, name


def test_wfsim_pure_imports_the_python_sources():
    code = ("from importlib import import_module\nfrom workforce_sim import native\nfrom workforce_sim.native_modules import COMPILED\n"
            "print(native.ENGINE, native.REASON, all(import_module(m).__file__.endswith('.py') for m in COMPILED))")
    out = subprocess.run([sys.executable, "-c", code], env=_pure_env(), capture_output=True, text=True, check=True).stdout
    assert out.split() == ["pure", "WFSIM_PURE", "is", "set", "True"]


def test_a_source_changed_since_the_build_means_the_pure_engine(tmp_path):
    manifest = tmp_path / "_native.json"
    assert native.why_pure({}, manifest) == ("not compiled", False)
    assert native.why_pure({"WFSIM_PURE": "1"}, manifest)[0] == "WFSIM_PURE is set"
    if not COMPILED_HERE:
        return
    recorded = json.loads(native.MANIFEST.read_text())
    manifest.write_text(json.dumps(recorded))
    assert native.why_pure({}, manifest) == ("", False)
    recorded[COMPILED[0]] = "0" * 64          # as if the source had been edited after the build
    manifest.write_text(json.dumps(recorded))
    reason, warn = native.why_pure({}, manifest)
    assert "changed since it was compiled" in reason and warn


@pytest.mark.slow
@needs_compiled
@pytest.mark.parametrize("name", ["slough_2014_investment", "kent_2013_contract"])
def test_compiled_and_pure_engines_give_the_stored_records(name):
    code = f"import json\nfrom tests.test_record_digests import digests\nprint(json.dumps(digests({name!r})))"
    pure = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_pure_env(), capture_output=True, text=True, check=True)
    stored = json.loads(STORED.read_text())[name]
    assert json.loads(pure.stdout) == stored
    assert digests(name) == stored


@pytest.mark.slow
@needs_compiled
def test_the_tests_that_patch_the_model_pass_with_the_pure_engine():
    """tests/test_case_rules.py patches methods that compiled code calls directly: here they run on the pure engine."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "tests/test_case_rules.py",
                          "-k", "nqsws_never or cases_wait"], cwd=ROOT, env=_pure_env(), capture_output=True, text=True)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout[-2000:]
