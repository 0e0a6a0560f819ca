"""``manage.py run_worker``: the worker started again when it stops on its own, stopped when asked."""

import asyncio
import contextlib
import threading

from home.management.commands import run_worker


class FakeApp:
    """Stands in for procrastinate's app: its first worker run ends at once (as when the database
    went away under it), the second runs until cancelled, and a stop is asked for meanwhile (what
    SIGINT and SIGTERM do)."""

    def __init__(self):
        self.runs = 0
        self.cancelled = False
        self.connector = self
        self.stopping = None

    def get_worker_connector(self):
        return self

    @contextlib.contextmanager
    def replace_connector(self, connector):
        yield self

    @contextlib.asynccontextmanager
    async def open_async(self):
        yield

    async def run_worker_async(self, **options):
        assert options == {"install_signal_handlers": False}
        self.runs += 1
        if self.runs == 1:
            return
        asyncio.get_running_loop().call_later(0.05, self.stopping.set)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled = True
            raise


def test_the_worker_is_started_again_after_it_stops_and_stopped_when_asked(monkeypatch):
    fake = FakeApp()
    monkeypatch.setattr(run_worker, "app", fake)
    monkeypatch.setattr(run_worker, "FIRST_PAUSE", 0.01)

    async def serve():
        fake.stopping = asyncio.Event()
        await run_worker.Command().serve(fake.stopping)

    # A thread of its own: the browser tests leave Playwright's event loop running in this one.
    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    thread.join(10)

    assert fake.runs == 2
    assert fake.cancelled  # a graceful stop of the running worker, not a second restart
