"""An administrator uses the admin pages in a real browser: edits a service and an SLA policy,
each saved as a new version with who saved it; a value the API refuses is shown at its field;
the policy's preview shows due times; a manager reads what they may not change; axe-core finds
no serious or critical violation; the pages fit 360 px.

The documents edited here are made for these tests (a service, a calendar and a policy matching
only the business unit ``browser-tests``), so the desk the other browser tests share is not changed for
them."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import PageProblems, dump, new_page, serious_violations, sign_in

pytestmark = pytest.mark.browser

SERVICE = {
    "name": "lobby-kiosk",
    "title": "Lobby visitor kiosk",
    "description": "The sign-in kiosk at reception.",
    "support_group": "facilities",
}
CALENDAR = {
    "name": "browser-tests-calendar",
    "timezone": "America/Chicago",
    "weekly_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
}
POLICY = {
    "name": "browser-tests-policy",
    "description": "Only for the business unit browser-tests.",
    "match": {"business_units": ["browser-tests"]},
    "calendar": "office",
    "business_day_hours": {"office": 9},
    "targets": {"*": {"first_response": {"duration": "1h"}, "resolution": {"duration": "1bd"}}},
}


def _api(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=30) as r:
        return json.loads(r.read())


def _token(base: str, user: str, role: str) -> str:
    return str(_api(base, "POST", "session/local", None, {"user": user, "role": role})["token"])


@pytest.fixture(scope="module")
def documents(desk_url: str) -> dict[str, str]:
    """The test's own service and policy, stored once for the module."""
    admin = _token(desk_url, "setup.admin", "admin")
    _api(desk_url, "POST", "admin/services", admin, SERVICE)
    _api(desk_url, "POST", "admin/sla-policies", admin, POLICY)
    _api(desk_url, "POST", "admin/calendars", admin, CALENDAR)
    return {"admin": admin}


@pytest.fixture
def chicago_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, PageProblems]]:
    """A desktop page whose reader lives in Chicago (the office calendar's zone)."""
    yield from new_page(browser, request, viewport={"width": 1280, "height": 900}, timezone_id="America/Chicago")


def _axe_clean(page: Any, where: str) -> None:
    found = serious_violations(page)
    assert not found, f"axe on {where}: {dump(found)}"


def _error_of(page: Any, label: str) -> str:
    """The text of the error the field labelled ``label`` is described by (aria-invalid set)."""
    field = page.get_by_label(label, exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    ids = (field.get_attribute("aria-describedby") or "").split()
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids if i.endswith("-error"))


def _clock_row(page: Any, clock: str) -> Any:
    """The preview's row of ``clock``."""
    return page.locator(".preview-clocks tbody tr").filter(has=page.get_by_role("rowheader", name=clock, exact=True))


def test_an_admin_edits_a_service_as_a_new_version(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, problems = chicago_page
    sign_in(tab, desk_url, "ada.admin", "admin")
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    tab.get_by_role("heading", name="Administration").wait_for()
    _axe_clean(tab, "admin overview")
    tab.get_by_role("main").get_by_role("link", name="Service catalog").first.click()
    tab.get_by_role("link", name="lobby-kiosk").click()
    tab.get_by_role("heading", name="Service lobby-kiosk").wait_for()
    assert "Version 1, saved by setup.admin" in tab.locator(".saved").inner_text()
    assert tab.get_by_label("Name", exact=True).is_disabled()
    _axe_clean(tab, "a service's page")

    # A title of markup stays text; Enter in a field saves, as a button press would.
    tab.get_by_label("Title", exact=True).fill("Lobby kiosk <b>ground floor</b>")
    # The support group's field offers the groups there are.
    offered = tab.get_by_label("Support group").get_attribute("list")
    assert tab.locator(f"datalist[id='{offered}'] option[value='facilities']").count() == 1
    tab.get_by_label("Keywords").fill("kiosk, visitor badge")
    tab.get_by_label("Keywords").press("Enter")
    tab.get_by_role("status").filter(has_text="Saved as version 2.").wait_for()
    assert "Version 2, saved by ada.admin" in tab.locator(".saved").inner_text()
    assert tab.locator(".changed").inner_text() == "Changed from version 1: Title, Keywords."
    assert tab.get_by_label("Title", exact=True).input_value() == "Lobby kiosk <b>ground floor</b>"
    stored = _api(desk_url, "GET", "admin/services/lobby-kiosk", documents["admin"])
    assert (stored["version"], stored["keywords"]) == (2, ["kiosk", "visitor badge"])
    assert stored["support_group"] == "facilities"

    # The first version is kept as it was, and shown read-only.
    tab.get_by_role("navigation", name="Versions").get_by_role("link", name="1", exact=True).click()
    tab.get_by_text("An earlier version, kept as it was.").wait_for()
    assert tab.get_by_label("Title", exact=True).input_value() == "Lobby visitor kiosk"
    assert tab.get_by_label("Title", exact=True).is_disabled()
    assert tab.get_by_role("button", name="Save as version").count() == 0

    tab.get_by_role("link", name="Service catalog").first.click()
    tab.get_by_role("row", name="lobby-kiosk").filter(has_text="Lobby kiosk <b>ground floor</b>").wait_for()
    assert tab.locator("main b").count() == 0
    _axe_clean(tab, "the service catalog")

    # Someone else saves version 3 while the page shows version 2: the save is refused, nothing
    # is overwritten, and the latest version is one click away.
    tab.get_by_role("link", name="lobby-kiosk").click()
    tab.get_by_role("button", name="Save as version 3").wait_for()
    current = {k: v for k, v in stored.items() if k not in ("created_at", "created_by")}
    _api(desk_url, "PUT", "admin/services/lobby-kiosk", documents["admin"], {**current, "description": "Moved."})
    tab.get_by_label("Description").fill("Replaced in March.")
    tab.get_by_role("button", name="Save as version 3").click()
    tab.get_by_text("Someone saved a newer version meanwhile").wait_for()
    tab.get_by_role("button", name="Load the latest version").click()
    tab.get_by_role("button", name="Save as version 4").wait_for()
    assert tab.get_by_label("Description").input_value() == "Moved."
    assert "Version 3, saved by setup.admin" in tab.locator(".saved").inner_text()
    assert not problems.errors and not problems.dialogs, problems.errors + problems.dialogs


def test_values_the_api_refuses_are_shown_at_their_fields(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, problems = chicago_page
    sign_in(tab, desk_url, "ada.admin", "admin")
    tab.goto(desk_url + "#/admin/calendars/office")
    tab.get_by_role("heading", name="Calendar office").wait_for()
    tab.get_by_label("Monday").fill("08:00-25:00")
    tab.get_by_label("Time zone").fill("Mars/Olympus")
    tab.get_by_role("button", name="Save as version 2").click()
    tab.get_by_text("Please correct the marked fields.").wait_for()
    # The keyboard continues at the first field refused.
    assert tab.evaluate("() => document.activeElement.id") == "f-timezone"
    assert "25:00" in _error_of(tab, "Monday") and "not a time" in _error_of(tab, "Monday")
    assert "unknown time zone 'Mars/Olympus'" in _error_of(tab, "Time zone")
    assert tab.get_by_label("Tuesday").get_attribute("aria-invalid") == "false"
    _axe_clean(tab, "a calendar with errors")
    # Nothing was stored.
    assert _api(desk_url, "GET", "admin/calendars/office", documents["admin"])["version"] == 1

    # A service needs a title; the name of a new one is checked by the API too.
    tab.goto(desk_url + "#/admin/new/services")
    tab.get_by_role("heading", name="New service").wait_for()
    tab.get_by_label("Name", exact=True).fill("Not A Name")
    tab.get_by_label("Support group").fill("facilities")
    tab.get_by_role("button", name="Save service").click()
    tab.get_by_text("Please correct the marked fields.").wait_for()
    assert "non-empty" in _error_of(tab, "Title")
    assert _error_of(tab, "Name")
    assert not problems.errors and not problems.dialogs, problems.errors + problems.dialogs


def test_an_admin_adds_a_support_group(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, problems = chicago_page
    sign_in(tab, desk_url, "ada.admin", "admin")
    tab.goto(desk_url + "#/admin/groups")
    tab.get_by_role("link", name="New support group").click()
    tab.get_by_role("heading", name="New support group").wait_for()
    tab.get_by_label("Name", exact=True).fill("browser-tests-group")
    tab.get_by_label("Title").fill("Browser tests")
    tab.get_by_label("Lead").fill("ben")
    tab.get_by_label("Tier").select_option("2")
    tab.get_by_label("Escalates to").fill("browser-tests-group")
    tab.get_by_role("button", name="Save support group").click()
    # A group cannot escalate to itself: the API says so at that field.
    tab.get_by_text("Please correct the marked fields.").wait_for()
    assert "cannot escalate to itself" in _error_of(tab, "Escalates to")
    tab.get_by_label("Escalates to").fill("")
    tab.get_by_role("button", name="Save support group").click()
    tab.get_by_role("heading", name="Support group browser-tests-group").wait_for()
    tab.get_by_role("status").filter(has_text="Saved as version 1.").wait_for()
    stored = _api(desk_url, "GET", "admin/groups/browser-tests-group", documents["admin"])
    assert (stored["tier"], stored["lead"], stored["escalation_group"], stored["created_by"]) == (
        2, "ben", None, "ada.admin"
    )
    assert not problems.errors and not problems.dialogs, problems.errors + problems.dialogs


def test_an_admin_edits_a_calendars_hours_holidays_and_zone(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, problems = chicago_page
    sign_in(tab, desk_url, "ada.admin", "admin")
    tab.goto(desk_url + "#/admin/calendars/browser-tests-calendar")
    tab.get_by_role("heading", name="Calendar browser-tests-calendar").wait_for()
    tab.get_by_label("Time zone").fill("Europe/Berlin")
    tab.get_by_label("Saturday").fill("09:00-12:00")
    tab.get_by_label("Friday").fill("")
    tab.get_by_label("Holidays", exact=True).fill("2026-12-24, 2026-12-31")
    tab.get_by_label("Holidays every year").fill("01-01")
    tab.get_by_role("button", name="Save as version 2").click()
    tab.get_by_role("status").filter(has_text="Saved as version 2.").wait_for()
    stored = _api(desk_url, "GET", "admin/calendars/browser-tests-calendar", documents["admin"])
    assert stored["timezone"] == "Europe/Berlin" and stored["holidays"] == ["2026-12-24", "2026-12-31"]
    assert stored["weekly_hours"]["sat"] == [["09:00", "12:00"]] and not stored["weekly_hours"].get("fri")
    assert stored["recurring_holidays"] == ["01-01"]
    # An agent's page: their groups, skills and capacity.
    tab.goto(desk_url + "#/admin/agents")
    tab.get_by_role("columnheader", name="Capacity").wait_for()
    tab.locator("table.documents tbody a").first.click()
    tab.get_by_label("Capacity: most open tickets at once").wait_for()
    _axe_clean(tab, "an agent's page")
    assert not problems.errors and not problems.dialogs, problems.errors + problems.dialogs


def test_an_admin_edits_a_policy_as_a_new_version_and_previews_its_due_times(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, problems = chicago_page
    sign_in(tab, desk_url, "ada.admin", "admin")
    tab.goto(desk_url + "#/admin/sla-policies")
    tab.get_by_role("link", name="browser-tests-policy").click()
    tab.get_by_role("heading", name="SLA policy browser-tests-policy").wait_for()
    assert tab.get_by_label("First response target, Any priority (*)").input_value() == "1h"
    _axe_clean(tab, "a policy's page")

    # P1 gets its own first response; its resolution still comes from the * row.
    tab.get_by_label("First response target, P1").fill("15m")
    tab.get_by_role("button", name="Save as version 2").click()
    tab.get_by_role("status").filter(has_text="Saved as version 2.").wait_for()
    assert tab.locator(".changed").inner_text() == "Changed from version 1: First response target, P1."
    stored = _api(desk_url, "GET", "admin/sla-policies/browser-tests-policy", documents["admin"])
    assert stored["version"] == 2 and stored["targets"]["P1"] == {"first_response": {"duration": "15m"}}
    assert stored["match"]["business_units"] == ["browser-tests"]

    # The preview: a P1 incident of the unit, opened Monday 23 November 2026 at 16:50 in Chicago.
    tab.get_by_label("Ticket type", exact=True).select_option("incident")
    tab.get_by_label("Priority", exact=True).select_option("P1")
    tab.get_by_label("Business unit (optional)").fill("browser-tests")
    tab.get_by_label("Opened at").fill("2026-11-23T16:50")
    tab.get_by_role("button", name="Preview").click()
    first = _clock_row(tab, "First response")
    resolution = _clock_row(tab, "Resolution")
    first.wait_for()
    # 10 minutes before the office closes at 17:00, 5 the next morning; one business day
    # (9 working hours) ends on Tuesday at 16:50.
    assert "15m" in first.inner_text() and "Tue, Nov 24, 08:05 CST" in first.inner_text()
    assert "1bd" in resolution.inner_text() and "Tue, Nov 24, 16:50 CST" in resolution.inner_text()
    assert "This policy applies to such a ticket" in tab.locator(".preview-answer").inner_text()
    _axe_clean(tab, "a policy's preview")

    # A draft is previewed before it is saved; its problems are shown at the policy's fields.
    tab.get_by_label("Resolution target, P2").fill("soon")
    tab.get_by_role("button", name="Preview").click()
    tab.get_by_text("The policy has problems").wait_for()
    assert "'soon' is not a duration" in _error_of(tab, "Resolution target, P2")
    tab.get_by_label("Resolution target, P2").fill("")
    tab.get_by_label("First response target, P1").fill("20m")
    tab.get_by_role("button", name="Preview").click()
    _clock_row(tab, "First response").filter(has_text="Tue, Nov 24, 08:10 CST").wait_for()
    assert tab.get_by_label("Resolution target, P2").get_attribute("aria-invalid") == "false"
    assert _api(desk_url, "GET", "admin/sla-policies/browser-tests-policy", documents["admin"])["version"] == 2
    assert not problems.errors and not problems.dialogs, problems.errors + problems.dialogs


def test_a_manager_reads_policies_and_edits_only_what_the_api_lets_them(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, _ = chicago_page
    sign_in(tab, desk_url, "max.manager", "manager")
    tab.goto(desk_url + "#/admin/sla-policies/incident-default")
    tab.get_by_role("heading", name="SLA policy incident-default").wait_for()
    tab.get_by_text("Your role may read this, not change it.").wait_for()
    assert tab.get_by_label("First response target, P1").is_disabled()
    assert tab.get_by_role("button", name="Save as version").count() == 0
    tab.get_by_role("button", name="Preview").click()
    _clock_row(tab, "First response").wait_for()
    _axe_clean(tab, "a policy a manager reads")
    tab.goto(desk_url + "#/admin/services")
    tab.get_by_role("link", name="New service").wait_for()
    tab.goto(desk_url + "#/admin/groups")
    tab.get_by_text("Your role may read these, not change them.").wait_for()
    assert tab.get_by_role("link", name="New support group").count() == 0
    tab.goto(desk_url + "#/admin/new/groups")
    tab.get_by_text("Your role may read these, not add them.").wait_for()
    assert tab.get_by_role("button", name="Save support group").count() == 0


def test_a_requester_has_no_admin_pages(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, _ = chicago_page
    sign_in(tab, desk_url, "rita.requester")
    assert tab.get_by_role("link", name="Administration").count() == 0
    tab.goto(desk_url + "#/admin/sla-policies")
    tab.get_by_role("heading", name="Not for your role").wait_for()


def test_the_admin_pages_fit_a_360_pixel_screen(
    desk_url: str, documents: dict[str, str], narrow_page: tuple[Any, PageProblems]
) -> None:
    tab, _ = narrow_page
    sign_in(tab, desk_url, "nico.narrow", "admin")
    wide = "() => document.scrollingElement.scrollWidth"
    for where, heading in (
        ("#/admin/sla-policies/incident-default", "SLA policy incident-default"),
        ("#/admin/services", "Service catalog"),
        ("#/admin/calendars/office", "Calendar office"),
    ):
        tab.goto(desk_url + where)
        tab.get_by_role("heading", name=heading).wait_for()
        assert tab.evaluate(wide) <= 360, where
    _axe_clean(tab, "a calendar at 360 px")


def test_a_policy_is_previewed_by_keyboard_alone(
    desk_url: str, documents: dict[str, str], chicago_page: tuple[Any, PageProblems]
) -> None:
    tab, _ = chicago_page
    sign_in(tab, desk_url, "kim.keys", "admin")
    tab.goto(desk_url + "#/admin/sla-policies/browser-tests-policy")
    tab.get_by_label("First response target, P3").focus()
    tab.keyboard.press("Control+A")
    tab.keyboard.type("25m")
    pressed = 0
    while tab.evaluate("() => document.activeElement.textContent") != "Preview":
        tab.keyboard.press("Tab")
        pressed += 1
        assert pressed < 60, "the Preview button is not reached by Tab"
    tab.keyboard.press("Enter")
    _clock_row(tab, "First response").filter(has_text="25m").wait_for()
