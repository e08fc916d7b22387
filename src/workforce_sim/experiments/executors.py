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

import contextlib
import os
import shutil
import signal
import tempfile
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
_HELD = {signal.SIGINT, signal.SIGTERM}   # held back while workers start, until they have set their own handlers


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
    """A worker ignores Ctrl-C (SIGINT goes to the whole process group): the parent alone
    decides to stop, and stops its workers itself, so no worker dies holding a queue's lock."""
    global _WORKER_FN, _WORKER_SHARED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # not the parent's handler: SIGTERM ends a worker at once
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # blocked by the parent while it started us
    die_with_parent(parent_pid)
    _WORKER_FN, _WORKER_SHARED = fn, shared


def _call_in_worker(task: Task) -> Any:
    assert _WORKER_FN is not None, "worker not initialised"
    return _WORKER_FN(_WORKER_SHARED, *task)


def _processes(fn: TaskFn, shared: Any, tasks: Sequence[Task], workers: int) -> Iterator[Any]:
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_init_worker,
                               initargs=(fn, shared, os.getpid()))
    pending = set()
    stopped = False
    try:
        # workers start (fork) while the tasks are submitted: Ctrl-C and SIGTERM are held back until
        # the workers have set their own handlers, then delivered here in the parent
        signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            pending = {pool.submit(_call_in_worker, task) for task in tasks}
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()
    except BaseException:
        # interrupted, or a task failed: stop now rather than wait for the running tasks to end
        _stop_pool(pool)
        stopped = True
        raise
    finally:
        for fut in pending:
            fut.cancel()
        # after a stop, never wait: a worker ended mid-reply can leave the pool's result pipe half written,
        # and its manager thread waiting for the rest
        pool.shutdown(wait=not stopped, cancel_futures=True)


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 1.0) -> None:
    """Cancel what has not started and end the worker processes at once (SIGTERM, then SIGKILL
    after ``grace`` seconds): what they were computing is thrown away."""
    if hasattr(pool, "terminate_workers"):  # Python 3.14
        pool.terminate_workers()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(grace)
        if proc.is_alive():
            proc.kill()
            proc.join(grace)


# ---------------------------------------------------------------- Dask distributed
def _dask(fn: TaskFn, shared: Any, tasks: Sequence[Task], workers: int, scheduler: Optional[str]) -> Iterator[Any]:
    try:
        import dask
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise InputError("needs the optional Dask extra: pip install 'workforce_sim[dask]'", option="executor", key="dask") from None
    cluster = None
    scratch = None
    config = contextlib.nullcontext()
    if scheduler is None:
        # the cluster's scratch space in a folder of the run's own, removed on every way out; workers
        # that ignore Ctrl-C (the parent stops the cluster), as the local pool's do
        scratch = tempfile.mkdtemp(prefix="wfsim-dask-")
        config = dask.config.set({"temporary-directory": scratch})
    with config:
        if scheduler is None:
            try:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                       local_directory=scratch, preload=["workforce_sim.experiments.dask_worker"])
                client = Client(cluster)
            except BaseException:
                _stop_cluster(cluster, None, scratch)
                raise
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
        except BaseException:
            # interrupted, or a task failed: a local cluster's workers are ended at once, quietly
            if cluster is not None:
                _stop_cluster(cluster, client, scratch)
                cluster = None
            raise
        finally:
            if cluster is not None or scheduler is not None:
                if futures:
                    client.cancel(futures)
                client.close()
            _stop_cluster(cluster, None, scratch)


def _stop_cluster(cluster, client, scratch: Optional[str]) -> None:
    """Close a local cluster (``client`` given: kill its worker processes first, without a word) and
    remove its scratch folder."""
    import logging

    try:
        if cluster is not None:
            if client is not None:
                logging.getLogger("distributed").setLevel(logging.CRITICAL)
                for nanny in list(getattr(cluster, "workers", {}).values()):
                    proc = getattr(getattr(nanny, "process", None), "process", None)
                    pid = getattr(proc, "pid", None)
                    if pid:
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                client.close()
            cluster.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
