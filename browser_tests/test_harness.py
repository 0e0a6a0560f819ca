"""The checks every browser test relies on catch what they are meant to catch."""

from playwright.sync_api import expect

# A page whose policy forbids inline scripts, with one: the browser blocks it and reports a violation.
BLOCKED_INLINE_SCRIPT = """<!DOCTYPE html>
<html lang="en"><head><meta http-equiv="Content-Security-Policy" content="script-src 'none'">
<title>CSP</title></head><body><main><h1>CSP</h1><script>document.title = "ran";</script></main></body></html>
"""


def test_csp_violation_is_reported_as_a_problem(open_page, page_problems):
    page = open_page()
    page.route(
        "**/csp-check", lambda route: route.fulfill(body=BLOCKED_INLINE_SCRIPT, content_type="text/html")
    )
    page.goto("/csp-check")
    expect(page.get_by_role("heading", name="CSP")).to_be_visible()
    assert page.title() == "CSP"
    page.wait_for_timeout(100)  # the violation event is dispatched asynchronously
    assert any("CSP violation: script-src" in problem for problem in page_problems.messages)
    page_problems.messages.clear()


def test_console_error_is_reported_as_a_problem(open_page, page_problems):
    page = open_page()
    page.route(
        "**/error-check", lambda route: route.fulfill(body="<title>x</title>", content_type="text/html")
    )
    page.goto("/error-check")
    page.evaluate("() => { console.error('boom'); setTimeout(() => { throw new Error('uncaught'); }); }")
    page.wait_for_timeout(100)
    assert any("console error: boom" in problem for problem in page_problems.messages)
    assert any("uncaught" in problem for problem in page_problems.messages)
    page_problems.messages.clear()
