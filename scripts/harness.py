"""What the scripts that run Alliance as a server share: ``bench.py``, ``fault_drill.py``, ``screenshots.py``.

- ``Browser``: a plain-HTTP client for one person, which keeps its cookies by hand (the app sets
  them Secure, which a cookie jar would not send over plain HTTP) and signs in with the login
  form's CSRF token;
- ``spare_port``, ``running``/``gunicorn`` (start a server, stop it afterwards: only that
  process), ``wait_until_up`` (until it answers 200);
- ``server_env`` (the environment of a server on a database of its own, with the production
  settings' essentials) and ``manage`` (a ``manage.py`` command in that environment);
- ``logger`` (the ``[name] message`` lines the scripts print).

A script run as ``python scripts/<name>.py`` puts the checkout on ``sys.path`` before it imports
``scripts.harness``.
"""

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEMO_PASSWORD = "alliance-demo"  # noqa: S105 - the published password of the demo accounts
LOOPBACK = "127.0.0.1"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def logger(name: str) -> Callable[[str], None]:
    """A ``log(message)`` that prints ``[name] message`` at once."""

    def log(message: str) -> None:
        print(f"[{name}] {message}", flush=True)

    return log


# HTTP ------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    location: str  # the Location header, "" without one
    body: str
    elapsed: float  # seconds from sending the request to the last byte of the body


class Browser:
    """One person on a loopback server; cookies kept by hand (they are Secure; this is plain HTTP).

    ``request`` raises ``OSError`` or ``http.client.HTTPException`` when there is no response;
    ``kind`` is a label for subclasses that record each request (the fault drill's).
    """

    def __init__(self, port: int, *, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, *, kind: str = "") -> Response | None:
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            content = raw.read().decode("utf-8", "replace")
            elapsed = time.perf_counter() - started
            for header in raw.headers.get_all("Set-Cookie") or []:
                for key, morsel in SimpleCookie(header).items():
                    self.cookies[key] = morsel.value
            return Response(raw.status, raw.headers.get("Location", ""), content, elapsed)
        finally:
            conn.close()

    def try_sign_in(self, username: str, password: str = DEMO_PASSWORD) -> str | None:
        """Sign in with the login form; ``None`` when signed in, else what went wrong."""
        page = self.request("GET", "/accounts/login/", kind="read")
        csrf = CSRF.search(page.body) if page is not None else None
        if page is None or page.status != 200 or not csrf:
            return f"the sign-in page answered {page.status if page else 'nothing'}"
        done = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf.group(1)},
            kind="sign-in",
        )
        if done is None or done.status != 302 or "sessionid" not in self.cookies:
            return f"{username} could not sign in ({done.status if done else 'no response'})"
        return None

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in or raise ``RuntimeError``."""
        if problem := self.try_sign_in(username, password):
            raise RuntimeError(problem)


# Servers ---------------------------------------------------------------------------------------


def spare_port() -> int:
    """A loopback TCP port free at the moment of asking."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_until_up(
    port: int,
    server: subprocess.Popen | None = None,
    *,
    path: str = "/readyz",
    timeout: float = 60,
    interval: float = 0.2,
) -> bool:
    """Whether ``path`` answered 200 within ``timeout`` seconds (``False`` at once if ``server`` exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (server is None or server.poll() is None):
        remaining = deadline - time.monotonic()
        with contextlib.suppress(OSError, http.client.HTTPException):
            response = Browser(port, timeout=max(1, min(10, remaining))).request("GET", path)
            if response is not None and response.status == 200:
                return True
        time.sleep(interval)
    return False


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not stopped after ``timeout`` seconds; only this process."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running(
    command: list[str],
    env: dict,
    output: IO,
    *,
    new_session: bool = False,
    stop_timeout: float = 30,
) -> Iterator[subprocess.Popen]:
    """Run ``command`` in the checkout, its output into ``output``, for the ``with`` block."""
    process = subprocess.Popen(  # noqa: S603 - our own commands
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=new_session,
    )
    try:
        yield process
    finally:
        stop_process(process, stop_timeout)


def gunicorn(env: dict, output: IO) -> contextlib.AbstractContextManager[subprocess.Popen]:
    """gunicorn with config/gunicorn.conf.py (``GUNICORN_BIND``, ``WEB_CONCURRENCY`` from ``env``)."""
    command = [str(Path(PYTHON).parent / "gunicorn"), "--config", "config/gunicorn.conf.py"]
    # A session of its own: a Ctrl-C in the terminal reaches the script, which stops gunicorn.
    return running(command, env, output, new_session=True)


# Environment -----------------------------------------------------------------------------------


def server_env(database: dict, **settings: str) -> dict:
    """This process's environment for the app on ``database`` (a Django DATABASES entry).

    ``DATABASE_URL`` points at it, ``DEBUG`` is dropped (pass it in ``settings`` when wanted),
    ``SECRET_KEY`` is new for this run; ``settings`` add to or override the rest.
    """
    from scripts.backup import database_url

    return {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DEBUG"}},
        "DATABASE_URL": database_url(database, database["NAME"]),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        **settings,
    }


def manage(env: dict, *args: str, quiet: bool = False) -> None:
    """``manage.py <args>`` in the checkout with ``env``; its standard output hidden if ``quiet``."""
    subprocess.run(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
