"""Executors: where the tasks of a run are computed.

- ``serial``: in this process, one task after another.
- ``processes``: a local process pool (default: all cores). The shared object
  (the scenario) is sent once to each worker process by the pool initializer;
  a task carries only small arguments (a seed and replication indices).
- ``dask``: a Dask distributed cluster, the scheduler at ``scheduler`` or a
  ``LocalCluster`` started for the run and closed after it. The shared object
  is scattered once to every worker; each task gets a unique key and
  ``pure=False``, so Dask never merges two tasks that look alike.

Every executor calls the same function with the same arguments, so what it
returns does not depend on the executor or the number of workers. Results are
yielded as tasks finish, in any order; callers sort them.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Optional

from workforce_sim.errors import InputError

EXECUTORS: tuple[str, ...] = ("processes", "serial", "dask")

Task = tuple[Any, ...]
TaskFn = Callable[..., Any]


def default_workers() -> int:
    """All cores of this machine."""
    return max(1, os.cpu_count() or 1)


def check_executor(executor: str) -> str:
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}", option="executor")
    return executor


def map_tasks(
    fn: TaskFn,
    shared: Any,
    tasks: Sequence[Task],
    executor: str = "processes",
    workers: Optional[int] = None,
    scheduler: Optional[str] = None,
) -> Iterator[Any]:
    """Yield ``fn(shared, *task)`` for every task, as each finishes.

    ``fn`` must be a module-level function (it is pickled by reference).
    Closing the iterator early cancels the tasks not yet started.
    """
    check_executor(executor)
    workers = default_workers() if workers is None or workers < 1 else int(workers)
    if executor == "serial" or (executor == "processes" and (workers == 1 or len(tasks) <= 1)):
        return _serial(fn, shared, tasks)
    if executor == "processes":
        return _processes(fn, shared, tasks, workers)
    return _dask(fn, shared, tasks, workers, scheduler)


def _serial(fn: TaskFn, shared: Any, tasks: Sequence[Task]) -> Iterator[Any]:
    for task in tasks:
        yield fn(shared, *task)


# ---------------------------------------------------------------- local processes
_WORKER_FN: Optional[TaskFn] = None
_WORKER_SHARED: Any = None


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to kill this process when its parent ends (Linux ``PR_SET_PDEATHSIG``),
    so a worker never outlives a run killed with SIGKILL; elsewhere a no-op."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(fn: TaskFn, shared: Any, parent_pid: int) -> None:
    global _WORKER_FN, _WORKER_SHARED
    die_with_parent(parent_pid)
    _WORKER_FN, _WORKER_SHARED = fn, shared


def _call_in_worker(task: Task) -> Any:
    assert _WORKER_FN is not None, "worker not initialised"
    return _WORKER_FN(_WORKER_SHARED, *task)


def _processes(fn: TaskFn, shared: Any, tasks: Sequence[Task], workers: int) -> Iterator[Any]:
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_init_worker,
                               initargs=(fn, shared, os.getpid()))
    pending = set()
    try:
        pending = {pool.submit(_call_in_worker, task) for task in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------- Dask distributed
def _dask(fn: TaskFn, shared: Any, tasks: Sequence[Task], workers: int, scheduler: Optional[str]) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise InputError("needs the optional Dask extra: pip install 'workforce_sim[dask]'", option="executor", key="dask") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot connect to the Dask scheduler: {exc}", option="scheduler", key=scheduler) from None
    futures = []
    try:
        shared_future = client.scatter(shared, broadcast=True)
        run_id = uuid.uuid4().hex
        futures = [
            client.submit(fn, shared_future, *task, key=f"wfsim-{run_id}-{i}", pure=False)
            for i, task in enumerate(tasks)
        ]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        if futures:
            client.cancel(futures)
        client.close()
        if cluster is not None:
            cluster.close()
