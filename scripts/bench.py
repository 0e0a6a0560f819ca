"""Benchmark: Alliance at practice scale, served by gunicorn with the production settings.

    python scripts/bench.py           # make bench

It keeps a PostgreSQL server of its own (embedded, in var/postgres-bench/) with two databases:
``alliance`` holds the demo at practice-large (``seed_demo --size practice-large``: 60 therapists,
6 supervisors, 3,000 clients, 150,000 sessions, 30,000 incidents) and ``alliance_demo`` the demo
at its default scale; each is migrated, seeded and swept by ``evaluate_flags`` the first time,
then reused (``--reseed`` starts again). Then it measures:

- SQL queries per page, at both scales: Django's test client in this process, signed in as a
  therapist, a supervisor and an admin, counting with ``CaptureQueriesContext`` (the second
  request of each page, so nothing cached from the first is missed or counted twice);
- the time of a full ``evaluate_flags`` sweep (``evaluate_all``) and the time rule evaluation
  adds to saving one incident (``incident_create``; the ``on_commit`` evaluation is timed on
  its own, inside a transaction that is then rolled back, so the data does not change);
- with gunicorn (DEBUG off, an ephemeral SECRET_KEY, the configured workers) on a spare loopback
  port: the median and 95th percentile of the time of each page, requested in turn, one at a
  time, in the same run, and each page's ratio to a bare signed-in page (the password-change
  form: the session, the user and the practice, nothing else);
- requests per second for the supervisor dashboard at 16 connections (``wrk``, installed from
  Debian if missing and possible, else a threaded Python client), and every status seen then.

It prints a table, checks the targets of docs/PERFORMANCE.md and writes everything to
var/bench.json. The exit status is non-zero if a target is missed. Only processes this script
started are stopped; the database server is left running for the next run (``--stop`` stops it).
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from scripts import harness  # noqa: E402 - needs the checkout on sys.path

DATA_DIR = BASE_DIR / "var" / "postgres-bench"
LOG_DIR = BASE_DIR / "var" / "bench"
RESULT = BASE_DIR / "var" / "bench.json"
DATABASES = {"practice-large": "alliance", "default": "alliance_demo"}
# Who signs in, per scale: the large practice's therapists beyond the scripted cast have 52 clients.
PEOPLE = {
    "practice-large": {"therapist": "dr.extra1", "supervisor": "sup.rivera", "admin": "admin"},
    "default": {"therapist": "dr.chen", "supervisor": "sup.rivera", "admin": "admin"},
}
# (key, title, who) in table order; the bare page comes first.
PAGES = [
    ("bare", "bare signed-in page (password change)", "therapist"),
    ("therapist_home", "therapist home", "therapist"),
    ("client_list", "client list (admin: the whole practice)", "admin"),
    ("client_timeline", "client timeline (most kinds of entry)", "therapist"),
    ("supervisor_dashboard", "supervisor dashboard", "supervisor"),
    ("flag_page", "flag page (most evidence)", "supervisor"),
    ("admin_dashboard", "admin dashboard", "admin"),
    ("client_page", "client page (all its flags and follow-ups)", "therapist"),
    ("my_flags", "therapist's flags, open and closed", "therapist"),
    ("my_follow_ups", "therapist's follow-ups", "therapist"),
    ("supervisee", "a supervisee's page", "supervisor"),
]
TARGETS = {
    "queries_per_page": 15,
    "dashboard_ratio": 3.0,
    "sweep_seconds": 5.0,
    "evaluation_ms": 50.0,
    "calendar_import_seconds": 10.0,
}
CALENDAR_EVENTS = 2500  # a year of a practice-large therapist's appointments
log = harness.logger("bench")


# The database server ------------------------------------------------------------------------------


def database_env(name: str) -> dict:
    from common import embedded_db

    return harness.server_env(
        embedded_db.database_settings(DATA_DIR, name),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        # No mail server here: the worker (not run by the bench) would print the mail.
        EMAIL_TO_CONSOLE="true",
        # The bench signs in with passwords only; two-factor is measured by its own tests.
        TWO_FACTOR_REQUIRED="false",
    )


def manage(env: dict, *args: str) -> None:
    harness.manage(env, *args, quiet=True)


def prepare(scale: str, env: dict, *, reseed: bool) -> dict:
    """Migrate; seed and sweep once (timed) unless the data is there. Returns what the seeding took."""
    import psycopg

    marker = LOG_DIR / f"seeded-{scale}.json"
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        (practices,) = conn.execute("SELECT count(*) FROM accounts_practice").fetchone()
    if practices and reseed:
        log(f"--reseed: emptying the {scale} database")
        manage(env, "flush", "--no-input")
    elif practices:
        return json.loads(marker.read_text()) if marker.exists() else {"seed_seconds": None}
    size = ["--size", "practice-large"] if scale == "practice-large" else []
    log(f"seeding the {scale} demo (seed_demo {' '.join(size) or '(scale 1)'}) ...")
    started = time.monotonic()
    # The seed ends with the first sweep (it opens the flags) and the demo's review loop.
    manage({**env, "EMAIL_HOST": ""}, "seed_demo", *size)
    seeded = time.monotonic() - started
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would soon after a bulk load
    log(f"seeded in {seeded:.1f} s, its first sweep included")
    record = {"seed_seconds": round(seeded, 1)}
    marker.write_text(json.dumps(record))
    return record


# Inside Django: query counts, the sweep, one save ----------------------------------------------


def measure_in_process(scale: str) -> dict:
    """Run in a child process with the scale's DATABASE_URL; prints one JSON object."""
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from clients.models import Client as ClientRecord
    from sessions_log import services
    from supervision.engine import evaluate_all, evaluate_for_client
    from supervision.models import Flag
    from supervision.timeline import timeline_page

    people = {role: User.objects.get(username=name) for role, name in PEOPLE[scale].items()}
    # The timeline: of the therapist's clients with an open flag, the one whose first page shows the
    # most kinds of entry (a query each), then the longest history: the costliest page, at both scales.
    candidates = (
        ClientRecord.objects.filter(therapist=people["therapist"], flags__status="open")
        .annotate(n=Count("sessions", distinct=True))
        .order_by("-n", "pk")
    )
    longest = max(
        candidates,
        key=lambda record: len(
            {item.kind for item in timeline_page(client=record, user=people["therapist"]).object_list}
        ),
    )
    flag = (
        Flag.objects.for_user(people["supervisor"])
        .open()
        .filter(client__isnull=False)
        .annotate(n=Count("incidents", distinct=True) + Count("sessions", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    urls = {
        "bare": reverse("accounts:password_change"),
        "therapist_home": reverse("home"),
        "client_list": reverse("clients:list"),
        "client_timeline": reverse("clients:timeline", args=[longest.pk]),
        "supervisor_dashboard": reverse("supervision:dashboard"),
        "flag_page": reverse("supervision:flag_detail", args=[flag.pk]),
        "admin_dashboard": reverse("supervision:admin_dashboard"),
        "client_page": reverse("clients:detail", args=[longest.pk]),
        "my_flags": reverse("supervision:my_flags"),
        "my_follow_ups": reverse("follow_ups"),
        "supervisee": reverse("supervision:supervisee", args=[flag.therapist_id]),
    }
    queries = {}
    for key, _title, role in PAGES:
        browser = Client()
        browser.force_login(people[role])
        first = browser.get(urls[key])
        if first.status_code != 200:
            raise RuntimeError(f"{urls[key]} answered {first.status_code} to {people[role]}")
        with CaptureQueriesContext(connection) as captured:
            browser.get(urls[key])
        queries[key] = len(captured)
    result = {"urls": urls, "queries": queries, "people": PEOPLE[scale]}
    if scale != "practice-large":
        return result

    sweeps = []
    for _ in range(3):
        started = time.perf_counter()
        evaluate_all()
        sweeps.append(time.perf_counter() - started)

    # One incident saved through the service, then its on_commit evaluation run by hand: both timed,
    # inside a transaction rolled back afterwards. The client: the busiest of the therapist's.
    busiest = (
        ClientRecord.objects.filter(therapist=people["therapist"], status="active")
        .annotate(n=Count("incidents"))
        .order_by("-n", "pk")
        .first()
    )
    saves, evaluations = [], []
    for _ in range(15):
        with transaction.atomic():
            started = time.perf_counter()
            services.incident_create(
                client=busiest,
                by=people["therapist"],
                data={
                    "category": "communication",
                    "initiated_by": "client",
                    "planned": False,
                    "provisional_classification": "crossing",
                    "harm": 0,
                    "location": "online",
                    "occurred_at": timezone.now() - datetime.timedelta(hours=3),
                    "description": "C. emailed after hours to move the next session.",
                    "rationale": "Answered in working hours, as agreed.",
                    "client_consent": "Not applicable.",
                },
            )
            saves.append(time.perf_counter() - started)
            callbacks = list(connection.run_on_commit)
            connection.run_on_commit.clear()
            started = time.perf_counter()
            for _savepoints, callback, _robust in callbacks:
                callback()
            evaluations.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    calendar_seconds, calendar_summary = time_calendar_import(people["therapist"])
    # The same evaluation, called directly, for the record.
    started = time.perf_counter()
    evaluate_for_client(busiest)
    direct = time.perf_counter() - started
    result.update(
        sweep_seconds=[round(s, 3) for s in sweeps],
        save_ms=round(statistics.median(saves) * 1000, 1),
        evaluation_ms=round(statistics.median(evaluations) * 1000, 1),
        evaluation_ms_max=round(max(evaluations) * 1000, 1),
        evaluation_direct_ms=round(direct * 1000, 1),
        evaluated_client=busiest.code,
        calendar_import_seconds=[round(seconds, 2) for seconds in calendar_seconds],
        calendar_summary=calendar_summary,
    )
    return result


def calendar_file(therapist, events: int) -> bytes:
    """``events`` appointments of ``therapist``'s clients, spread over the import window."""
    import itertools

    import icalendar
    from django.utils import timezone

    from calendar_sync.services import window
    from clients.models import Client as ClientRecord

    codes = itertools.cycle(
        ClientRecord.objects.filter(therapist=therapist).active().values_list("code", flat=True)
    )
    start, end = window()
    step = (end - start) / events
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Alliance bench//EN")
    calendar.add("version", "2.0")
    for number in range(events):
        moment = (start + step * number + datetime.timedelta(hours=1)).replace(second=0, microsecond=0)
        event = icalendar.Event()
        event.add("uid", f"bench-{number}@alliance")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", moment)
        event.add("dtend", moment + datetime.timedelta(minutes=50))
        event.add("summary", f"{next(codes)} session")
        calendar.add_component(event)
    return calendar.to_ical()


def time_calendar_import(therapist, rounds: int = 3) -> tuple[list[float], str]:
    """Seconds to import ``CALENDAR_EVENTS`` events from a file (parse, match, plan), each round
    rolled back; and the first round's summary."""
    from django.db import transaction

    from calendar_sync.services import import_calendar

    data = calendar_file(therapist, CALENDAR_EVENTS)
    seconds, summary = [], ""
    for _ in range(rounds):
        with transaction.atomic():
            started = time.perf_counter()
            record = import_calendar(therapist=therapist, data=data, source="file", by=therapist)
            seconds.append(time.perf_counter() - started)
            summary = summary or record.summary
            transaction.set_rollback(True)
    return seconds, summary


def in_process(scale: str, env: dict) -> dict:
    output = subprocess.run(  # noqa: S603
        [harness.PYTHON, __file__, "--in-process", scale],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# Over HTTP -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def time_pages(port: int, urls: dict, people: dict, rounds: int) -> dict:
    browsers = {}
    for role, username in people.items():
        browsers[role] = harness.Browser(port)
        browsers[role].sign_in(username)
    samples: dict[str, list[float]] = {key: [] for key, _, _ in PAGES}
    statuses: dict[str, set[int]] = {key: set() for key, _, _ in PAGES}
    for number in range(rounds + 3):  # three rounds of warm-up: every worker imports its templates
        for key, _title, role in PAGES:
            response = browsers[role].request("GET", urls[key])
            statuses[key].add(response.status)
            if number >= 3:
                samples[key].append(response.elapsed * 1000)
    bad = {key: sorted(seen) for key, seen in statuses.items() if seen != {200}}
    if bad:
        raise RuntimeError(f"pages did not answer 200: {bad}")
    bare = statistics.median(samples["bare"])
    return {
        key: {
            "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "ratio_to_bare": round(statistics.median(values) / bare, 2),
            "samples": len(values),
        }
        for key, values in samples.items()
    }


def wrk_binary() -> str | None:
    if found := shutil.which("wrk"):
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        quiet = {
            "check": False,
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        }
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, **quiet).returncode != 0:  # noqa: S603 - fixed arguments
            subprocess.run(["apt-get", "update", "-qq"], **quiet)  # noqa: S603, S607
            subprocess.run(install, **quiet)  # noqa: S603
    return shutil.which("wrk")


def access_statuses(log_file: Path, start: int, path: str) -> dict[str, int]:
    """Statuses of requests for ``path`` in gunicorn's access log after byte ``start``."""
    counts: dict[str, int] = {}
    with log_file.open("rb") as handle:
        handle.seek(start)
        for line in handle.read().decode("utf-8", "replace").splitlines():
            found = re.search(r'"GET (\S+) HTTP/[\d.]+" (\d{3}) ', line)
            if found and found.group(1) == path:
                counts[found.group(2)] = counts.get(found.group(2), 0) + 1
    return counts


def load(port: int, path: str, cookie: str, *, seconds: int, connections: int, log_file: Path) -> dict:
    """Requests per second at ``connections`` connections; every status seen, from gunicorn's log."""
    mark = log_file.stat().st_size
    wrk = wrk_binary()
    result: dict = {"connections": connections, "seconds": seconds}
    if wrk:
        output = subprocess.run(  # noqa: S603
            [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-H",
                f"Cookie: sessionid={cookie}",
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
        errors = re.search(r"Socket errors: (.*)", output)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
        result.update(
            client="wrk",
            requests_per_second=float(rps.group(1)) if rps else 0.0,
            socket_errors=errors.group(1).strip() if errors else "none",
            non_2xx_3xx=int(non2xx.group(1)) if non2xx else 0,
            latency=latency,
        )
    else:
        result.update(client="python threads", **python_load(port, path, cookie, seconds, connections))
    time.sleep(0.5)
    result["statuses"] = access_statuses(log_file, mark, path)
    result["errors"] = (
        sum(n for status, n in result["statuses"].items() if status != "200")
        + result.get("non_2xx_3xx", 0)
        + (0 if result.get("socket_errors", "none") == "none" else 1)
        + result.get("failures", 0)
    )
    return result


def python_load(port: int, path: str, cookie: str, seconds: int, connections: int) -> dict:
    stop = time.monotonic() + seconds
    done, failures, lock = [0], [0], threading.Lock()

    def worker():
        while time.monotonic() < stop:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
                ok = conn.getresponse().status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            finally:
                conn.close()
            with lock:
                done[0] += ok
                failures[0] += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requests_per_second": round(done[0] / (time.monotonic() - started), 1), "failures": failures[0]}


# The report ------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        memory_kb = int(handle.readline().split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }


def report(results: dict) -> int:
    pages, host, loaded = results["pages"], results["machine"], results["load"]
    large, small = results["queries"]["practice-large"], results["queries"]["default"]
    seeding = results["seeding"]["practice-large"]
    lines = [
        "",
        f"Alliance benchmark, {results['when']}: {host['nproc']} CPUs ({host['cpu']}), "
        f"{host['memory_gib']} GiB; load average {host['load_average_at_start']} at the start, "
        f"{host['load_average_at_end']} at the end; gunicorn {results['workers']} sync workers, DEBUG off.",
        f"Data: {results['data']}.",
        "",
        f"{'page':42} {'median ms':>10} {'p95 ms':>8} {'x bare':>7} "
        f"{'queries demo':>13} {'queries large':>14}",
    ]
    for key, title, _role in PAGES:
        page = pages[key]
        lines.append(
            f"{title:42} {page['median_ms']:>10.1f} {page['p95_ms']:>8.1f} {page['ratio_to_bare']:>7.2f} "
            f"{small['queries'][key]:>13} {large['queries'][key]:>14}"
        )
    latency = f"; latency percentiles {loaded['latency']}" if loaded.get("latency") else ""
    lines += [
        "",
        f"Supervisor dashboard under load ({loaded['client']}, {loaded['connections']} connections, "
        f"{loaded['seconds']} s): {loaded['requests_per_second']:.1f} requests/s; "
        f"statuses {loaded['statuses']}{latency}; errors {loaded['errors']}.",
        f"Full evaluate_flags sweep: {min(large['sweep_seconds']):.2f} s "
        f"(best of 3: {large['sweep_seconds']}); the first one, which opens the flags, is part of the "
        f"seed ({seeding.get('seed_seconds')} s in all).",
        f"Saving one incident (incident_create): {large['save_ms']} ms; its rule evaluation on commit "
        f"adds {large['evaluation_ms']} ms (median of 15, max {large['evaluation_ms_max']} ms; "
        f"client {large['evaluated_client']}).",
        f"Calendar import of {CALENDAR_EVENTS} events from an .ics file: "
        f"{min(large['calendar_import_seconds']):.2f} s (best of 3: {large['calendar_import_seconds']}; "
        f"{large['calendar_summary']}).",
        f"Seeding practice-large took {seeding.get('seed_seconds')} s.",
        "",
        "Targets:",
    ]
    dashboard_ratio = pages["supervisor_dashboard"]["ratio_to_bare"]
    checks = {
        f"every page <= {TARGETS['queries_per_page']} queries, the same at both scales": all(
            small["queries"][k] == large["queries"][k] <= TARGETS["queries_per_page"] for k, _, _ in PAGES
        ),
        f"supervisor dashboard median <= {TARGETS['dashboard_ratio']:.0f}x the bare page": dashboard_ratio
        <= TARGETS["dashboard_ratio"],
        f"full sweep <= {TARGETS['sweep_seconds']:.0f} s": min(large["sweep_seconds"])
        <= TARGETS["sweep_seconds"],
        f"rule evaluation on one save <= {TARGETS['evaluation_ms']:.0f} ms": large["evaluation_ms"]
        <= TARGETS["evaluation_ms"],
        f"calendar import of {CALENDAR_EVENTS} events <= {TARGETS['calendar_import_seconds']:.0f} s": min(
            large["calendar_import_seconds"]
        )
        <= TARGETS["calendar_import_seconds"],
        "no errors under load": loaded["errors"] == 0,
    }
    lines += [f"  {'met   ' if ok else 'MISSED'} {name}" for name, ok in checks.items()]
    results["targets"] = dict(checks)
    print("\n".join(lines), flush=True)
    RESULT.write_text(json.dumps(results, indent=2) + "\n")
    log(f"written to {RESULT.relative_to(BASE_DIR)}")
    return 0 if all(checks.values()) else 1


def bench(args) -> int:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "when": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": machine(),
        "seeding": {},
        "queries": {},
    }
    envs = {scale: database_env(name) for scale, name in DATABASES.items()}
    for scale, env in envs.items():
        results["seeding"][scale] = prepare(scale, env, reseed=args.reseed)
    log("collecting static files")
    manage(envs["practice-large"], "collectstatic", "--no-input", "--verbosity", "0")
    for scale, env in envs.items():
        log(f"counting queries per page at the {scale} scale")
        results["queries"][scale] = in_process(scale, env)
    large = results["queries"]["practice-large"]

    import psycopg

    with psycopg.connect(envs["practice-large"]["DATABASE_URL"]) as c:
        counts = {
            table: c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in (
                "clients_client",
                "boundaries_boundaryagreement",
                "sessions_log_session",
                "sessions_log_incident",
                "supervision_flag",
            )
        }
    results["data"] = (
        f"practice-large ({counts['clients_client']} clients, {counts['boundaries_boundaryagreement']} "
        f"agreements, {counts['sessions_log_session']} sessions, "
        f"{counts['sessions_log_incident']} incidents, "
        f"{counts['supervision_flag']} flags, both practices)"
    )

    port = args.port or harness.spare_port()
    env = {**envs["practice-large"], "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "INFO"}
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    results["workers"] = args.workers or (os.cpu_count() or 1) * 2 + 1
    log_file = LOG_DIR / "gunicorn.log"
    with log_file.open("w") as gunicorn_log:
        log(
            f"starting gunicorn ({results['workers']} workers, DEBUG off) on 127.0.0.1:{port}; "
            f"log: {log_file.relative_to(BASE_DIR)}"
        )
        with harness.gunicorn(env, gunicorn_log) as server:
            if not harness.wait_until_up(port, server):
                log("gunicorn did not become ready; see its log")
                return 1
            log(f"timing {len(PAGES)} pages, {args.rounds} rounds, one request at a time")
            results["pages"] = time_pages(port, large["urls"], large["people"], args.rounds)
            supervisor = harness.Browser(port)
            supervisor.sign_in(large["people"]["supervisor"])
            log(f"load: the supervisor dashboard at {args.connections} connections for {args.seconds} s")
            results["load"] = load(
                port,
                large["urls"]["supervisor_dashboard"],
                supervisor.cookies["sessionid"],
                seconds=args.seconds,
                connections=args.connections,
                log_file=log_file,
            )
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report(results)


def stop_server() -> None:
    from common import embedded_db

    if embedded_db.stop(DATA_DIR):
        log(f"stopped the PostgreSQL server in {DATA_DIR.relative_to(BASE_DIR)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--connections", type=int, default=16, help="connections under load (default 16)")
    parser.add_argument("--seconds", type=int, default=15, help="seconds of load (default 15)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--port", type=int, help="gunicorn's port (default: a spare one)")
    parser.add_argument("--reseed", action="store_true", help="empty and seed both databases again")
    parser.add_argument("--stop", action="store_true", help="stop the benchmark's PostgreSQL server and exit")
    parser.add_argument("--in-process", metavar="SCALE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stop:
        stop_server()
        return 0
    if args.in_process:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            print(json.dumps(measure_in_process(args.in_process)), flush=True)
        return 0
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
