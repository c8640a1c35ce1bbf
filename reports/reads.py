"""The reports' independent reads, run at once.

A report is a dozen independent aggregates over the same tables; PostgreSQL can work on several at once (one
backend each) while this process only waits on the sockets. `run_all` runs them in threads, each on a Django
connection of its own (closed when its read is done), REPORTS_PARALLEL_READS at a time.

Inside a transaction (a test, or a caller's atomic block) the other connections would not see its rows, so
there the reads run one after another on the caller's connection: the same functions, the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection


def run_all(jobs: dict[str, Callable[[], object]]) -> dict[str, object]:
    """{name: job()} for every job; at once when outside a transaction."""
    workers = max(1, int(getattr(settings, "REPORTS_PARALLEL_READS", 3)))
    if workers == 1 or len(jobs) == 1 or connection.in_atomic_block:
        return {name: job() for name, job in jobs.items()}

    def run(job):
        try:
            return job()
        finally:
            connection.close()  # the thread's own connection, not the caller's

    with ThreadPoolExecutor(max_workers=min(workers, len(jobs)), thread_name_prefix="report-read") as pool:
        futures = {name: pool.submit(run, job) for name, job in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


class Ahead:
    """Jobs started now and collected later (`result(name)`), e.g. imports and small reads while a report counts.

    As run_all: each in a thread on a connection of its own, or (inside a transaction) at once, here.
    """

    def __init__(self, jobs: dict[str, Callable[[], object]]):
        self._pool = None
        if connection.in_atomic_block:
            self._done = {name: job() for name, job in jobs.items()}
            return

        def run(job):
            try:
                return job()
            finally:
                connection.close()

        self._pool = ThreadPoolExecutor(max_workers=len(jobs) or 1, thread_name_prefix="report-ahead")
        self._futures = {name: self._pool.submit(run, job) for name, job in jobs.items()}
        self._pool.shutdown(wait=False)

    def result(self, name: str):
        return self._done[name] if self._pool is None else self._futures[name].result()


def ahead(jobs: dict[str, Callable[[], object]]) -> Ahead:
    return Ahead(jobs)
