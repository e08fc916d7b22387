"""Pieces every command-line module shares: option parsers and atomic output folders."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable, Optional, TypeVar

from .errors import InputError, RunError

T = TypeVar("T")


def positive_int(name: str) -> Callable[[str], int]:
    """An argparse type: a whole number >= 1, else a one-line error naming the option."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise InputError(f"expected a whole number, got {text!r}", file=name) from None
        if value < 1:
            raise InputError(f"must be at least 1, got {value}", file=name)
        return value

    return parse


def write_atomically(out: Path, write: Callable[[Path], list[Path]]) -> None:
    """Call ``write(folder)`` on a temporary folder beside ``out``, then move the result in.

    A new ``out`` appears complete or not at all; into an existing ``out`` the
    written files are moved one by one (callers check first that none exists).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        written = write(tmp)
        if not out.exists():
            tmp.rename(out)
            return
        for f in written:
            f.rename(out / f.name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def run_model(fn: Callable[[Optional[Callable[[int], None]]], T], total: int, progress: bool) -> T:
    """Call ``fn(update)`` under a replication progress bar; an unexpected error
    inside the model becomes a ``RunError`` (exit 1), bad input stays bad input."""
    from .progress import replication_bar

    try:
        with replication_bar(total, enabled=progress) as update:
            return fn(update)
    except (InputError, RunError):
        raise
    except Exception as exc:  # a failure inside the model
        raise RunError(f"{type(exc).__name__}: {exc}") from exc
