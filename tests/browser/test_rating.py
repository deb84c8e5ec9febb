"""A requester rates a resolved ticket on its page in a real browser, by keyboard alone: the form
shows only while the resolution is unrated, a missing rating is named at the field, the rating
and its comment show as text once given, and axe-core finds no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageProblems, dump, serious_violations, sign_in
from tests.browser.test_portal import _api

pytestmark = pytest.mark.browser

COMMENT = "<b>Fast</b> and friendly"


def _resolved_ticket(desk_url: str, requester: str) -> str:
    """A ticket of ``requester``'s, resolved by an agent (over the API)."""
    token = _api(desk_url, "POST", "session/local", None, {"user": requester, "role": "requester"})["token"]
    body = {"type": "incident", "title": "Badge reader refuses my card", "description": "Door 3, since Monday."}
    number = str(_api(desk_url, "POST", "tickets", token, body)["number"])
    agent = _api(desk_url, "POST", "session/local", None, {"user": "ann", "role": "agent"})["token"]
    version = _api(desk_url, "GET", f"tickets/{number}", agent)["version"]
    _api(desk_url, "POST", f"tickets/{number}/transitions", agent, {"to": "resolve", "version": version})
    return number


def _focus(tab: Any, wanted: str, key: str = "Tab", presses: int = 60) -> None:
    """Press ``key`` (Tab, Shift+Tab) until the element matching the CSS selector ``wanted`` has the focus."""
    for _ in range(presses):
        tab.keyboard.press(key)
        if tab.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", wanted):
            return
    pytest.fail(f"Tab never reached {wanted}")


def test_a_requester_rates_a_resolution_by_keyboard(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, problems = page
    sign_in(tab, desk_url, "rae.rater")
    number = _resolved_ticket(desk_url, "rae.rater")
    tab.goto(desk_url + f"#/tickets/{number}")
    tab.get_by_role("heading", name="How did we do?").wait_for()
    assert tab.get_by_role("radio").count() == 5
    tab.get_by_role("radio", name="4: satisfied").wait_for()
    found = serious_violations(tab)
    assert not found, f"axe on the rating form: {dump(found)}"

    # Sent without a rating: the API's 400 is shown at the field.
    _focus(tab, ".rating-form button[type=submit]")
    tab.keyboard.press("Enter")
    tab.locator("#rating-error").wait_for()
    found = serious_violations(tab)
    assert not found, f"axe on the refused rating form: {dump(found)}"

    # By keyboard: into the group, arrow keys move the choice, then the comment, then send.
    _focus(tab, ".rating-form input[type=radio]", "Shift+Tab")
    tab.keyboard.press("Space")
    chosen = int(tab.evaluate("() => document.activeElement.value"))
    for _ in range(abs(4 - chosen)):
        tab.keyboard.press("ArrowDown" if chosen < 4 else "ArrowUp")
    assert tab.get_by_role("radio", name="4: satisfied").is_checked()
    tab.keyboard.press("Tab")
    assert tab.evaluate("() => document.activeElement.id") == "rating-comment"
    tab.keyboard.type(COMMENT)
    tab.keyboard.press("Tab")
    tab.keyboard.press("Enter")

    rated = tab.locator(".rated")
    rated.wait_for()
    assert rated.inner_text() == f"You rated how it was handled 4 of 5 (satisfied): \u201c{COMMENT}\u201d. Thank you."
    assert tab.locator("main b").count() == 0
    assert tab.get_by_role("heading", name="How did we do?").count() == 0
    found = serious_violations(tab)
    assert not found, f"axe after rating: {dump(found)}"

    # Rated once: the API says so, and the page keeps showing the rating after a reload.
    token = _api(desk_url, "POST", "session/local", None, {"user": "rae.rater", "role": "requester"})["token"]
    state = _api(desk_url, "GET", f"tickets/{number}/rating", token)
    assert state["can_rate"] is False and state["rating"]["rating"] == 4 and state["rating"]["comment"] == COMMENT
    tab.reload()
    tab.locator(".rated").wait_for()
    assert problems.dialogs == [] and problems.errors == []


def test_an_open_ticket_shows_no_rating_form(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, problems = page
    sign_in(tab, desk_url, "otto.open")
    token = _api(desk_url, "POST", "session/local", None, {"user": "otto.open", "role": "requester"})["token"]
    body = {"type": "incident", "title": "Monitor flickers", "description": "Left screen, every few seconds."}
    number = _api(desk_url, "POST", "tickets", token, body)["number"]
    tab.goto(desk_url + f"#/tickets/{number}")
    tab.get_by_role("heading", name="Conversation").wait_for()
    assert tab.get_by_role("heading", name="How did we do?").count() == 0
    assert tab.locator(".rating-form").count() == 0
    assert problems.errors == []
