"""The default engine: this machine's cores, a process pool fed with shards of many files."""
from __future__ import annotations

import signal
from contextlib import closing
from typing import Callable, Iterable, Iterator, Sequence

from ..config import Config
from ..document import Document
from ..io import Job
from ..pipeline import Pipeline
from ..report import FileResult
from .work import RunOptions, process_job

_worker: dict = {}  # per worker process: its pipeline and options, built once by the initializer


def _init(pipeline: Pipeline, opts: RunOptions | None) -> None:
    # Nothing here may fail: a Pool restarts a worker whose initializer raised, forever (a hang).
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _worker["pipeline"] = pipeline
    _worker["opts"] = opts


class WorkerError(Exception):
    """An exception raised in a worker (--debug), carried to the parent as text: the original may not
    survive pickling, and an exception the pool cannot unpickle hangs the whole run."""


def _sendable(e: Exception) -> Exception:
    """`e` itself if it survives the trip to the parent, else a WorkerError with its traceback."""
    import pickle
    import traceback

    try:
        pickle.loads(pickle.dumps(e))
        return e
    except Exception:
        return WorkerError("in a worker process:\n" + "".join(traceback.format_exception(e)))


def _run_shard(shard: Sequence[Job]) -> list[FileResult]:
    try:
        return [process_job(_worker["pipeline"], job, _worker["opts"]) for job in shard]
    except Exception as e:
        raise _sendable(e) from None


def _clean_docs(docs: Sequence[Document]) -> list[Document]:
    try:
        return [_worker["pipeline"](d) for d in docs]
    except Exception as e:
        raise _sendable(e) from None


def shards(items: Sequence, jobs: int, most: int = 64) -> list[Sequence]:
    """Contiguous slices, shrinking towards the end ("guided"): large ones first, so per-task
    overhead does not count, and small ones last, so no worker idles while another finishes a big
    slice (each is a share of what is left, at most `most` items)."""
    out = []
    i, n = 0, len(items)
    while i < n:
        size = max(1, min(most, (n - i) // (jobs * 4)))
        out.append(items[i:i + size])
        i += size
    return out


def _pool(jobs: int, config: Config, opts: RunOptions | None):
    """A pool whose workers share one pipeline, built here in the parent: a bad rule file or option
    raises once, in the parent (exit 2), and forked workers inherit the built stages, the line model
    and the language profiles (Pipeline.warm) for free."""
    import multiprocessing as mp

    pipeline = Pipeline.from_config(config, keep_input=bool(opts and opts.diff)).warm()
    return mp.get_context("fork").Pool(jobs, initializer=_init, initargs=(pipeline, opts))


def run_jobs(config: Config, jobs_list: Sequence[Job], opts: RunOptions, workers: int,
             on_result: Callable[[FileResult], None]) -> None:
    """Clean every job, calling on_result in input order. Ctrl-C propagates as KeyboardInterrupt
    after the pool is stopped."""
    if workers <= 1 or len(jobs_list) <= 1:
        pipeline = Pipeline.from_config(config, keep_input=opts.diff)
        for job in jobs_list:
            on_result(process_job(pipeline, job, opts))
        return
    with closing(_pooled(_pool(workers, config, opts), _run_shard, shards(jobs_list, workers))) as results:
        for batch in results:
            for r in batch:
                on_result(r)


def _pooled(pool, fn: Callable, tasks: Iterable) -> Iterator:
    """pool.imap(fn, tasks), in order; then the pool is closed, or terminated on an error, Ctrl-C or
    an early stop of the caller (who closes this generator: contextlib.closing), and joined."""
    try:
        yield from pool.imap(fn, tasks)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def map_documents(config: Config | None, docs: Iterable[Document], workers: int, batch: int = 16) -> Iterator[Document]:
    """Clean documents in a pool, yielding them in input order (used by Pipeline.clean_many)."""
    config = config or Config()

    def batches() -> Iterator[list[Document]]:
        buf: list[Document] = []
        for d in docs:
            buf.append(d)
            if len(buf) >= batch:
                yield buf
                buf = []
        if buf:
            yield buf

    with closing(_pooled(_pool(workers, config, None), _clean_docs, batches())) as results:
        for out in results:
            yield from out
