"""Progress bars for replications: shown on a terminal and in interactive
notebooks, quiet otherwise (output redirected, papermill, tests)."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Optional


def in_notebook() -> bool:
    """Whether code runs inside a Jupyter kernel."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def wanted(enabled: bool = True) -> bool:
    """A bar is shown when enabled and either in a notebook or on a terminal."""
    if not enabled:
        return False
    if in_notebook():
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@contextmanager
def replication_bar(total: int, enabled: bool = True, desc: str = "replications") -> Iterator[Optional[Callable[[int], None]]]:
    """Yield an ``update(n)`` callable for ``run_replications(progress=...)``, or None when quiet.

    Notebooks pass ``enabled=progress``; papermill runs set ``progress=False``.
    """
    if not wanted(enabled):
        yield None
        return
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it)
            from tqdm.notebook import tqdm
        except ImportError:
            from tqdm import tqdm
    else:
        from tqdm import tqdm
    bar = tqdm(total=total, desc=desc, unit="rep", file=sys.stderr, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()
