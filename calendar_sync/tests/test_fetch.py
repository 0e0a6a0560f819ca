"""The feed-address guard: loopback, private and link-local addresses are refused unless the
deployment allows the host; a local HTTPS server, allowed through the setting, is pulled."""

import http.server
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from calendar_sync import fetch
from calendar_sync.fetch import FeedRefused

FEED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/calendar.ics", "a loopback address"),
        ("https://localhost/calendar.ics", "a loopback address"),
        ("https://[::1]/calendar.ics", "a loopback address"),
        ("https://10.0.0.7/calendar.ics", "a private address"),
        ("https://192.168.1.20:8443/calendar.ics", "a private address"),
        ("https://172.16.5.5/calendar.ics", "a private address"),
        ("https://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("https://[fe80::1]/calendar.ics", "a link-local address"),
        ("https://0.0.0.0/calendar.ics", "a private address"),
        ("https://224.0.0.1/calendar.ics", "not a public address"),
    ],
)
def test_addresses_inside_the_network_are_refused(url, why):
    with pytest.raises(FeedRefused, match=why):
        fetch.check(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://calendar.example.com/feed.ics", "must begin with https://"),
        ("webcal://calendar.example.com/feed.ics", "must begin with https://"),
        ("https://user:secret@calendar.example.com/feed.ics", "no user name or password"),
        ("https:///feed.ics", "names no host"),
    ],
)
def test_other_addresses_are_refused_with_the_reason(url, message):
    with pytest.raises(FeedRefused, match=message):
        fetch.check(url)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )

    with pytest.raises(FeedRefused, match="calendar.example.com resolves to 10.1.2.3, a private address"):
        fetch.check("https://calendar.example.com/feed.ics")


def test_a_public_address_passes_and_is_the_one_connected_to(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))],
    )

    assert fetch.check("https://calendar.example.com/feed.ics?key=1") == (
        "calendar.example.com",
        443,
        "/feed.ics?key=1",
        "93.184.215.14",
    )


@pytest.fixture
def local_https_server(tmp_path):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for that address."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = FEED if self.path == "/calendar.ics" else b"x" * 2048
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


def test_a_local_server_is_refused_unless_the_deployment_allows_its_host(settings, local_https_server):
    base, cert = local_https_server
    settings.CALENDAR_FEED_CA_FILE = str(cert)

    with pytest.raises(FeedRefused, match="loopback"):
        fetch.fetch(f"{base}/calendar.ics")

    settings.CALENDAR_FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    assert fetch.fetch(f"{base}/calendar.ics") == FEED


def test_the_size_limit_and_the_certificate_hold_for_an_allowed_host(settings, local_https_server):
    base, cert = local_https_server
    settings.CALENDAR_FEED_ALLOWED_HOSTS = ["127.0.0.1"]

    with pytest.raises(FeedRefused, match="could not be read"):  # its certificate is trusted by no one
        fetch.fetch(f"{base}/calendar.ics")
    settings.CALENDAR_FEED_CA_FILE = str(cert)
    settings.CALENDAR_FEED_MAX_BYTES = 1024
    with pytest.raises(FeedRefused, match="larger than"):
        fetch.fetch(f"{base}/big.ics")
