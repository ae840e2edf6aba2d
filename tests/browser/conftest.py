"""Playwright driving Debian's Chromium against pytest-django's live server.

Every page runs under Lasso's Content-Security-Policy, and every browser test fails if the
browser reports a violation of it: a handler, script or style the policy blocked is a
feature that silently stopped working.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connections

from callback_form.management.commands.capture_callback_form_screenshot import (
    CHROMIUM,
    CHROMIUM_ARGS,
)

# Chromium logs a refused script or style itself; the listener also catches what it reports
# only as an event (a blocked style attribute set by a script, for one).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "Content Security Policy violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline code") + " in " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


def is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text


@pytest.fixture
def csp_violations() -> list[str]:
    """What the browser reported as blocked by the Content-Security-Policy, in order."""
    return []


@pytest.fixture
def page(monkeypatch, csp_violations) -> Iterator[object]:
    """A fresh Chromium per test, in a phone-sized window.

    Playwright's sync API leaves an asyncio loop running in this thread while it is open,
    which makes Django refuse ORM calls from the test body (hence DJANGO_ALLOW_ASYNC_UNSAFE)
    and would leak into every later test on this worker if the browser lived for the whole
    session; so both last exactly one test.
    """
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium package")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.set_default_timeout(15_000)
            page.add_init_script(REPORT_VIOLATIONS)

            def record(message) -> None:
                if is_csp_violation(message.text):
                    csp_violations.append(message.text)

            page.on("console", record)
            yield page
        finally:
            browser.close()
            # The test body's ORM calls, made while Playwright's loop ran, leave a connection
            # that pytest-django's teardown does not see; unclosed, it blocks dropping the
            # test database at the end of the session.
            connections.close_all()
    if csp_violations:
        pytest.fail("The Content-Security-Policy blocked:\n" + "\n".join(csp_violations))
