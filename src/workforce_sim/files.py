"""Writing files and folders so that they appear complete or not at all, and naming run folders."""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Optional

from workforce_sim.errors import RunError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(out: Path, write: Callable[[Path], list[Path]]) -> None:
    """Call ``write(folder)`` on a temporary folder beside ``out``, then move the result in.

    A new ``out`` appears complete or not at all, with the permissions the
    user's umask gives a new folder; into an existing ``out`` the written files
    are moved one by one (callers check first that none exists). If writing
    fails (disk full, permissions), what was written is kept in the temporary
    folder and a ``RunError`` says where.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        written = write(tmp)
        if not out.exists():
            try:
                tmp.rename(out)
                return
            except OSError:
                if not out.is_dir():
                    raise
        for f in written:
            f.rename(out / f.name)
        shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        kept = [p for p in tmp.iterdir()] if tmp.exists() else []
        where = f"; {len(kept)} files written so far are kept in {tmp}" if kept else ""
        if not kept:
            shutil.rmtree(tmp, ignore_errors=True)
        raise RunError(f"could not write {out}: {exc.strerror or exc}{where}") from None


def new_run_id(now: Optional[dt.datetime] = None) -> str:
    """``YYYYmmdd-HHMMSS-<6 hex>``: sorts by start time, unique across parallel runs."""
    now = now or dt.datetime.now()
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def safe_name(name: str) -> str:
    """A folder name from a scenario or report name."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    return cleaned or "scenario"


def now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
