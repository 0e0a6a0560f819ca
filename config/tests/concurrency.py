"""Helpers for tests that race two requests on PostgreSQL (``django_db(transaction=True)``).

A race is made certain rather than likely: the test holds a row lock (or an uncommitted row)
in its own transaction, starts the requests in threads, waits until PostgreSQL reports each
of them waiting on that lock, and only then lets go.
"""

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection


class Racer(threading.Thread):
    """Runs ``work`` on a database connection of its own; keeps its result or its exception."""

    def __init__(self, work: Callable[[], Any]):
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None
        self.backend_pid: int | None = None

    def run(self) -> None:
        try:
            connection.ensure_connection()
            self.backend_pid = connection.connection.info.backend_pid
            self.result = self.work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which asserts on it
            self.error = exc
        finally:
            connection.close()

    def outcome(self, timeout: float = 30) -> Any:
        self.join(timeout)
        assert not self.is_alive(), "the request did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def start(works: Iterable[Callable[[], Any]]) -> list[Racer]:
    racers = [Racer(work) for work in works]
    for racer in racers:
        racer.start()
    return racers


def wait_until_blocked(racers: list[Racer], timeout: float = 15) -> None:
    """Return once every racer's database session waits for a lock held by another session."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [racer.backend_pid for racer in racers]
        if None not in pids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM unnest(%s::int[]) AS pid"
                    " WHERE cardinality(pg_blocking_pids(pid)) > 0",
                    [pids],
                )
                if cursor.fetchone()[0] == len(pids):
                    return
        assert all(racer.is_alive() for racer in racers), "a request finished without waiting for the lock"
        time.sleep(0.02)
    raise AssertionError("the requests never waited for the lock")
