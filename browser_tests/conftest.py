"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here is marked ``browser`` (``pytest -m "not browser"`` leaves them out). Without a
``chromium`` on the PATH they are skipped, with a note at the end of the run, except under
``CI=true``, where a missing browser fails them.

Each page a test opens through ``signed_in_page`` or ``open_page`` reports console errors,
uncaught exceptions and Content-Security-Policy violations; any of them fails the test.
"""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import Page, expect

from browser_tests import chromium

HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "alliance-demo"  # the published password of the demo accounts

# Reports a CSP violation as a console error, so the console collector sees it too.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""

BLOCKING_IMPACTS = {"serious", "critical"}

_skip_reason: str | None = None


def _is_browser_test(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    global _skip_reason  # read back by pytest_terminal_summary
    browser_items = [item for item in items if _is_browser_test(item)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if not browser_items:
        return
    if chromium.executable() is None and os.environ.get("CI") != "true":
        _skip_reason = "no chromium on the PATH (Debian: apt-get install -y chromium)"
    if _skip_reason:
        marker = pytest.mark.skip(reason=f"browser tests skipped: {_skip_reason}")
        for item in browser_items:
            item.add_marker(marker)


def pytest_terminal_summary(terminalreporter) -> None:
    if _skip_reason:
        terminalreporter.write_line(
            f"NOTE: the browser tests (browser_tests/) were skipped: {_skip_reason}.", yellow=True, bold=True
        )


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from it.

    The tests call the ORM only to seed data before the browser acts, never concurrently with it.
    Set for the rest of the session: browser_tests come last in ``testpaths``.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session", autouse=True)
def _close_connections_opened_beside_playwright(playwright):
    """Close, while Playwright's event loop still runs, the database connections opened under it.

    With an event loop running in this thread, Django keeps connections per async context rather
    than per thread, so the tests run after the first browser test get connection objects other
    than the ones pytest-django set the test database up with. Its teardown closes only its own:
    one left open here (by a ``db`` test run late) made dropping the test database fail, "is being
    accessed by other users". This fixture needs ``playwright``, so it is torn down before it.
    """
    yield
    connections.close_all()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if chromium.executable() is None:
        # Only reached with CI=true (elsewhere the tests are skipped at collection).
        pytest.fail("CI=true and no chromium on the PATH: install it with apt-get install -y chromium.")
    return {**browser_type_launch_args, **chromium.launch_args()}


@pytest.fixture
def demo(transactional_db, live_server):
    """The demo practices (demo.seed) with the flags the rule engine raises on them.

    Written by this thread and committed, so the live server's thread reads them.
    """
    from demo.seed import seed_demo
    from supervision.engine import evaluate_all

    seed_demo()
    evaluate_all()
    return live_server


@pytest.fixture
def chen_clients(demo):
    """dr.chen's active demo clients, by code."""
    from clients.models import Client, ClientStatus

    return list(
        Client.objects.filter(therapist__username="dr.chen", status=ClientStatus.ACTIVE).order_by("code")
    )


class PageProblems:
    """Console errors, uncaught errors and CSP violations of the pages watched, as they happen."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page: Page) -> None:
        def on_console(message) -> None:
            if message.type == "error":
                self.messages.append(f"{page.url}: console error: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.messages.append(f"{page.url}: uncaught {error}"))

    def assert_none(self) -> None:
        problems, self.messages = self.messages, []
        assert not problems, "\n".join(problems)


@pytest.fixture
def page_problems():
    problems = PageProblems()
    yield problems
    problems.assert_none()


@pytest.fixture
def open_page(new_context, live_server, page_problems) -> Callable[..., Page]:
    """A new signed-out page on the live server (own context, own cookies), watched for errors."""

    def _open(**context_args) -> Page:
        context = new_context(base_url=live_server.url, **context_args)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page_problems.watch(page)
        return page

    return _open


@pytest.fixture
def signed_in_page(demo, open_page) -> Callable[..., Page]:
    """``signed_in_page("dr.chen")``: a page signed in through the sign-in form, on the home page."""

    def _sign_in(username: str, **context_args) -> Page:
        page = open_page(**context_args)
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_attached()
        return page

    return _sign_in


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def audit(axe, page_problems) -> Callable[[Page], None]:
    """``audit(page)``: no serious or critical axe violation and no console error on the page so far."""

    def _audit(page: Page) -> None:
        page.wait_for_load_state("load")
        results = axe.run(page)
        blocking = [
            f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
            + "\n".join(
                f"    {node['target']} {node.get('failureSummary', '')}" for node in violation["nodes"]
            )
            for violation in results.response["violations"]
            if violation["impact"] in BLOCKING_IMPACTS
        ]
        assert not blocking, f"accessibility violations on {page.url}:\n" + "\n".join(blocking)
        page_problems.assert_none()

    return _audit
