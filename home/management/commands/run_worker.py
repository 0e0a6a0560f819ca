"""The task-queue worker, kept running across database outages.

procrastinate's worker stops, with exit status 0, when the database goes away under it (a side
task fails: its listener or its periodic deferrer). A service manager set to restart on failure
would leave it stopped, and honcho (``make run``, ``make serve``) would stop the web server with
it. This command runs the worker and, when it stops on its own, starts it again after a pause
(1 s, doubling up to 30 s, reset once a run has lasted a minute). SIGINT or SIGTERM stops it
for good, after the running job has finished.
"""

import asyncio
import contextlib
import logging
import signal
import time

from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

logger = logging.getLogger("procrastinate.worker")

FIRST_PAUSE = 1
LONGEST_PAUSE = 30
STEADY_RUN = 60


class Command(BaseCommand):
    help = (
        "Run the task-queue worker (mail, periodic jobs): as 'procrastinate worker', but started again "
        "when it stops because the database went away. Stop it with Ctrl-C or SIGTERM."
    )

    def handle(self, *args, **options):
        asyncio.run(self.serve_until_signalled())

    async def serve_until_signalled(self) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await self.serve(stopping)

    async def serve(self, stopping: asyncio.Event) -> None:
        """Run the worker, again and again, until ``stopping`` is set."""
        pause = FIRST_PAUSE
        with app.replace_connector(app.connector.get_worker_connector()):
            while not stopping.is_set():
                started = time.monotonic()
                try:
                    if await self.run_until(stopping):
                        return
                    logger.warning("The worker stopped on its own (the database went away?)")
                except Exception:
                    logger.exception("The worker could not run")
                if time.monotonic() - started > STEADY_RUN:
                    pause = FIRST_PAUSE
                logger.warning("Starting the worker again in %d s", pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), timeout=pause)
                pause = min(pause * 2, LONGEST_PAUSE)

    async def run_until(self, stopping: asyncio.Event) -> bool:
        """One run of the worker; True when it ended because a stop was asked for."""
        async with app.open_async():
            run = asyncio.create_task(app.run_worker_async(install_signal_handlers=False))
            stop = asyncio.create_task(stopping.wait())
            await asyncio.wait({run, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not run.done():
                run.cancel()  # a graceful stop: the running job finishes first
                with contextlib.suppress(asyncio.CancelledError):
                    await run
                return True
            stop.cancel()
            run.result()  # an error the worker raised, if any
            return stopping.is_set()
