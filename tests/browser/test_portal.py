"""A requester uses the portal in a real browser: signs in, opens one ticket of each process
through its form, sees them listed, opens one, replies, attaches a file, cancels another; what
they typed shows as text; axe-core finds no serious or critical violation on any page."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PageProblems, dump, serious_violations, sign_in

pytestmark = pytest.mark.browser

XSS_TITLE = "<img src=x onerror=alert(1)> printer on fire"


def _api(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=30) as r:
        return json.loads(r.read())


def _axe_clean(page: Any, where: str) -> None:
    found = serious_violations(page)
    assert not found, f"axe on {where}: {dump(found)}"


def test_a_requester_opens_one_ticket_of_each_process_and_works_on_them(
    desk_url: str, page: tuple[Any, PageProblems]
) -> None:
    tab, problems = page
    tab.goto(desk_url)
    tab.get_by_label("Your user name").wait_for()
    _axe_clean(tab, "sign-in")
    sign_in(tab, desk_url, "rita.requester")
    _axe_clean(tab, "start page")
    # make run's seeded known error (VPN) is on the banner, with what to do until it is fixed.
    tab.locator(".banner li", has_text="Until it is fixed").wait_for()

    # An incident, its title markup that must stay text, a file attached with the form.
    tab.get_by_role("link", name="Something we promised is not working").click()
    tab.get_by_label("What is not working?").fill(XSS_TITLE)
    tab.get_by_label("What happens?").fill("Smoke from tray 2.\nSince 9:00.")
    tab.get_by_label("Search the service catalog").fill("print")
    tab.get_by_role("radio", name="Printing").check()
    tab.get_by_role("radio", name="Work is slowed; there is a way around it for now").check()
    tab.get_by_label("Attach files (optional)").set_input_files(
        [{"name": "error-log.txt", "mimeType": "text/plain", "buffer": b"E1234 fuser overheat\n"}]
    )
    _axe_clean(tab, "incident form")
    tab.get_by_role("button", name="Send").click()
    tab.wait_for_url("**#/tickets/INC-*")
    incident = tab.url.rsplit("/", 1)[1]
    heading = tab.get_by_role("heading", level=1)
    assert heading.inner_text() == f"{incident} {XSS_TITLE}"
    assert tab.locator("main img").count() == 0
    with tab.expect_download() as downloading:
        tab.get_by_role("button", name="Download error-log.txt").click()
    saved = downloading.value
    assert saved.suggested_filename == "error-log.txt"
    assert Path(saved.path()).read_bytes() == b"E1234 fuser overheat\n"
    _axe_clean(tab, "ticket page")

    # A reply in the public conversation.
    tab.get_by_label("Your reply").fill("It stopped smoking; still no prints.")
    tab.get_by_role("button", name="Send reply").click()
    tab.locator(".message .body", has_text="It stopped smoking; still no prints.").wait_for()

    # Contesting how it is filed puts it back in triage.
    tab.get_by_text("This ticket is filed wrongly").click()
    tab.get_by_label("What is wrong with how it is filed?").fill("This is the plotter, not a printer.")
    tab.get_by_role("button", name="Ask the desk to check").click()
    tab.locator(".facts", has_text="being checked by the service desk").wait_for()

    # An agent resolves it (over the API); the requester confirms on the page.
    agent = _api(desk_url, "POST", "session/local", None, {"user": "ann", "role": "agent"})["token"]
    version = _api(desk_url, "GET", f"tickets/{incident}", agent)["version"]
    _api(desk_url, "POST", f"tickets/{incident}/transitions", agent, {"to": "resolve", "version": version})
    tab.reload()
    tab.get_by_role("button", name="Yes, it is resolved").click()
    tab.locator("form:has(#move-reason) button[type=submit]").click()
    tab.locator(".facts", has_text="closed").wait_for()
    assert tab.get_by_label("Your reply").count() == 0

    # A service request: a bad form first (the API's 400 shown at the field), then a good one.
    tab.goto(desk_url + "#/new/service_request")
    tab.get_by_role("heading", name="I need information or routine work").wait_for()
    _axe_clean(tab, "service request form")
    tab.get_by_label("What do you need?").fill("   ")
    tab.get_by_label("Details").fill("Read access to the finance share for the audit.")
    tab.get_by_role("button", name="Send").click()
    title_error = tab.locator("#title-error")
    title_error.wait_for()
    assert tab.get_by_label("What do you need?").get_attribute("aria-invalid") == "true"
    tab.get_by_label("What do you need?").fill("Access to the finance share")
    tab.get_by_role("radio", name="This week").check()
    tab.get_by_role("button", name="Send").click()
    tab.wait_for_url("**#/tickets/REQ-*")
    request = tab.url.rsplit("/", 1)[1]

    # A change request for something the catalog does not list: recorded as out of catalog.
    tab.goto(desk_url + "#/new/change_request")
    tab.get_by_label("What should be new or changed?").fill("A plotter for the design team")
    tab.get_by_label("What change, and why does the business need it?").fill("A0 plots for client reviews.")
    tab.get_by_role("radio", name="It is not in the catalog").check()
    tab.get_by_label("What is it called?").fill("Large-format plotting")
    _axe_clean(tab, "change request form")
    tab.get_by_role("button", name="Send").click()
    tab.wait_for_url("**#/tickets/CHG-*")
    change = tab.url.rsplit("/", 1)[1]
    tab.get_by_text("Large-format plotting (not in the catalog)").wait_for()

    # All three listed, with status, target and due time.
    tab.get_by_role("link", name="My tickets").first.click()
    tab.get_by_role("heading", name="My tickets").wait_for()
    rows = tab.locator("table.tickets tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    listed = tab.locator("table.tickets").inner_text()
    for number in (incident, request, change):
        assert number in listed
    assert XSS_TITLE in listed
    _axe_clean(tab, "my tickets")

    # Cancel the service request from its page.
    tab.get_by_role("link", name=request).click()
    tab.get_by_role("button", name="Cancel this ticket").click()
    tab.get_by_label("Anything to add? (optional)").fill("Found another way.")
    tab.locator("form:has(#move-reason) button[type=submit]").click()
    tab.locator(".facts", has_text="cancelled").wait_for()

    assert problems.dialogs == []
    assert problems.errors == []


def test_the_page_runs_no_inline_script(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, problems = page
    response = tab.goto(desk_url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    tab.get_by_label("Your user name").wait_for()
    ran = tab.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';
                   document.body.append(s); return window.__inline === 1 }"""
    )
    assert ran is False
    assert any("Content Security Policy" in e for e in problems.errors)


def test_the_start_page_works_by_keyboard_alone(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, _ = page
    tab.goto(desk_url)
    tab.get_by_label("Your user name").wait_for()
    tab.keyboard.press("Tab")
    tab.keyboard.type("kim.keys")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name="How can we help?").wait_for()
    target = "I need something new or changed"
    for _ in range(15):
        tab.keyboard.press("Tab")
        focused = tab.evaluate("() => [document.activeElement.tagName, document.activeElement.textContent]")
        if focused[0] == "A" and target in focused[1]:
            break
    else:
        pytest.fail("Tab never reached the change request's link")
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name=target).wait_for()
    tab.keyboard.press("Tab")
    assert tab.evaluate("() => document.activeElement.id") == "title"
    tab.keyboard.type("A second screen for the front desk")
    tab.keyboard.press("Tab")
    tab.keyboard.type("The receptionists need to see the visitor list.")
    tab.keyboard.press("Tab")
    assert tab.evaluate("() => document.activeElement.id") == "service-search"


def test_the_portal_fits_a_360_pixel_screen(desk_url: str, narrow_page: tuple[Any, PageProblems]) -> None:
    tab, _ = narrow_page
    sign_in(tab, desk_url, "nina.narrow")
    wide = "() => document.scrollingElement.scrollWidth"
    assert tab.evaluate(wide) <= 360
    tab.get_by_role("link", name="Something we promised is not working").click()
    tab.get_by_label("What is not working?").fill("Laptop will not boot")
    tab.get_by_label("What happens?").fill("Black screen after the logo.")
    tab.get_by_role("button", name="Send").click()
    tab.wait_for_url("**#/tickets/INC-*")
    tab.get_by_role("heading", name="Conversation").wait_for()
    assert tab.evaluate(wide) <= 360
    tab.goto(desk_url + "#/tickets")
    tab.locator("table.tickets tbody tr").first.wait_for()
    assert tab.evaluate(wide) <= 360
    _axe_clean(tab, "my tickets at 360 px")


def test_known_errors_and_answers_are_offered_and_a_held_confirmation_is_explained(
    desk_url: str, page: tuple[Any, PageProblems]
) -> None:
    tab, _ = page
    sign_in(tab, desk_url, "vera.vpn")
    tab.get_by_label("Search the answers we already have").fill("Passwort vergessen")
    tab.locator(".answer-search .suggestions li", has_text="reset my password").wait_for()

    # While an incident is typed, the matching known error and its workaround are offered.
    tab.get_by_role("link", name="Something we promised is not working").click()
    tab.get_by_label("What is not working?").fill("VPN bricht ab")
    tab.get_by_label("What happens?").fill("AnyConnect trennt alle paar Minuten die Verbindung")
    tab.locator(".ticket-form .suggestions li", has_text="Until it is fixed").wait_for()
    _axe_clean(tab, "incident form with suggestions")

    # A major incident closes only with its problem: the requester's confirmation is taken and
    # the page says what follows instead of asking again.
    tab.get_by_role("radio", name="Work has stopped and cannot wait").check()
    tab.get_by_role("button", name="Send").click()
    tab.wait_for_url("**#/tickets/INC-*")
    number = tab.url.rsplit("/", 1)[1]
    agent = _api(desk_url, "POST", "session/local", None, {"user": "ann", "role": "agent"})["token"]
    version = _api(desk_url, "GET", f"tickets/{number}", agent)["version"]
    _api(desk_url, "POST", f"tickets/{number}/transitions", agent, {"to": "resolve", "version": version})
    tab.reload()
    tab.get_by_role("button", name="Yes, it is resolved").click()
    tab.locator("form:has(#move-reason) button[type=submit]").click()
    tab.locator(".held", has_text="You confirmed it is resolved").wait_for()
    assert tab.get_by_role("button", name="Yes, it is resolved").count() == 0
