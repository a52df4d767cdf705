"""The Ray engine (`pip install 'cleaner[ray]'`, `cleaner clean ... --engine ray [--address ADDR]`).

The same shards as the local engine go to Ray actors; each actor builds one Pipeline from the config
when it starts and runs `process_job` over its shards, so workers read their inputs and write their
outputs themselves and only small FileResults come back. Results are handed to `on_result` in input
order, so outputs, messages and the report are the same as with the local engine.

Without an address a private Ray is started for the run (and shut down after it); with one, the run
joins that cluster. Every worker must have the same cleaner installed (same version, rules and
options): each actor checks its own config fingerprint against the driver's and refuses to work
otherwise. Input and output paths must mean the same files on every node (a shared filesystem).
"""
from __future__ import annotations

import logging
import os
from collections import deque
from typing import Callable, Sequence

import ray  # ImportError here is how the CLI learns that the extra is missing

from ..config import Config
from ..io import Job
from ..pipeline import Pipeline
from ..report import FileResult
from .local import shards
from .work import RunOptions, process_job

# Shards in flight per actor: the second one waits in the actor's queue, so an actor never idles
# for a round trip between two shards.
SLOTS_PER_ACTOR = 2
# How many shards may finish ahead of the next one due in input order (bounds the reorder buffer).
WINDOW_PER_ACTOR = 4
# An actor lost with its node is restarted and its shard retried: process_job is idempotent
# (outputs are written atomically), so running a shard twice gives the same files.
MAX_RESTARTS = 2


class RayEngineError(RuntimeError):
    """Ray could not be started or joined, or a worker could not run cleaner: one line, no traceback."""


class _ShardWorker:
    """One per Ray worker process: a Pipeline built once, used for every shard sent to it.

    A worker that cannot build its pipeline does not raise from __init__ (Ray would restart it and
    print each failure with a traceback on the driver's stderr); it reports the problem through
    ready(), and the driver stops the run with that one line."""

    def __init__(self, config: Config, opts: RunOptions, fingerprint: str):
        self.pipeline = None
        self.opts = opts
        try:
            mine = config.fingerprint()
            if mine != fingerprint:
                from .. import __version__

                self.problem = (f"this worker's cleaner (version {__version__}, config/rules fingerprint {mine}) "
                                f"differs from the driver's ({fingerprint}): install the same cleaner and "
                                f"rule files on every node")
                return
            self.pipeline = Pipeline.from_config(config, keep_input=opts.diff)
            self.problem = ""
        except Exception as e:  # a missing rule file, a broken install: tell the driver, in one line
            self.problem = f"{type(e).__name__}: {e}"

    def ready(self) -> str:
        """Empty when this worker can clean, else why not."""
        return self.problem

    def run(self, shard: Sequence[Job]) -> list[FileResult]:
        return [process_job(self.pipeline, job, self.opts) for job in shard]


def _start(address: str | None, workers: int) -> bool:
    """Connect to Ray; True when this run started it (and so must shut it down)."""
    if ray.is_initialized():  # a caller (a notebook, a test) already set Ray up: use it as it is
        return False
    quiet = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                 configure_logging=True)
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            # "local" (not None): never attach to a cluster that `ray start` left running on this
            # machine or that RAY_ADDRESS names; the user asked for a run on this machine's cores.
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage-stats notice on stderr
            ray.init(address="local", num_cpus=workers, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"join the Ray cluster at {address}" if address else "start a local Ray"
        raise RayEngineError(f"cannot {where}: {_first_line(e)}") from None
    return True


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_jobs(config: Config, jobs: Sequence[Job], opts: RunOptions, workers: int | None,
             on_result: Callable[[FileResult], None], address: str | None = None) -> None:
    """Clean every job on Ray, calling on_result in input order. `workers` actors (None: one per CPU
    of the cluster). Ctrl-C stops the actors and propagates as KeyboardInterrupt."""
    if not jobs:
        return
    started = _start(address, workers or os.cpu_count() or 1)
    actors: list = []
    running: dict = {}  # ObjectRef -> (shard index, actor): what to cancel if the run stops early
    try:
        n = max(1, min(workers or _cluster_cpus(), len(jobs)))
        worker_cls = ray.remote(num_cpus=1, max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS)(_ShardWorker)
        # The config goes by value (it is small): a restarted actor must not depend on an object
        # that may be gone from the object store.
        fingerprint = config.fingerprint()
        actors = [worker_cls.remote(config, opts, fingerprint) for _ in range(n)]
        _check_actors(actors)
        _schedule(actors, shards(jobs, n), on_result, running)
    finally:
        if started:
            ray.shutdown()  # stops our private Ray with every actor in it, tasks in flight included
        else:
            _stop(actors, running)


def _stop(actors: list, running: dict) -> None:
    """On a shared cluster: cancel what is still queued (so Ray does not retry it on a killed actor),
    then free the actors' CPUs."""
    for ref in running:
        try:
            ray.cancel(ref)
        except Exception:  # already finished or its worker gone: nothing left to cancel
            pass
    for a in actors:
        try:
            ray.kill(a)
        except Exception:
            pass


def _check_actors(actors: list) -> None:
    """Wait for every actor to build its pipeline; a worker that cannot (other version or rules,
    missing rule file, cleaner not installed) stops the run with its own message."""
    try:
        problems = ray.get([a.ready.remote() for a in actors])
    except ray.exceptions.RayActorError as e:  # e.g. cleaner cannot even be imported on that node
        raise RayEngineError(f"a Ray worker could not start cleaner: {_worker_error(e)}") from None
    for problem in problems:
        if problem:
            raise RayEngineError(f"a Ray worker could not start cleaner: {problem}")


def _worker_error(e: BaseException) -> str:
    """The worker's own exception line (e.g. the fingerprint message), not Ray's whole traceback."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith(("RuntimeError:", "ModuleNotFoundError:", "ImportError:", "FileNotFoundError:")):
            return ln
    return lines[0] if lines else type(e).__name__


def _schedule(actors: list, work: list[Sequence[Job]], on_result: Callable[[FileResult], None],
              running: dict) -> None:
    """Give shards to actors as they free up (not round-robin: shards differ in cost), hand the
    results over in input order, and keep at most WINDOW_PER_ACTOR shards per actor done-but-waiting."""
    todo = deque(enumerate(work))
    free = deque(a for _ in range(SLOTS_PER_ACTOR) for a in actors)
    finished: dict[int, list[FileResult]] = {}
    dead: set = set()
    due = 0  # index of the next shard whose results go to on_result
    window = WINDOW_PER_ACTOR * len(actors)
    while todo or running:
        while free and todo and todo[0][0] < due + window:
            i, shard = todo.popleft()
            actor = free.popleft()
            running[actor.run.remote(shard)] = (i, actor)
        if not running:  # every actor is gone: the files left cannot be cleaned
            for i, shard in todo:
                finished[i] = _lost(shard, "no Ray worker left")
            todo.clear()
        else:
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                i, actor = running.pop(ref)
                finished[i], alive = _results(ref, work[i])
                if alive:
                    free.append(actor)
                elif actor not in dead:
                    dead.add(actor)
                    free = deque(a for a in free if a is not actor)
        while due in finished:
            for r in finished.pop(due):
                on_result(r)
            due += 1


def _results(ref, shard: Sequence[Job]) -> tuple[list[FileResult], bool]:
    """A shard's results, and whether its actor is still alive. A shard whose worker died even after
    retries becomes one error per file and the run goes on; an exception raised by cleaner itself
    (a bug, or a stage failure with --debug) is re-raised as it was, as the local engine does."""
    try:
        return ray.get(ref), True
    except ray.exceptions.RayTaskError as e:
        raise e.as_instanceof_cause() from None
    except ray.exceptions.RayActorError as e:
        return _lost(shard, f"Ray worker lost ({type(e).__name__})"), False


def _lost(shard: Sequence[Job], reason: str) -> list[FileResult]:
    return [FileResult(path=str(j.source), id=j.rel, status="error", reason=reason) for j in shard]
