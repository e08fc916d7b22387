"""Build hook: the hot model modules compiled with mypyc when a C compiler is there (pure Python otherwise).

``pip install .`` (or ``-e .``) compiles the modules in ``workforce_sim.native.COMPILED`` with mypyc into
extension modules beside their ``.py`` sources. The build is optional: with ``WFSIM_COMPILE=0``, without
mypy, or when compiling fails, the package installs as pure Python, which gives identical records.
At import, a compiled module whose ``.py`` source has changed since the build is not used (see
``workforce_sim/native.py``).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
MANIFEST = "workforce_sim/_native.json"     # written by the build: {module: sha256 of its source}

sys.path.insert(0, str(SRC / "workforce_sim"))
from native_modules import COMPILED  # noqa: E402  (the list, without importing the package)

sys.path.pop(0)


def _sources() -> list[str]:
    return ["src/" + m.replace(".", "/") + ".py" for m in COMPILED]


def _manifest() -> str:
    return json.dumps({m: hashlib.sha256((HERE / s).read_bytes()).hexdigest() for m, s in zip(COMPILED, _sources())},
                      indent=1, sort_keys=True)


class OptionalBuildExt(build_ext):
    """Compile if possible; a failure leaves the pure-Python package (and no manifest, so nothing compiled is used)."""

    def run(self) -> None:
        target = Path(self.build_lib if not self.inplace else SRC) / MANIFEST
        target.unlink(missing_ok=True)          # without a manifest nothing compiled is used
        try:
            super().run()
        except Exception as exc:  # no compiler, bad headers...: install the pure-Python package
            print(f"workforce_sim: compiling the model failed ({exc}); installing pure Python", file=sys.stderr)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_manifest())

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            raise RuntimeError(f"{ext.name}: {exc}") from exc


def _ext_modules() -> list:
    if os.environ.get("WFSIM_COMPILE", "1") == "0":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("workforce_sim: mypy not installed; installing pure Python", file=sys.stderr)
        return []
    try:
        return mypycify(["--config-file", str(HERE / "mypyc.ini"), *_sources()], opt_level="3")
    except BaseException as exc:  # mypy's type errors exit via SystemExit
        print(f"workforce_sim: mypyc could not compile the model ({exc!r}); installing pure Python", file=sys.stderr)
        return []


setup(ext_modules=_ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
