"""The package installed from a wheel (not editable), used from an empty folder.

The wheel is built from a copy of the source, installed into a new virtual
environment outside the repository (the dependencies come from this
environment's site-packages through a ``.pth`` line, whose own ``.pth`` files,
the editable install among them, are not read; the data files pip puts beside
them, nbconvert's templates and ipykernel's kernel, are copied), and
``wfsim report`` is run on every shipped scenario from a folder holding
nothing but the scenario files.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest

from .helpers import ROOT, SCENARIOS

pytestmark = pytest.mark.slow

SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))

def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("installed")
    src = base / "source"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = base / "dist"
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, src], cwd=base, env=dict(os.environ))
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = dist.glob("workforce_sim-*.whl")

    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base,
                   env=dict(os.environ)).stdout.strip()
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    # the data files pip installs with the dependencies: nbconvert's templates, ipykernel's kernel
    for part in ("nbconvert", "kernels/python3"):
        shutil.copytree(Path(sys.prefix, "share", "jupyter", part), env_dir / "share" / "jupyter" / part)

    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    pip = _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed", wheel],
               cwd=base, env=env)
    assert pip.returncode == 0, pip.stderr[-2000:]

    work = base / "empty"
    work.mkdir()
    for p in SCENARIOS.glob("*.yaml"):
        shutil.copy2(p, work / p.name)
    where = _run([python, "-c", "import workforce_sim; print(workforce_sim.__file__)"], cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    package = Path(where.stdout.strip()).parent
    return {"venv": env_dir.resolve(), "python": python, "wfsim": env_dir / "bin" / "wfsim", "env": env,
            "work": work, "package": package}


def test_installed_package_is_the_wheel_not_the_source(installed):
    package = installed["package"]
    assert package.is_relative_to(installed["venv"]), package
    assert not package.is_relative_to(ROOT), package
    shipped = {"report.ipynb": package / "reporting" / "report.ipynb",
               "template": package / "reporting" / "templates" / "wfsim_report" / "index.html.j2",
               "pay spine": package / "data" / "social_worker_pay_spine_2009.csv"}
    missing = [name for name, path in shipped.items() if not path.is_file()]
    assert not missing, missing
    assert sorted(p.name for p in installed["work"].iterdir()) == SHIPPED  # nothing else in the folder


@pytest.mark.parametrize("scenario", SHIPPED)
def test_installed_report_on_each_shipped_scenario(installed, scenario):
    outputs = installed["work"] / "outputs"
    proc = _run([installed["wfsim"], "report", scenario, "-n", "3", "--json"], cwd=installed["work"], env=installed["env"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcome = json.loads(proc.stdout)
    folder = (installed["work"] / outcome["folder"]).resolve()  # as printed: relative to the folder it ran in
    assert outcome["status"] == "complete" and folder.is_relative_to(outputs.resolve()), outcome
    assert (folder / "report.html").is_file()
    assert (outputs / "index.html").is_file()


def test_installed_report_kernel_is_the_installed_interpreter(installed, tmp_path):
    """The report's kernel runs the new environment's Python and imports the installed package."""
    nb = nbformat.read(str(installed["package"] / "reporting" / "report.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json, sys, workforce_sim\n"
        "json.dump({'prefix': sys.prefix, 'package': workforce_sim.__file__}, open('interpreter.json', 'w'))"))
    notebook = tmp_path / "report_with_interpreter.ipynb"
    nbformat.write(nb, str(notebook))
    proc = _run([installed["wfsim"], "report", "slough_2014_baseline.yaml", "-n", "3", "--name", "interpreter",
                 "--notebook", notebook, "--out", tmp_path / "outputs", "--json"], cwd=installed["work"], env=installed["env"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads((installed["work"] / json.loads(proc.stdout)["folder"] / "interpreter.json").read_text())
    assert Path(seen["prefix"]).resolve() == installed["venv"]
    assert Path(seen["package"]).resolve().is_relative_to(installed["venv"])
