"""The agent console in a real browser: an agent picks a ticket up from the triage queue, replies
in public and internally (by keyboard shortcut), resolves it, and the requester confirms on the
portal; a live SLA timer follows the server's clock and turns "breached" once the page's clock
passes the due time; the approvals inbox approves a change that then shows on the change
calendar; axe-core finds no serious or critical violation on any console page, at 1280 and at
360 pixels."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PageProblems, dump, new_page, serious_violations, sign_in

pytestmark = pytest.mark.browser

XSS_TITLE = "<img src=x onerror=alert(1)> console sees markup as text"


def _api(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=30) as r:
        return json.loads(r.read())


def _attach(base: str, number: str, token: str, filename: str, content: bytes) -> None:
    """Uploads a file to the ticket as the page does: the desk's presigned POST, then the form to S3."""
    declared = {"filename": filename, "content_type": "text/plain", "size": len(content)}
    form = _api(base, "POST", f"tickets/{number}/attachments", token, declared)
    boundary = "console-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form["fields"].items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    parts.append(head.encode() + b"Content-Type: text/plain\r\n\r\n" + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    with urllib.request.urlopen(urllib.request.Request(form["url"], body, headers, method="POST"), timeout=30):
        pass


def _token(base: str, user: str, role: str) -> str:
    return str(_api(base, "POST", "session/local", None, {"user": user, "role": role})["token"])


def _axe_clean(page: Any, where: str) -> None:
    found = serious_violations(page)
    assert not found, f"axe on {where}: {dump(found)}"


def _open(base: str, requester: str, title: str, **fields: Any) -> dict[str, Any]:
    body = {"type": "incident", "title": title, "description": "Seen from the console tests.", **fields}
    return dict(_api(base, "POST", "tickets", _token(base, requester, "requester"), body))


def _in_triage(base: str, requester: str, title: str) -> str:
    """A new incident its requester contests at once, so it waits in the triage queue whatever
    intake made of it."""
    number = str(_open(base, requester, title)["number"])
    reason = {"reason": "Filed under the wrong service."}
    _api(base, "POST", f"tickets/{number}/classification/contest", _token(base, requester, "requester"), reason)
    return number


def _planned_change(base: str) -> str:
    """A normal change on ERP planned and submitted by Dora, awaiting the database group's approval."""
    change = _open(base, "carl.requester", "Upgrade the ERP reporting replica", type="change_request")
    number = change["number"]
    dora = _token(base, "dora", "agent")
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)
    plan = {
        "version": change["version"], "model": "normal", "services": ["erp"],
        "window": {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
        "implementation_plan": "pg_upgrade --link on the replica", "backout_plan": "restore the snapshot",
        "test_plan": "report smoke tests", "communication": "mail to ERP users", "outage_minutes": 30,
        "risk": {"likelihood": 2, "impact": 3}, "implementer_group": "database",
    }
    version = _api(base, "PUT", f"tickets/{number}/change", dora, plan)["version"]
    for move in ("assessment", "authorization"):
        version = _api(base, "POST", f"tickets/{number}/transitions", dora, {"to": move, "version": version})["version"]
    return str(number)


def test_an_agent_takes_a_ticket_from_triage_replies_and_resolves_it_and_the_requester_confirms(
    desk_url: str, page: tuple[Any, PageProblems], browser: Any, request: pytest.FixtureRequest
) -> None:
    number = _in_triage(desk_url, "rita.console", XSS_TITLE)
    tab, problems = page
    sign_in(tab, desk_url, "ann", "agent")
    tab.get_by_role("link", name="Console").click()
    tab.get_by_role("heading", name="Assigned to me").wait_for()
    _axe_clean(tab, "console: my queue")

    tab.get_by_role("navigation", name="Queues").get_by_role("link", name="Triage").click()
    tab.get_by_role("heading", name="Triage").wait_for()
    row = tab.locator("table.console-tickets tbody tr", has_text=number)
    row.wait_for()
    assert XSS_TITLE in row.inner_text()
    _axe_clean(tab, "console: triage queue")
    row.get_by_role("link", name=number).click()

    heading = tab.get_by_role("heading", level=1)
    heading.wait_for()
    assert heading.inner_text() == f"{number} {XSS_TITLE}"
    assert tab.locator("main img").count() == 0
    tab.locator('[data-clock="first_response"] .timer[data-state="running"]').wait_for()
    _axe_clean(tab, "console: ticket page")

    # "?" shows the shortcuts; "t" takes the ticket.
    tab.keyboard.press("?")
    assert tab.locator("details.shortcuts").get_attribute("open") is not None
    tab.keyboard.press("t")
    tab.locator(".facts", has_text="Resolves it").get_by_text("ann", exact=True).wait_for()

    # "r" opens a public reply; the letters typed there are text, not shortcuts.
    tab.keyboard.press("r")
    assert tab.evaluate("() => document.activeElement.id") == "reply-body"
    tab.keyboard.type("Quick question: which tray? It matters.")
    assert tab.url.endswith(number)
    tab.get_by_role("button", name="Send reply").click()
    tab.locator(".message:not(.internal) .body", has_text="Quick question: which tray?").wait_for()

    # "n": an internal note, staff only.
    tab.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab.keyboard.press("n")
    tab.keyboard.type("Fuser unit is on back order.")
    tab.get_by_role("button", name="Add internal note").click()
    tab.locator(".message.internal", has_text="Fuser unit is on back order.").wait_for()
    assert "(internal note)" in tab.locator(".message.internal").inner_text()

    # The moves come from the ticket's lifecycle; resolve it.
    tab.locator("#moves").get_by_role("button", name="resolve").click()
    tab.get_by_label("Note (optional)").fill("Tray 2 replaced.")
    tab.get_by_role("button", name="Confirm: resolve").click()
    tab.locator(".facts", has_text="resolved: please confirm").wait_for()
    tab.locator(".message .body", has_text="Tray 2 replaced.").wait_for()
    tab.locator(".timeline", has_text="status changed").first.wait_for()
    assert problems.dialogs == [] and problems.errors == []

    # The requester sees the public reply, not the internal note, and confirms.
    for portal, portal_problems in new_page(browser, request, viewport={"width": 1280, "height": 900}):
        sign_in(portal, desk_url, "rita.console")
        portal.goto(desk_url + f"#/tickets/{number}")
        portal.locator(".message .body", has_text="Quick question: which tray?").wait_for()
        assert "back order" not in portal.locator("main").inner_text()
        portal.get_by_role("button", name="Yes, it is resolved").click()
        portal.locator("form:has(#move-reason) button[type=submit]").click()
        portal.locator(".facts", has_text="closed").wait_for()
        assert portal_problems.dialogs == [] and portal_problems.errors == []


def test_the_live_timer_follows_the_server_clock_and_turns_breached_past_due(
    desk_url: str, page: tuple[Any, PageProblems]
) -> None:
    number = _open(desk_url, "tim.timer", "Scanner shows a paper jam that is not there")["number"]
    sla = _api(desk_url, "GET", f"tickets/{number}/sla", _token(desk_url, "ann", "agent"))
    due = datetime.fromisoformat(sla["clocks"]["first_response"]["due_at"])
    server_now = datetime.fromisoformat(sla["computed_at"])
    tab, problems = page
    # The browser's clock is ten days ahead of the server's: were it trusted, the clock would
    # read breached at once.
    tab.clock.install(time=server_now + timedelta(days=10))
    sign_in(tab, desk_url, "ann", "agent")
    tab.goto(desk_url + f"#/console/ticket/{number}")
    timer = tab.locator('[data-clock="first_response"] .timer')
    timer.wait_for()
    assert timer.get_attribute("data-state") == "running", timer.inner_text()
    assert timer.inner_text().endswith("left")

    # Past the warning instant, then past the due time by the page's clock: the timer turns to
    # warning, then to breached, without a reload.
    warning = datetime.fromisoformat(sla["clocks"]["first_response"]["warning_at"][0])
    assert server_now < warning < due
    tab.clock.fast_forward(int((warning - server_now).total_seconds() * 1000) + 60_000)
    tab.locator('[data-clock="first_response"] .timer[data-state="warning"]').wait_for()
    tab.clock.fast_forward(int((due - warning).total_seconds() * 1000) + 60_000)
    tab.locator('[data-clock="first_response"] .timer[data-state="breached"]').wait_for()
    assert "breached" in timer.inner_text()
    assert "bad" in (tab.locator('[data-clock="first_response"]').get_attribute("class") or "")
    assert problems.errors == []


def test_the_approvals_inbox_approves_a_change_and_the_calendar_shows_it(
    desk_url: str, page: tuple[Any, PageProblems]
) -> None:
    number = _planned_change(desk_url)
    tab, problems = page
    sign_in(tab, desk_url, "dieter", "agent")
    tab.goto(desk_url + "#/console/approvals")
    card = tab.locator("article.approval", has_text=number)
    card.wait_for()
    assert "(2 x 3 = 6)" in card.inner_text()
    _axe_clean(tab, "console: approvals")

    # Rejecting without a comment: the API's reason shows at the comment.
    card.get_by_role("button", name=f"Reject {number}").click()
    card.locator(".field-error, .error").first.wait_for()
    card.get_by_label(f"Comment on {number} (required to reject)").fill("Plan and back-out reviewed.")
    card.get_by_role("button", name=f"Approve {number}").click()
    tab.locator(".done", has_text=f"{number} approved.").wait_for()
    tab.locator("article.approval", has_text=number).wait_for(state="detached")
    after = _api(desk_url, "GET", f"tickets/{number}", _token(desk_url, "dieter", "agent"))
    assert after["status"] == "scheduled"

    tab.get_by_role("link", name="Change calendar").click()
    tab.get_by_role("heading", name="Change calendar").wait_for()
    tab.locator(".calendar-day li", has_text=number).wait_for()
    _axe_clean(tab, "console: change calendar")

    # The change's own page: the panel with plan, risk and the approval.
    tab.locator(".calendar-day li", has_text=number).get_by_role("link", name=number).click()
    tab.get_by_role("heading", name="Change", exact=True).wait_for()
    tab.locator(".panel", has_text="dieter: approve").wait_for()
    _axe_clean(tab, "console: change ticket")
    assert problems.dialogs == [] and problems.errors == []


def test_search_filters_and_sorts_and_every_console_page_fits_360_pixels(
    desk_url: str, narrow_page: tuple[Any, PageProblems]
) -> None:
    first = _open(desk_url, "sam.search", "Beamer im Besprechungsraum flackert", urgency="high")["number"]
    second = _open(desk_url, "sam.search", "Beamer im Foyer ohne Bild", urgency="low")["number"]
    tab, problems = narrow_page
    sign_in(tab, desk_url, "ann", "agent")
    wide = "() => document.scrollingElement.scrollWidth"
    tab.goto(desk_url + "#/console/search")
    tab.get_by_label("Words in the number, title or description (optional)").fill("beamer")
    tab.get_by_role("button", name="Search").click()
    rows = tab.locator("table.console-tickets tbody tr")
    rows.nth(1).wait_for()
    agent = _token(desk_url, "ann", "agent")
    priorities = {n: _api(desk_url, "GET", f"tickets/{n}", agent)["priority"] for n in (first, second)}
    assert priorities[first] < priorities[second], priorities
    tab.get_by_label("Sort by").first.select_option("priority")
    order = [r.split("\n")[0] for r in rows.all_inner_texts()]
    assert order.index(first) < order.index(second)
    # The API narrows the search by priority.
    tab.get_by_label("Priority").select_option(priorities[second])
    tab.get_by_role("button", name="Search").click()
    tab.locator("table.console-tickets tbody tr", has_text=first).wait_for(state="detached")
    assert second in tab.locator("table.console-tickets").inner_text()
    assert tab.evaluate(wide) <= 360
    _axe_clean(tab, "console: search at 360 px")

    for where, ready in [
        ("#/console", "Assigned to me"), ("#/console/approvals", "Approvals"),
        ("#/console/calendar", "Change calendar"), (f"#/console/ticket/{first}", None),
    ]:
        tab.goto(desk_url + where)
        if ready:
            tab.get_by_role("heading", name=ready, exact=True).wait_for()
        else:
            tab.get_by_role("heading", name="SLA clocks").wait_for()
        assert tab.evaluate(wide) <= 360, where
        _axe_clean(tab, f"console {where} at 360 px")
    assert problems.errors == []


def test_a_requester_is_not_shown_the_console(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, _ = page
    sign_in(tab, desk_url, "rhea.requester")
    assert tab.get_by_role("link", name="Console").count() == 0
    tab.goto(desk_url + "#/console/queue/triage")
    tab.get_by_role("heading", name="Not for your role").wait_for()


def test_the_console_works_by_keyboard_alone(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    number = _in_triage(desk_url, "kurt.keys", "Docking station ignores the second screen")
    tab, problems = page
    sign_in(tab, desk_url, "ann", "agent")
    tab.goto(desk_url + "#/console/queue/triage")
    tab.locator("table.console-tickets tbody tr", has_text=number).wait_for()
    target = f"#/console/ticket/{number}"
    for _ in range(80):
        tab.keyboard.press("Tab")
        if tab.evaluate("() => document.activeElement.getAttribute('href')") == target:
            break
    else:
        pytest.fail(f"Tab never reached the link to {number}")
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name="SLA clocks").wait_for()
    # The first move by Tab and Enter: a reason form opens and is sent by keyboard too.
    tab.keyboard.press("m")
    assert tab.evaluate("() => document.activeElement.closest('#moves') !== null")
    for _ in range(10):
        if tab.evaluate("() => document.activeElement.textContent") == "start":
            break
        tab.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the move 'start'")
    tab.keyboard.press("Enter")
    tab.wait_for_function("() => document.activeElement && document.activeElement.id === 'move-reason'")
    tab.keyboard.type("On it.")
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")
    tab.locator(".facts", has_text="being worked on").wait_for()
    assert problems.errors == []


def test_the_ticket_page_corrects_the_classification_links_tickets_and_records_a_problem(
    desk_url: str, page: tuple[Any, PageProblems]
) -> None:
    incident = _in_triage(desk_url, "lena.links", "Label printer prints blank labels")
    other = _open(desk_url, "lena.links", "Label printer offline again")["number"]
    _attach(desk_url, incident, _token(desk_url, "lena.links", "requester"), "label.txt", b"blank label\n")
    tab, problems = page
    sign_in(tab, desk_url, "ann", "agent")
    tab.goto(desk_url + f"#/console/ticket/{incident}")
    tab.get_by_role("heading", name="SLA clocks").wait_for()

    # The requester's file, downloadable by the agent.
    with tab.expect_download() as downloading:
        tab.get_by_role("button", name="Download label.txt").click()
    assert Path(downloading.value.path()).read_bytes() == b"blank label\n"

    # "c" opens the correction; without a reason the API's 400 shows at the reason.
    tab.keyboard.press("c")
    assert tab.locator("details#classification").get_attribute("open") is not None
    tab.locator("#class-group").fill("database")
    tab.locator("#class-urgency").select_option("high")
    tab.get_by_role("button", name="Correct").click()
    tab.locator("#class-reason-error").wait_for()
    assert tab.locator("#class-reason").get_attribute("aria-invalid") == "true"
    tab.locator("#class-reason").fill("Label printers belong to the warehouse database team.")
    tab.get_by_role("button", name="Correct").click()
    tab.locator(".facts", has_text="urgency high").wait_for()
    tab.locator(".facts", has_text="Group").get_by_text("database", exact=True).wait_for()

    # A link to another ticket, then removed.
    tab.get_by_label("Link kind").select_option("related")
    tab.get_by_label("Other ticket (e.g. INC-000002)").fill(other)
    tab.get_by_role("button", name="Link", exact=True).click()
    tab.locator(".links li", has_text=other).wait_for()
    tab.get_by_role("button", name=f"Remove link to {other}").click()
    tab.locator("section", has_text="No links.").last.wait_for()

    # A problem opened from the incident; its record: statement, workaround and a root cause.
    tab.get_by_role("button", name="Open a problem from this incident").click()
    tab.wait_for_url("**#/console/ticket/PRB-*")
    tab.get_by_role("heading", name="Problem", exact=True).wait_for()
    tab.locator(".panel li", has_text=incident).wait_for()
    tab.get_by_text("Edit the problem record").click()
    tab.get_by_label("Statement").fill("Labels come out blank after the driver update.")
    tab.get_by_label("Workaround").fill("Print from the old driver queue LBL-OLD.")
    tab.get_by_label("Add a root cause").fill("Driver 5.2 sends the wrong label size.")
    tab.get_by_label("Root cause category").select_option("software")
    tab.get_by_role("button", name="Save the problem").click()
    tab.locator(".panel li", has_text="software: Driver 5.2 sends the wrong label size.").wait_for()
    assert "Print from the old driver queue LBL-OLD." in tab.locator(".panel .facts").inner_text()
    tab.get_by_role("button", name="Publish the workaround to its open incidents").click()
    tab.locator(".done", has_text=f"Published to {incident}.").wait_for()
    _axe_clean(tab, "console: problem ticket")
    assert problems.dialogs == [] and problems.errors == []
