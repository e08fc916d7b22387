"""The replication cache: nothing simulated twice.

A replication is fully determined by the resolved scenario, the seed, its
index, the index of its parameter draw, whether it keeps its events and its
finance tables, and the code and shipped data that compute it. Its finished
record (a ``ReplicationResult``) is stored under a key that is the SHA-256 of
all of these, in ``outputs/.cache/`` by default (``WFSIM_CACHE`` names
another folder, or ``off`` turns the cache off; ``--no-cache`` on the command
line).

Safe under concurrent runs: an entry is written to a temporary file and
renamed into place (``files.atomic_path``), so a reader sees a complete entry
or none; every entry carries the SHA-256 of its contents, and one that is
missing, truncated or altered is a miss (it is removed and recomputed, never
trusted). Bounded: after a run writes, the oldest entries (by last use) are
removed until the folder is within ``CEILINGS.cache_bytes``. A failure to
read or write the cache never fails a run: the replication is simulated.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Optional, Union

from workforce_sim.defaults import CEILINGS
from workforce_sim.errors import WriteError
from workforce_sim.files import atomic_path

ENV = "WFSIM_CACHE"
ENV_BYTES = "WFSIM_CACHE_BYTES"
DEFAULT_FOLDER = Path("outputs") / ".cache"
OFF = ("off", "0", "false", "no", "none")
_MAGIC = b"WFSIMREP1\n"
_SUFFIX = ".rep"

CacheOption = Union[None, bool, str, Path]


def resolve(cache: CacheOption = None) -> Optional[Path]:
    """The cache folder (absolute) a run uses, or None for no cache.

    ``False``: none. A path: that folder. ``None`` or ``True``: ``WFSIM_CACHE``
    if set (``off`` for none), else ``outputs/.cache`` under the working folder.
    """
    if cache is False:
        return None
    if cache is None or cache is True:
        env = os.environ.get(ENV)
        if env is not None:
            if env.strip().lower() in OFF or not env.strip():
                return None
            return Path(env).expanduser().absolute()
        return DEFAULT_FOLDER.absolute()
    return Path(cache).expanduser().absolute()


def max_bytes() -> int:
    """The cache's bound in bytes: ``WFSIM_CACHE_BYTES``, else ``CEILINGS.cache_bytes``."""
    env = os.environ.get(ENV_BYTES)
    if env:
        with contextlib.suppress(ValueError):
            return max(0, int(float(env)))
    return CEILINGS.cache_bytes


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the package's version, its source files and its shipped data: any change of
    code or data that could change a replication's records gives new keys."""
    import workforce_sim

    root = Path(workforce_sim.__file__).parent
    h = hashlib.sha256(str(getattr(workforce_sim, "__version__", "")).encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and (p.suffix == ".py" or "data" in p.relative_to(root).parts[:1])):
        if "__pycache__" in path.parts:
            continue
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key(scenario, seed: int, replication: int, keep_events: bool = False, parameter_draw: Optional[int] = None,
        costs: bool = True) -> str:
    """The entry's key: SHA-256 of everything that determines the replication's records."""
    h = hashlib.sha256()
    h.update(scenario.model_dump_json().encode())
    h.update(json.dumps({
        "seed": int(seed), "replication": int(replication), "keep_events": bool(keep_events),
        "parameter_draw": int(replication if parameter_draw is None else parameter_draw), "costs": bool(costs),
        "code": code_digest(),
    }, sort_keys=True).encode())
    return h.hexdigest()


def entry_path(folder: Path, k: str) -> Path:
    return Path(folder) / "replications" / k[:2] / f"{k}{_SUFFIX}"


def load(folder: Optional[Path], k: str):
    """The stored record for key ``k``, or None (no cache, no entry, or an entry that is not whole:
    that one is removed). A hit marks the entry as just used (its modification time)."""
    if folder is None:
        return None
    path = entry_path(folder, k)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if len(data) < head or not data.startswith(_MAGIC) or hashlib.sha256(data[head:]).digest() != data[len(_MAGIC):head]:
        _remove(path)
        return None
    try:
        value = pickle.loads(data[head:])
    except Exception:  # written by another version of a library: recompute
        _remove(path)
        return None
    with contextlib.suppress(OSError):
        os.utime(path)
    return value


def store(folder: Optional[Path], k: str, value) -> bool:
    """Store ``value`` under ``k`` (atomically; an entry another run wrote meanwhile is replaced
    by an identical one). False if it could not be written; the run goes on."""
    if folder is None:
        return False
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        with atomic_path(entry_path(folder, k), replace=True) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(_MAGIC)
                fh.write(hashlib.sha256(payload).digest())
                fh.write(payload)
    except (OSError, WriteError):
        return False
    return True


def entries(folder: Path) -> list[tuple[float, int, Path]]:
    """(last use, bytes, path) of every entry, oldest first."""
    out = []
    base = Path(folder) / "replications"
    if not base.is_dir():
        return out
    for sub in base.iterdir():
        try:
            names = list(sub.iterdir()) if sub.is_dir() else []
        except OSError:
            continue
        for path in names:
            if path.suffix != _SUFFIX:
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((st.st_mtime, st.st_size, path))
    out.sort()
    return out


def evict(folder: Optional[Path], limit: Optional[int] = None) -> int:
    """Remove the oldest entries until the cache holds at most ``limit`` bytes (default ``max_bytes()``);
    return how many were removed."""
    if folder is None:
        return 0
    limit = max_bytes() if limit is None else limit
    found = entries(folder)
    total = sum(size for _, size, _ in found)
    removed = 0
    for _, size, path in found:
        if total <= limit:
            break
        _remove(path)
        total -= size
        removed += 1
    return removed


def clear(folder: Optional[Path]) -> None:
    """Remove every entry."""
    if folder is not None:
        evict(folder, 0)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
