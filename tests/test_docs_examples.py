"""The examples in README.md and the docs run.

Every ```bash and ```python block of README.md runs, and in docs/*.md every
block right after an ``<!-- example -->`` line. Shell lines run ``wfsim``
as ``python -m workforce_sim`` in a copy of ``scenarios/`` and ``schedules/``
(so outputs land in a temporary folder), with replication counts (and an
optimiser's confirmation replications) cut to 2
(``--decompose K,M`` to 2,2) and one worker; ``make`` lines are skipped.
Python blocks run in a subprocess with the same cuts (``replications=2``,
``workers=1``). An example that exits non-zero fails its test.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- example -->"
SIMULATING = {"run", "report", "compare", "sweep", "optimise"}
FENCE = re.compile(r"^```(bash|python)\n(.*?)^```", re.M | re.S)


def blocks(path: Path, marked_only: bool) -> list[tuple[str, str, int]]:
    """(language, code, line) of the runnable blocks of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if marked_only and before.strip() != MARKER:
            continue
        found.append((m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1))
    return found


def shell_commands(code: str) -> list[list[str]]:
    """The commands of a bash block: continuation lines joined, comments dropped, make skipped."""
    commands = []
    for line in code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0] == "make":
            continue
        commands.append(words)
    return commands


def cut(words: list[str]) -> list[str]:
    """A wfsim command line made small: 2 replications, a 2 x 2 decomposition, one worker."""
    program, *args = words
    if Path(program).name != "wfsim":
        raise AssertionError(f"an example runs something other than wfsim: {' '.join(words)}")
    out = []
    it = iter(args)
    for a in it:
        if a in ("-n", "--replications", "--confirm-replications"):
            next(it)
            out += [a, "2"]
        elif a == "--decompose":
            next(it)
            out += [a, "2,2"]
        elif a == "--workers":
            next(it)
        else:
            out.append(a)
    if args and args[0] in SIMULATING:
        out += ["--workers", "1", "--no-progress"]
    return [sys.executable, "-m", "workforce_sim", *out]


def cut_python(code: str) -> str:
    code = re.sub(r"replications=\d+", "replications=2", code)
    return re.sub(r"workers=\d+", "workers=1", code)


@pytest.fixture
def workdir(tmp_path):
    for folder in ("scenarios", "schedules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return env


def run_block(language: str, code: str, cwd: Path) -> list[str]:
    """Run one block; the stdout of each command. Raises AssertionError when one fails."""
    if language == "python":
        commands = [[sys.executable, "-c", cut_python(code)]]
    else:
        commands = [cut(words) for words in shell_commands(code)]
    outputs = []
    for command in commands:
        done = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise AssertionError(f"example failed (exit {done.returncode}): {shlex.join(command)}\n{done.stderr[-2000:]}")
        if "--json" in command:
            json.loads(done.stdout)
        outputs.append(done.stdout)
    return outputs


def _case(lang: str, code: str, where: str):
    # shell examples start several simulations each (a report, a decomposition): slow
    return pytest.param(lang, code, id=where, marks=[pytest.mark.slow] if lang == "bash" else [])


def _cases() -> list:
    cases = [_case(lang, code, f"README.md:{line}") for lang, code, line in blocks(ROOT / "README.md", False)]
    for page in sorted((ROOT / "docs").glob("*.md")):
        cases += [_case(lang, code, f"docs/{page.name}:{line}") for lang, code, line in blocks(page, True)]
    return cases


CASES = _cases()


def test_the_readme_has_a_shell_and_a_python_example_and_the_docs_marked_ones():
    ids = [c.id for c in CASES]
    languages = {c.values[0] for c in CASES if c.id.startswith("README")}
    assert languages == {"bash", "python"}
    assert any(i.startswith("docs/") for i in ids)


@pytest.mark.parametrize(("language", "code"), CASES)
def test_example_runs(language, code, workdir):
    outputs = run_block(language, code, workdir)
    assert all(out.strip() for out in outputs)


def test_a_failing_example_fails(workdir):
    with pytest.raises(AssertionError, match="exit 2"):
        run_block("bash", ".venv/bin/wfsim run scenarios/no_such_file.yaml -n 100\n", workdir)
    with pytest.raises(AssertionError, match="exit 1"):
        run_block("python", "from workforce_sim.analysis.measures import permanence_at_target\n", workdir)


def test_cut_makes_runs_small():
    assert cut(shlex.split(".venv/bin/wfsim run s.yaml -n 100 --workers 4 --decompose 10,10"))[3:] == [
        "run", "s.yaml", "-n", "2", "--decompose", "2,2", "--workers", "1", "--no-progress"]
    assert shell_commands("make test   # all\n.venv/bin/wfsim validate a.yaml \\\n    --set x=1\n") == [
        [".venv/bin/wfsim", "validate", "a.yaml", "--set", "x=1"]]
