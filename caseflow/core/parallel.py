"""Run a long job's independent parts in forked worker processes, each with its own database
connection and transaction (the machine's other cores: a county's claims run is CPU-bound in
Python, and one process uses one core).

Only for queued jobs that commit as they go (the unit-of-work exception of, for example,
caseflow.outcomes.runs): a worker cannot see its parent's uncommitted work, and commits its own.
PostgreSQL only: SQLite takes one writer at a time, so workers would only queue on its lock.
With one worker, or where fork is unavailable, the parts run here in turn, the same code.
"""
from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Iterable, Iterator, TypeVar

from sqlalchemy import text

from caseflow.core.extensions import db

T = TypeVar("T")
R = TypeVar("R")

# What a forked worker inherited from its parent (the parent's session and its connection): kept
# referenced so it is never garbage-collected (and so never rolled back or closed over a socket
# the parent is still using) before the worker ends with os._exit.
_INHERITED: list = []


def usable_workers(requested: int) -> int:
    """How many workers a job may use: at most the cores there are, and one unless the database
    is PostgreSQL and fork is available."""
    if requested <= 1 or db.engine.dialect.name != "postgresql":
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(requested, os.cpu_count() or 1))


def _forked() -> None:
    """In a new worker: forget the parent's session and pooled connections without touching them
    (SQLAlchemy's recipe for fork: dispose(close=False)); the worker opens its own."""
    registry = db.session.registry
    if registry.has():
        _INHERITED.append(registry())
        registry.clear()
    db.engine.dispose(close=False)


def in_worker_transaction() -> None:
    """At the start of each of a worker's transactions: no parallel query. The workers already
    keep every core busy, and a query's own helper processes would only queue behind them."""
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def run_parts(task: Callable[[T], R], parts: Iterable[T], workers: int) -> Iterator[R]:
    """task(part) for every part, yielding each result as it finishes (in any order when there
    are several workers). `task` must commit its own work; it runs in a forked worker with a
    fresh session when `workers` > 1, so it and its arguments must be picklable (a module-level
    function, plain values)."""
    parts = list(parts)
    workers = min(usable_workers(workers), len(parts))
    if workers <= 1:
        for part in parts:
            yield task(part)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_forked) as pool:
        yield from pool.imap_unordered(task, parts)
