"""E-mail through the task queue, against real SMTP servers on local sockets and the real worker.

A server that refuses connections, one that accepts and then never answers, and one that works
(aiosmtpd). Decisions answer at once whatever the server does; the worker delivers once the
server is back; a change that rolled back sends nothing; a message the worker gives up on shows
on the practice admin's dashboard, who can send it again.
"""

import datetime
import socket
import threading
import time
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.urls import reverse
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from clients.tests.factories import ClientFactory
from common.mail import serialize
from common.tasks import MAIL_ATTEMPTS, deliver_email, retry_span, retry_stalled_jobs, wait_after
from common.tests.queue import in_a_thread_of_its_own
from supervision import services
from supervision.models import FlagEvent, FlagEventKind
from supervision.notifications import flag_tag
from supervision.tests.factories import FlagFactory

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HangingServer:
    """Accepts connections and never says a word: an SMTP client waits for a greeting."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.socket.close()
        for conn in self.held:
            conn.close()


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """Point the worker's SMTP delivery at ``port``; ``EMAIL_TIMEOUT`` short for the hanging server."""
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 1

    def point_at(port: int) -> None:
        settings.EMAIL_PORT = port

    return point_at


@pytest.fixture
def working_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, recorder
    controller.stop()


def run_worker() -> None:
    """The worker as ``manage.py procrastinate worker`` runs it, until no mail job is due."""

    async def work():
        with app.replace_connector(app.connector.get_worker_connector()):
            async with app.open_async():
                await app.run_worker_async(queues=["mail"], wait=False, install_signal_handlers=False)

    in_a_thread_of_its_own(work)


def mail_jobs():
    return ProcrastinateJob.objects.filter(queue_name="mail")


def make_due() -> None:
    """Time passes: every retry waiting in the queue is due now."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")


DECISIONS = {
    "acknowledge": {"comment": "Seen."},
    "comment": {"comment": "Please add the rationale."},
    "resolve": {"outcome": "no_action", "comment": "Handled in supervision."},
    "escalate": {"comment": "This needs the practice's attention."},
}


@pytest.mark.parametrize("server", ["refusing", "hanging"])
def test_decisions_answer_at_once_and_their_mail_arrives_when_the_server_is_back(
    client, supervisor, owner, admin, smtp, working_server, server
):
    down = HangingServer() if server == "hanging" else None
    smtp(down.port if down else free_port())  # nothing listens on a fresh free port
    flags = {action: FlagFactory(client=ClientFactory(therapist=owner)) for action in DECISIONS}
    client.force_login(supervisor)
    client.get(reverse("supervision:flag_detail", args=[flags["comment"].pk]))  # templates loaded once

    timings = {}
    for action, data in DECISIONS.items():
        flag = flags[action]
        started = time.perf_counter()
        response = client.post(
            reverse(f"supervision:flag_{action}", args=[flag.pk]), {**data, "seen_event": 0}
        )
        timings[action] = time.perf_counter() - started
        assert response.status_code == 302, (action, response.status_code)
        assert response["Location"] == flag.get_absolute_url()

    assert all(seconds < 0.2 for seconds in timings.values()), timings
    for action, flag in flags.items():
        kinds = list(FlagEvent.objects.filter(flag=flag, actor=supervisor).values_list("kind", flat=True))
        assert kinds == [
            {"acknowledge": "acknowledged", "comment": "commented", "resolve": "resolved"}.get(
                action, FlagEventKind.ESCALATED
            )
        ], action
    # The flag page says the e-mail is still on its way.
    page = client.get(flags["comment"].get_absolute_url())
    assert b"An e-mail about this flag is" in page.content

    started = time.perf_counter()
    run_worker()  # every attempt fails: refused at once, or timed out after EMAIL_TIMEOUT
    assert time.perf_counter() - started < 4 * 1 + 5
    assert list(mail_jobs().values_list("status", "attempts").distinct()) == [("todo", 1)]
    assert working_server[1].envelopes == []

    if down:
        down.close()
    port, recorder = working_server
    smtp(port)
    make_due()
    run_worker()

    assert mail_jobs().count() == 0  # delivered, and gone from the queue
    delivered = sorted((envelope.rcpt_tos, envelope.content) for envelope in recorder.envelopes)
    assert len(delivered) == len(DECISIONS)
    assert sorted(tuple(rcpt) for rcpt, _ in delivered) == sorted(
        [(owner.email,)] * 3 + [tuple(sorted([owner.email, admin.email]))]
    )
    for _, content in delivered:
        assert b"X-Alliance" not in content  # the queue's own headers never leave
    assert b"An e-mail about this flag is" not in client.get(flags["comment"].get_absolute_url()).content


class RolledBack(Exception):
    pass


def test_a_change_that_rolled_back_sends_nothing(supervisor, client_record, smtp, working_server):
    port, recorder = working_server
    smtp(port)
    flag = FlagFactory(client=client_record)

    with pytest.raises(RolledBack), transaction.atomic():
        services.flag_comment(flag=flag, by=supervisor, comment="Never saved.")
        assert mail_jobs().count() == 1  # queued in the same transaction...
        raise RolledBack
    run_worker()

    assert mail_jobs().count() == 0  # ...and gone with it
    assert recorder.envelopes == []
    assert not FlagEvent.objects.filter(flag=flag, kind=FlagEventKind.COMMENTED).exists()


def test_retries_last_a_day_with_growing_waits_then_the_job_fails_and_the_admin_sends_it_again(
    client, supervisor, admin, other_admin, client_record, smtp, working_server
):
    assert [wait_after(attempts) for attempts in range(4)] == [30, 60, 120, 240]
    assert wait_after(20) == 3600  # never more than an hour apart
    assert retry_span() >= datetime.timedelta(hours=24)
    assert retry_span() < datetime.timedelta(hours=25)

    smtp(free_port())
    flag = FlagFactory(client=client_record)
    services.flag_comment(flag=flag, by=supervisor, comment="Please look.")
    job = mail_jobs().get()
    assert job.args["message"]["tag"] == flag_tag(flag)
    with connection.cursor() as cursor:  # the day of retries has passed: this is the last try
        cursor.execute(
            "UPDATE procrastinate_jobs SET attempts = %s WHERE id = %s", [MAIL_ATTEMPTS - 1, job.pk]
        )
    run_worker()
    assert mail_jobs().get().status == "failed"

    client.force_login(other_admin)
    assert b"could not be sent" not in client.get(reverse("supervision:admin_dashboard")).content
    assert client.post(reverse("supervision:mail_requeue", args=[job.pk])).status_code == 404
    client.force_login(admin)
    dashboard = client.get(reverse("supervision:admin_dashboard"))
    assert b"E-mail that could not be sent" in dashboard.content
    assert f"Commented: {flag.get_rule_display()}".encode() in dashboard.content

    first = client.post(reverse("supervision:mail_requeue", args=[job.pk]), follow=True)
    again = client.post(reverse("supervision:mail_requeue", args=[job.pk]), follow=True)
    assert b"queued again" in first.content
    assert b"already queued again" in again.content
    assert mail_jobs().filter(status="todo").count() == 1  # a repeated click queues it once
    assert b"E-mail that could not be sent" not in again.content

    port, recorder = working_server
    smtp(port)
    run_worker()
    assert len(recorder.envelopes) == 1
    assert mail_jobs().filter(status="todo").count() == 0


def test_mail_left_running_by_a_dead_worker_is_queued_again(client_record, smtp, working_server):
    port, recorder = working_server
    smtp(port)
    job_id = deliver_email.defer(
        message=serialize(EmailMessage("Left running", "body", to=["a@example.org"]))
    )
    with connection.cursor() as cursor:  # its worker was killed: no heartbeat for two minutes
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '2 minutes')"
            " RETURNING id"
        )
        (worker_id,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s",
            [worker_id, job_id],
        )

    async def sweep():
        with app.replace_connector(app.connector.get_worker_connector()):
            async with app.open_async():
                await retry_stalled_jobs(SimpleNamespace(app=app), timestamp=0)

    in_a_thread_of_its_own(sweep)
    assert mail_jobs().get(pk=job_id).status == "todo"
    make_due()
    run_worker()

    assert [envelope.content.count(b"Subject: Left running") for envelope in recorder.envelopes] == [1]
