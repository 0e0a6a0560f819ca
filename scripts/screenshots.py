"""Screenshots of Alliance's main pages, for the README: ``make screenshots``.

    python scripts/screenshots.py [--out docs/screenshots]

Reads the development database with the demo data (``make demo-db`` loads it) and changes
nothing in it: it picks a flagged client of dr.chen, starts ``manage.py runserver`` (DEBUG on)
on a spare loopback port, and saves one PNG per page, signed in as dr.chen, sup.rivera or
admin, with Debian's Chromium launched as the browser tests launch it. Only the server it
started is stopped.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DEBUG", "true")
# The demo accounts sign in with their password only, as under `make run`.
os.environ.setdefault("TWO_FACTOR_REQUIRED", "false")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from browser_tests import chromium  # noqa: E402 - needs the checkout on sys.path
from scripts import harness  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}
log = harness.logger("screenshots")


def demo_pages() -> list[tuple[str, str, str | None]]:
    """(file name, path, username or None for signed out) of each page, from the demo data."""
    import django

    django.setup()
    from django.db import connections
    from django.db.models import F
    from django.urls import reverse

    from accounts.models import User
    from boundaries.models import Acknowledgement, BoundaryAgreement
    from sessions_log.models import RevisionRequest, Session
    from supervision.models import Flag, Meeting

    flag = (
        Flag.objects.filter(therapist__username="dr.chen", client__isnull=False)
        .open()
        .order_by("opened_at")
        .first()
    )
    if flag is None:
        sys.exit("No open flag on a client of dr.chen: load the demo data (make demo-db) first.")
    client = flag.client
    chen = {"therapist__username": "dr.chen"}
    # The richest examples: a signed session with incidents and addenda, a revised agreement.
    session = (
        Session.objects.filter(**chen, signed_at__isnull=False, incidents__isnull=False)
        .order_by(F("addenda").desc(nulls_last=True), "-scheduled_start")
        .first()
    )
    agreement = (
        BoundaryAgreement.objects.filter(client__therapist__username="dr.chen")
        .order_by("-version", "client__code", "category")
        .first()
    )
    # The closed loop: a flag resolved with a plan, a returned entry answered by an addendum.
    resolved = (
        Flag.objects.filter(therapist__username="dr.chen", plan_items__isnull=False).order_by("pk").first()
    )
    answered = (
        RevisionRequest.objects.filter(client__therapist__username="dr.chen", addendum__isnull=False)
        .order_by("pk")
        .first()
    )
    chen_user = User.objects.get(username="dr.chen")
    # Supervision: the upcoming meeting with its proposed agenda, signed minutes, the log, co-signature.
    upcoming = Meeting.objects.filter(status="draft", archived_at__isnull=True).order_by("starts_at").first()
    minutes = Meeting.objects.filter(status="signed").order_by("-starts_at").first()
    cosigned = Session.objects.filter(therapist__username="dr.patel", cosigned_at__isnull=False).first()
    pages = [
        ("01-sign-in", reverse("accounts:login"), None),
        ("02-therapist-home", reverse("home"), "dr.chen"),
        ("03-intake", reverse("clients:intake"), "dr.chen"),
        ("04-client", client.get_absolute_url(), "dr.chen"),
        ("05-session-log-form", reverse("sessions_log:session_new", args=[client.pk]), "dr.chen"),
        ("06-session-detail", session.get_absolute_url(), "dr.chen"),
        ("07-agreement", agreement.get_absolute_url(), "dr.chen"),
        ("08-printable-agreement", reverse("boundaries:print", args=[client.pk]), "dr.chen"),
        ("09-timeline", reverse("clients:timeline", args=[client.pk]), "dr.chen"),
        ("10-supervisor-dashboard", reverse("supervision:dashboard"), "sup.rivera"),
        ("11-flag", flag.get_absolute_url(), "sup.rivera"),
        ("12-practice-dashboard", reverse("supervision:admin_dashboard"), "admin"),
        ("13-my-flags", reverse("supervision:my_flags"), "dr.chen"),
        ("14-my-follow-ups", reverse("follow_ups"), "dr.chen"),
        ("16-supervisee", reverse("supervision:supervisee", args=[chen_user.pk]), "sup.rivera"),
    ]
    pages += [
        (
            "20-supervision-log",
            f"{reverse('supervision:supervision_log')}?supervisee={chen_user.pk}",
            "sup.rivera",
        ),
        ("21-cosignature-queue", reverse("supervision:cosign_queue"), "sup.rivera"),
        ("23-calendar", reverse("calendar_sync:calendar"), "dr.chen"),
        ("26-wording-library", reverse("practice:wordings"), "admin"),
    ]
    # The sheet's acknowledgement: one to record, one signed on screen.
    unacknowledged = next(
        (
            agreement.client
            for agreement in BoundaryAgreement.objects.filter(client__therapist__username="dr.chen")
            .active()
            .with_acknowledgement()
            .select_related("client")
            .order_by("client__code")
            if agreement.acknowledged_on is None
        ),
        None,
    )
    if unacknowledged is not None:
        pages.append(
            ("24-acknowledgement", reverse("boundaries:acknowledge", args=[unacknowledged.pk]), "dr.chen")
        )
    on_screen = Acknowledgement.objects.filter(
        client__therapist__username="dr.chen", method="on_screen"
    ).first()
    if on_screen is not None:
        pages.append(("25-acknowledged-on-screen", on_screen.get_absolute_url(), "dr.chen"))
    if upcoming is not None:
        pages.append(("18-meeting-agenda", upcoming.get_absolute_url(), "sup.rivera"))
    if minutes is not None:
        pages.append(("19-meeting-minutes", minutes.get_absolute_url(), "dr.chen"))
    if cosigned is not None:
        pages.append(("22-cosigned-session", cosigned.get_absolute_url(), "sup.rivera"))
    if resolved is not None:
        pages.append(("15-resolved-flag-with-plan", resolved.get_absolute_url(), "dr.chen"))
    if answered is not None:
        pages.append(("17-returned-entry-answered", answered.entry.get_absolute_url(), "dr.chen"))
    pages.sort()
    connections.close_all()
    return pages


def take(pages, base_url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium.launch_args())
        contexts = {}
        for name, path, username in pages:
            if username not in contexts:
                # Reduced motion: charts.js then draws the charts without animating them.
                context = browser.new_context(base_url=base_url, viewport=VIEWPORT, reduced_motion="reduce")
                if username:
                    sign_in = context.new_page()
                    sign_in.goto("/accounts/login/")
                    sign_in.get_by_label("Username").fill(username)
                    sign_in.get_by_label("Password").fill(harness.DEMO_PASSWORD)
                    sign_in.get_by_role("button", name="Sign in").click()
                    sign_in.get_by_role("button", name="Sign out").wait_for(state="attached")
                    sign_in.close()
                contexts[username] = context
            page = contexts[username].new_page()
            page.goto(path, wait_until="networkidle")
            if page.locator("canvas[data-chart]").count():
                page.wait_for_timeout(2000)  # let Chart.js finish drawing
            target = out / f"{name}.png"
            page.screenshot(path=target, full_page=True)
            log(f"{target.relative_to(BASE_DIR)}  ({path})")
            page.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BASE_DIR / "docs" / "screenshots")
    args = parser.parse_args()
    if chromium.executable() is None:
        sys.exit("No chromium on the PATH: install it with apt-get install -y chromium.")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    pages = demo_pages()
    port = harness.spare_port()
    base_url = f"http://127.0.0.1:{port}"
    # The server's request log is kept aside, and shown only if it fails to start.
    with (
        tempfile.TemporaryFile() as output,
        harness.running(
            [harness.PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            {**os.environ, "DEBUG": "true", "TWO_FACTOR_REQUIRED": "false"},
            output,
            stop_timeout=10,
        ) as server,
    ):
        if not harness.wait_until_up(port, server, path="/livez", interval=0.3):
            if server.poll() is not None:
                output.seek(0)
                sys.stderr.write(output.read().decode(errors="replace"))
                sys.exit(f"The server stopped (exit status {server.returncode}); its output is above.")
            sys.exit(f"The server did not answer at {base_url} within 60 s.")
        log(f"server on {base_url}; writing into {out.relative_to(BASE_DIR)}/")
        take(pages, base_url, out)


if __name__ == "__main__":
    main()
