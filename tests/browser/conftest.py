"""Browser tests: the pages in headless Chromium against the desk as ``make run`` starts it.

One desk (``scripts/run_local.py``, ``chalice local --no-autoreload``) and one browser serve the
whole session; each test gets a fresh browser context (its own sessionStorage). Chromium is
Debian's ``chromium`` package (``make install`` adds it), driven by the pinned ``playwright``
package through ``executable_path``; ``playwright install`` is never needed. A failing test
keeps a screenshot and a Playwright trace in ``tests/browser/artifacts/`` (open the trace with
``.venv/bin/playwright show-trace <file>``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LocalDesk

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"

pytestmark = pytest.mark.browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def desk_url(local_desk: LocalDesk) -> str:
    """The page's URL on the session's local desk (``tests/conftest.py``)."""
    return local_desk.url + "/"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` adds Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-dev-shm-usage"])
        yield launched
        launched.close()


class PageProblems:
    """What a page did that it must not: script errors, dialogs (an ``alert`` from injected
    markup), console errors (a CSP violation is one)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self._console)

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)

    def _console(self, message: Any) -> None:
        # An answered 4xx is logged by Chromium as a failed resource: the tests provoke some.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")


def new_page(
    browser: Any, request: pytest.FixtureRequest, **context_options: Any
) -> Iterator[tuple[Any, PageProblems]]:
    context = browser.new_context(**context_options)
    context.tracing.start(screenshots=True, snapshots=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = PageProblems()
    problems.watch(page)
    try:
        yield page, problems
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            context.tracing.stop(path=str(ARTIFACTS / f"{name}.trace.zip"))
        else:
            context.tracing.stop()
        context.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, PageProblems]]:
    yield from new_page(browser, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def narrow_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, PageProblems]]:
    yield from new_page(browser, request, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now. axe is evaluated
    through the DevTools protocol, which the page's CSP does not govern, so the page keeps its
    policy while it is checked."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await window.axe.run(document)).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page: Any, url: str, user: str, role: str = "requester") -> None:
    page.goto(url)
    page.get_by_label("Your user name").fill(user)
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="How can we help?").wait_for()


def dump(value: Any) -> str:
    return json.dumps(value, indent=1)
