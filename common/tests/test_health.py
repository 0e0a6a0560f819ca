"""Probes, the 503 page while the database is down, and recovery once it is back."""

import contextlib
import datetime
import re
import tempfile

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from common.tasks import deliver_email

UNAVAILABLE = b"Alliance is briefly unavailable"
READY = b"ok\nqueue: no worker seen in the last 5 minutes\nqueue: oldest ready task none\n"


@contextlib.contextmanager
def database_down():
    """The database unreachable: new connections go to a socket folder where no server listens."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    with tempfile.TemporaryDirectory() as nowhere:
        settings_dict["HOST"], settings_dict["PORT"] = nowhere, "5432"
        try:
            yield
        finally:
            connection.close()
            settings_dict["HOST"], settings_dict["PORT"] = saved


def seconds_ago(seconds: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def worker_seen(at: datetime.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (%s)", [at])


@pytest.fixture
def browser():
    """A test client that answers as a server would rather than re-raising the server's error."""
    return Browser(raise_request_exception=False)


def assert_plain(response, status: int, body: bytes) -> None:
    assert response.status_code == status
    assert response.content == body
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
class TestProbes:
    def test_livez_and_readyz_are_ok_for_anyone(self, browser):
        assert_plain(browser.get("/livez"), 200, b"ok\n")
        assert_plain(browser.get("/readyz"), 200, READY)
        assert reverse("livez") == "/livez"
        assert reverse("readyz") == "/readyz"

    def test_readyz_is_503_while_a_migration_is_not_applied(self, browser):
        MigrationRecorder(connection).migration_qs.filter(app="sessions_log").order_by("-id").first().delete()

        assert_plain(browser.get("/readyz"), 503, b"migrations pending\n")

    def test_readyz_reports_the_worker_last_seen_and_the_oldest_ready_task(self, browser):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (%s)", [seconds_ago(20)]
            )
        deliver_email.configure(schedule_at=seconds_ago(90)).defer(message={})
        deliver_email.configure(schedule_at=seconds_ago(-600)).defer(message={})  # not due yet

        body = browser.get("/readyz").content.decode()

        assert re.fullmatch(
            r"ok\nqueue: a worker seen 2\d s ago\nqueue: oldest ready task waiting 9\d s\n", body
        )

    def test_readyz_says_when_no_worker_was_seen_lately(self, browser):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (%s)", [seconds_ago(301)]
            )

        response = browser.get("/readyz")

        assert response.status_code == 200  # pages still serve; the mail waits in the queue
        assert b"queue: no worker seen in the last 5 minutes" in response.content

    def test_probes_take_no_post(self, browser):
        assert browser.post("/livez").status_code == 405
        assert browser.post("/readyz").status_code == 405


@pytest.mark.django_db(transaction=True)
class TestDatabaseDown:
    def test_livez_stays_ok_and_readyz_is_503_then_200_when_it_is_back(self, browser):
        with database_down():
            assert_plain(browser.get("/livez"), 200, b"ok\n")
            assert_plain(browser.get("/readyz"), 503, b"database unavailable\n")

        assert_plain(browser.get("/readyz"), 200, READY)

    def test_signed_in_pages_are_the_503_page_and_work_again_when_it_is_back(self, browser, owner):
        browser.force_login(owner)

        with database_down():
            # The session and the user are read before any view runs: this is handler500's case.
            down = browser.get(reverse("home"))
            post = browser.post(reverse("clients:intake"), {"code": "RS-0001"})

        assert down.status_code == post.status_code == 503
        assert UNAVAILABLE in down.content
        assert down["Retry-After"] == "30"
        assert down["Content-Type"] == "text/html; charset=utf-8"
        assert browser.get(reverse("home")).status_code == 200  # no restart, no stale connection

    def test_the_sign_in_page_still_shows(self, browser):
        with database_down():
            assert browser.get(reverse("accounts:login")).status_code == 200


@pytest.mark.django_db
def test_a_view_whose_query_fails_answers_with_the_503_page(browser, owner):
    """The middleware's case: the user is read, then the view's own query meets a dead server."""
    browser.force_login(owner)

    def server_gone(execute, sql, params, many, context):
        if '"clients_client"' in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(server_gone):
        response = browser.get(reverse("clients:list"))

    assert response.status_code == 503
    assert UNAVAILABLE in response.content


@pytest.mark.django_db
def test_other_errors_are_still_a_500(browser, owner):
    browser.force_login(owner)

    def broken(execute, sql, params, many, context):
        if '"clients_client"' in sql:
            raise ZeroDivisionError
        return execute(sql, params, many, context)

    with connection.execute_wrapper(broken):
        response = browser.get(reverse("clients:list"))

    assert response.status_code == 500
    assert UNAVAILABLE not in response.content


@pytest.mark.django_db
def test_connections_are_checked_and_time_limited():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (statement_timeout,) = cursor.fetchone()

    assert statement_timeout == "30s"
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 5
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["ATOMIC_REQUESTS"] is False  # services hold their own transactions


def test_static_files_are_served_by_the_app(client):
    response = client.get("/static/css/alliance.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
