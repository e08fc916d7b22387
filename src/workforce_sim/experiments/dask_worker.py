"""Preloaded into every worker of a local Dask cluster started for a run: the worker ignores
Ctrl-C (SIGINT reaches the whole process group), so the parent alone decides to stop and closes
the cluster itself, as the local process pool's workers do (``executors``)."""
from __future__ import annotations

import signal


def dask_setup(worker) -> None:  # called by Dask when the worker starts
    signal.signal(signal.SIGINT, signal.SIG_IGN)
