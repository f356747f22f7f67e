"""Worker processes for the CPU-bound corpus steps (signatures, verification).

``workers=1`` runs everything in this process. With more, contiguous parts of
a batch go to a process pool (``fork`` where the platform has it, so workers
start in milliseconds and share the loaded modules) and results come back in
order, so the output is identical to the one-process run.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import numpy as np


@contextlib.contextmanager
def pool(workers: int) -> Iterator[Executor | None]:
    """A process pool of ``workers`` (``None`` for one worker: run in process)."""
    if workers <= 1:
        yield None
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_die_with_parent,
                             initargs=(os.getpid(),)) as ex:
        _release_free_heap()
        # start every worker now, before this process opens the store or runs a
        # tokenizer: forking later would copy their threads' state
        list(ex.map(_noop, range(workers * 2)))
        yield ex


def _release_free_heap() -> None:
    """Give memory that the caller freed back to the system before forking.

    Otherwise workers allocate in the inherited free heap and every page they touch
    is a copy-on-write fault (which is also why the pool starts before anything is
    loaded; figures in docs/corpus.md).
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc: nothing to trim this way
        pass


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to end this worker when its parent dies (SIGTERM, kill -9).

    Without it a killed ``corpus add`` leaves its workers running, re-parented.
    Linux only (``prctl``); elsewhere the pool's own shutdown is all there is.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (AttributeError, OSError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _noop(i: int) -> int:
    return i


def split_submit(executor: Executor | None, fn: Callable[..., Any], items: Sequence[Any], *args: Any,
                 parts: int = 2, min_items: int = 256, **kwargs: Any) -> Callable[[], list[Any]]:
    """Start :func:`split_map` and return at once; calling the result waits for the parts, in order.

    Without a pool (or with few items) the work is done before returning.
    """
    if executor is None or len(items) < min_items:
        done = [fn(items, *args, **kwargs)]
        return lambda: done
    step = -(-len(items) // parts)
    futures = [executor.submit(fn, items[i : i + step], *args, **kwargs) for i in range(0, len(items), step)]
    return lambda: [f.result() for f in futures]


def split_map(executor: Executor | None, fn: Callable[..., Any], items: Sequence[Any], *args: Any,
              parts: int = 2, min_items: int = 256, **kwargs: Any) -> list[Any]:
    """``[fn(part, *args, **kwargs) for part in parts of items]``, in order, on the pool if any."""
    return split_submit(executor, fn, items, *args, parts=parts, min_items=min_items, **kwargs)()


def signatures_pooled(executor: Executor | None, texts: Sequence[str], *, parts: int = 2,
                      **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`storydiff.corpus.minhash.signatures_with_sizes` split over the pool."""
    from storydiff.corpus.minhash import signatures_with_sizes

    results = split_map(executor, signatures_with_sizes, list(texts), parts=parts, **kwargs)
    return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])
