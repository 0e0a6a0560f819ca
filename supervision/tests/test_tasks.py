"""The periodic tasks: on the worker's schedule, once per period however many workers run it."""

import asyncio
import contextlib
import datetime
import time

import pytest
import time_machine
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinatePeriodicDefer

from common.tests.queue import in_a_thread_of_its_own
from supervision import tasks
from supervision.engine import EvaluationResult

pytestmark = pytest.mark.django_db(transaction=True)


def run_two_workers_for(seconds: float) -> None:
    """Two workers at once, each with its own periodic deferrer, as on two hosts."""

    async def work():
        with app.replace_connector(app.connector.get_worker_connector()):
            async with app.open_async():
                workers = asyncio.gather(
                    *(app.run_worker_async(name=f"host-{n}", install_signal_handlers=False) for n in (1, 2))
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(workers, timeout=seconds)

    in_a_thread_of_its_own(work)


def test_two_workers_running_the_schedule_at_once_sweep_once_per_period(monkeypatch):
    sweeps = []  # the (travelled) time of each sweep
    monkeypatch.setattr(tasks, "evaluate_all", lambda: sweeps.append(time.time()) or EvaluationResult())
    quarter_past = datetime.datetime(2026, 12, 2, 10, 15, 1, tzinfo=datetime.UTC)

    for period in (quarter_past, quarter_past + datetime.timedelta(minutes=15)):
        with time_machine.travel(period, tick=True):
            run_two_workers_for(3)

    quarter = int(quarter_past.timestamp()) // 900
    assert [int(at) // 900 for at in sweeps] == [quarter, quarter + 1]  # one sweep in each period
    # The daily tasks were not due within the deferrer's reach: they were not deferred (the hourly
    # calendar pull, at 10:07, was).
    deferred = set(ProcrastinatePeriodicDefer.objects.values_list("task_name", flat=True))
    assert deferred <= {"supervision.rule_sweep", "common.retry_stalled_jobs", "calendar_sync.pull_feeds"}


def test_the_schedule():
    schedule = {task.task.name: task.cron for task in app.periodic_registry.periodic_tasks.values()}

    assert schedule == {
        "common.retry_stalled_jobs": "*/5 * * * *",
        "supervision.rule_sweep": "*/15 * * * *",
        "supervision.overdue_digest": "0 6 * * *",
        "home.retention_purge": "0 3 * * *",
        "calendar_sync.pull_feeds": "7 * * * *",
    }
