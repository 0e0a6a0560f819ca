"""The task queue in tests: rows of mail the worker gave up on, the real worker run in a thread
of its own, and the queue's tables emptied after a transactional test."""

import asyncio
import threading

from django.core.mail import EmailMessage
from django.db import connection, connections

from common.mail import PRACTICE_HEADER, serialize
from common.tasks import deliver_email


def failed_mail(practice_id: int, subject: str = "[Alliance] Critical flag") -> int:
    """A message of the practice that failed for good; returns its job's id."""
    message = EmailMessage(subject, "body", to=["a@example.org"], headers={PRACTICE_HEADER: str(practice_id)})
    job_id = deliver_email.defer(message=serialize(message))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", [job_id])
    return job_id


def truncate_queue() -> None:
    """The queue's tables are not Django's models to flush between transactional tests."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,"
            " procrastinate_workers"
        )


def in_a_thread_of_its_own(coroutine_function) -> None:
    """``asyncio.run`` in a new thread: the browser tests leave Playwright's event loop running in
    this one. The tasks' own Django connections are that thread's and closed with it."""
    failures = []

    def run():
        try:
            asyncio.run(coroutine_function())
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the worker did not stop"
    if failures:
        raise failures[0]
