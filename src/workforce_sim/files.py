"""Writing files and folders so that they appear complete or not at all.

Every output of the package is written through this module: a temporary file
(or folder) beside the target, flushed to disk, then renamed into place, so a
full disk or a killed process never leaves a truncated file that looks
complete, and a file that exists is never overwritten unless the caller says
it is meant to be replaced (an index page). A failure becomes one
``WriteError`` (exit 3) saying what could not be written and what was kept.
Run folders are named here too.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Optional, Union

from workforce_sim.errors import LockedError, WriteError


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
    folder and a ``WriteError`` says where.
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
    except (OSError, WriteError) as exc:
        kept = [p for p in tmp.iterdir() if not p.name.endswith(".part")] if tmp.exists() else []
        where = f"; {len(kept)} files written so far are kept in {tmp}" if kept else "; nothing was written"
        if not kept:
            shutil.rmtree(tmp, ignore_errors=True)
        what = (str(exc).split("; ")[0].replace(str(tmp), str(out)) if isinstance(exc, WriteError)
                else f"could not write {out}: {exc.strerror or exc}")
        raise WriteError(f"{what}{where}") from None


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


@contextlib.contextmanager
def atomic_path(path: Union[str, Path], *, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that wants a file name
    (``DataFrame.to_parquet``, ``Figure.savefig``, a workbook); when the block ends
    without error the file is flushed and renamed to ``path``.

    ``replace=False`` (the default): an existing ``path`` is never overwritten
    (``WriteError``). On any failure the temporary file is removed and ``path``
    is as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise WriteError(f"could not write {path}: {_reason(exc)}; nothing was written") from None
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)    # fails if path exists: never overwrite
            os.unlink(tmp)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        raise WriteError(f"could not write {path}: it exists already and is kept as it was") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        kept = "it is kept as it was" if path.exists() else "nothing was written"
        raise WriteError(f"could not write {path}: {_reason(exc)}; {kept}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Union[str, Path], text: str, *, replace: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see ``atomic_path``)."""
    return write_bytes(path, text.encode("utf-8"), replace=replace)


def write_bytes(path: Union[str, Path], data: bytes, *, replace: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see ``atomic_path``)."""
    with atomic_path(path, replace=replace) as tmp:
        tmp.write_bytes(data)
    return Path(path)


@contextlib.contextmanager
def exclusive(path: Union[str, Path], what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block, so two
    processes never work on the same ``what`` (an optimiser study) at once; a second
    one is refused at once with a ``LockedError`` naming the holder's process id."""
    import fcntl

    path = Path(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            by = f" (process {holder})" if holder.isdigit() else ""
            raise LockedError(f"{what} is in use by another wfsim{by}; wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


@contextlib.contextmanager
def scratch_folder(prefix: str, parent: Optional[Union[str, Path]] = None) -> Iterator[Path]:
    """A temporary folder ``<prefix><pid>-<random>`` (in ``parent``, default the system's temporary
    folder), removed when the block ends however it ends. A process killed outright (SIGKILL) cannot
    remove its own, so first the folders of this prefix whose process no longer runs are removed:
    nothing a killed run left behind outlives the next run."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for old in base.glob(f"{prefix}*-*"):
            pid = old.name[len(prefix):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-", dir=base) as tmp:
        yield Path(tmp)


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
