"""A manager uses the dashboard in a real browser: the morning patrol as a page, a ticket an agent
resolves counted in the figures, the SLA compliance trend (uPlot, on a canvas) and the backlog's
aging (SVG bars) drawn with data and each with its text alternative, axe-core clean, at 360 px
too; other roles are not offered it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PageProblems, dump, serious_violations, sign_in
from tests.conftest import LocalDesk

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def _api(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(base + path, data, headers, method=method), timeout=30) as r:
        return json.loads(r.read())


def _token(base: str, user: str, role: str) -> str:
    return str(_api(base, "POST", "session/local", None, {"user": user, "role": role})["token"])


def _rebuild_rollups(desk: LocalDesk) -> None:
    """What the events table's stream does on a deployed desk (the tests' desk runs without the
    scheduler that plays it): ``desk reports rebuild`` of the days around now."""
    endpoint = next(
        line.split(": ", 1)[1].strip() for line in desk.first_lines if line.startswith("embedded AWS (moto): ")
    )
    today = datetime.now(UTC).date()
    env = {
        **desk.env,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DYNAMODB_ENDPOINT": endpoint,
    }
    command = "import sys; from chalicelib.cli import main; raise SystemExit(main(sys.argv[1:]))"
    days = ["--from", (today - timedelta(days=1)).isoformat(), "--to", (today + timedelta(days=1)).isoformat()]
    subprocess.run(
        [sys.executable, "-c", command, "reports", "rebuild", *days],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=120,
    )


def _open_and_resolve(base: str, title: str) -> dict[str, Any]:
    """A requester's incident, answered and resolved at once by an agent: both its clocks met."""
    requester = _token(base, "ruth.requester", "requester")
    ticket = _api(base, "POST", "tickets", requester, {"type": "incident", "title": title, "description": title})
    agent = _token(base, "ann", "agent")
    version = _api(base, "GET", f"tickets/{ticket['number']}", agent)["version"]
    move = {"to": "resolve", "version": version}
    resolved = _api(base, "POST", f"tickets/{ticket['number']}/transitions", agent, move)
    assert resolved["status"] == "resolved", dump(resolved)
    return dict(resolved)


def _axe_clean(page: Any, where: str) -> None:
    found = serious_violations(page)
    assert not found, f"axe on {where}: {dump(found)}"


def _dashboard(page: Any, url: str) -> None:
    sign_in(page, url, "maria.manager", "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Manager's dashboard").wait_for()
    page.locator("#sla-trend-chart canvas").first.wait_for()
    page.locator("[data-figure=resolved]").wait_for()


def _figure(page: Any, name: str) -> int:
    return int(page.locator(f"[data-figure={name}]").inner_text())


def test_a_manager_sees_the_patrol_and_a_resolved_ticket_counted(
    desk_url: str, local_desk: LocalDesk, page: tuple[Any, PageProblems]
) -> None:
    tab, problems = page
    requester = _token(desk_url, "ruth.requester", "requester")
    urgent = _api(desk_url, "POST", "tickets", requester, {
        "type": "incident", "title": "Payroll run fails for <b>everyone</b>",
        "description": "Nobody gets paid today.", "impact": "high", "urgency": "high",
    })
    assert urgent["priority"] in ("P1", "P2")
    _rebuild_rollups(local_desk)
    _dashboard(tab, desk_url)
    _axe_clean(tab, "the dashboard")
    resolved_before = _figure(tab, "resolved")

    done = _open_and_resolve(desk_url, "Badge reader at door 3 rejects every card")
    _rebuild_rollups(local_desk)
    tab.reload()
    tab.locator("[data-figure=resolved]").wait_for()
    assert _figure(tab, "resolved") == resolved_before + 1
    # The agent it was resolved by is in the load per agent, with what they resolved.
    agents = tab.locator("section[aria-labelledby=agents-title]")
    agents.get_by_text("The figures as a table").click()
    who = done["assignee"] or "ann"
    row = agents.locator("tbody tr", has=tab.locator("th", has_text=re.compile(f"^{re.escape(who)}$")))
    assert int(row.locator("td").nth(1).inner_text()) >= 1

    # The morning patrol as a page: the urgent ticket is among the open P1/P2, its title as text.
    tab.get_by_role("link", name="Open the morning patrol").click()
    section = tab.locator("section", has=tab.get_by_role("heading", name=re.compile(r"^Open P1.P2 \(\d+\)$")))
    entry = section.locator("li", has=tab.get_by_role("link", name=urgent["number"]))
    entry.wait_for()
    assert "Payroll run fails for <b>everyone</b>" in entry.inner_text()
    assert tab.locator("main b").count() == 0
    _axe_clean(tab, "the morning patrol")
    entry.get_by_role("link", name=urgent["number"]).click()
    tab.get_by_role("heading", level=1, name=re.compile(urgent["number"])).wait_for()

    assert problems.dialogs == []
    assert problems.errors == []


def _drawn_pixels(page: Any, canvas: str) -> int:
    """How many pixels of the trend's canvas carry the resolution line's colour (#a04a00)."""
    return int(page.evaluate(
        """(selector) => {
            const canvas = document.querySelector(selector);
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let found = 0;
            for (let i = 0; i < data.length; i += 4) {
                const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
                if (a > 200 && Math.abs(r - 0xa0) < 24 && Math.abs(g - 0x4a) < 24 && b < 40) found++;
            }
            return found;
        }""",
        canvas,
    ))


def test_the_sla_trend_and_the_backlog_aging_are_drawn_with_their_figures(
    desk_url: str, local_desk: LocalDesk, page: tuple[Any, PageProblems]
) -> None:
    tab, problems = page
    _open_and_resolve(desk_url, "Projector in room 2.14 shows no picture")
    requester = _token(desk_url, "ruth.requester", "requester")
    waiting = _api(desk_url, "POST", "tickets", requester, {
        "type": "service_request", "title": "A second monitor", "description": "For the new analyst.",
    })
    _rebuild_rollups(local_desk)
    _dashboard(tab, desk_url)

    trend = tab.locator("#sla-trend-chart")
    summary = trend.get_attribute("aria-label")
    assert re.search(r"Resolution: \d+(\.\d)?% in the week of", summary), summary
    tab.wait_for_function("() => document.querySelector('#sla-trend-chart canvas').width > 0")
    assert _drawn_pixels(tab, "#sla-trend-chart canvas") > 10
    section = tab.locator("section[aria-labelledby=sla-trend-title]")
    section.get_by_text("The figures as a table").click()
    this_week = section.locator("tbody tr").last
    assert re.search(r"\d+ of [1-9]\d*", this_week.inner_text()), this_week.inner_text()

    backlog = tab.locator("#backlog-chart")
    assert backlog.locator("rect").count() >= 1
    assert "open" in backlog.get_attribute("aria-label")
    section = tab.locator("section[aria-labelledby=backlog-title]")
    section.get_by_text("The figures as a table").click()
    row = section.locator("tbody tr", has=tab.locator("th", has_text=waiting["priority"]))
    assert int(row.locator("td").first.inner_text()) >= 1  # under a day old

    # Day by day, the same chart follows the chosen period.
    tab.get_by_label("Period", exact=True).select_option("14d")
    tab.get_by_text("Share of clocks met, per day").wait_for()
    tab.wait_for_function("() => document.querySelector('#sla-trend-chart canvas')")
    assert "per day" in tab.locator("#sla-trend-chart").get_attribute("aria-label")
    assert problems.errors == []


def test_the_dashboard_fits_a_360_pixel_screen(desk_url: str, narrow_page: tuple[Any, PageProblems]) -> None:
    tab, problems = narrow_page
    wide = "() => document.scrollingElement.scrollWidth"
    _dashboard(tab, desk_url)
    tab.locator("#backlog-chart, section[aria-labelledby=backlog-title] .hint").first.wait_for()
    assert tab.evaluate(wide) <= 360
    for section in ("sla-trend", "backlog", "agents"):
        opener = tab.locator(f"section[aria-labelledby={section}-title]").get_by_text("The figures as a table")
        if opener.count():
            opener.click()
    assert tab.evaluate(wide) <= 360
    _axe_clean(tab, "the dashboard at 360 px")
    tab.get_by_role("link", name="Open the morning patrol").click()
    tab.get_by_role("heading", name=re.compile("^Brief management")).wait_for()
    assert tab.evaluate(wide) <= 360
    _axe_clean(tab, "the morning patrol at 360 px")
    assert problems.errors == []


def test_only_managers_are_offered_the_dashboard(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, _ = page
    sign_in(tab, desk_url, "andy.agent", "agent")
    assert tab.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").count() == 0
    tab.goto(desk_url + "#/dashboard")
    tab.get_by_role("heading", name="Not for your role").wait_for()


def test_the_dashboards_days_are_the_desks_days(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    """The periods' points, their compliance and the week's instants, computed in the browser by
    the page's module: weeks from Monday (the last one ends today), compliance over points summed
    from their clocks (not averaged), midnight in the desk's zone across daylight saving time."""
    tab, _ = page
    tab.goto(desk_url)
    found = tab.evaluate(
        """async () => {
            const m = await import(new URL("ui/dashboard.js", document.baseURI));
            const chicago = (day) => m.zonedMidnight(day, "America/Chicago");
            const trend = m.trendOf([{}, {}], [
                { rows: [{ clock: "resolution", met: 3, breached: 1, compliance: 0.75 }] },
                { rows: [] },
            ]);
            return {
                midnights: [chicago("2026-11-30"), chicago("2026-03-08"), chicago("2026-03-09"), chicago("2026-11-01"),
                            m.zonedMidnight("2026-06-01", "Europe/Berlin")],
                weeks: m.pointsOf("8w", "2026-12-02").map((p) => [p.from, p.to]),
                days: m.pointsOf("14d", "2026-12-02").map((p) => [p.from, p.to]),
                trend: trend.map((s) => [s.clock, s.values]),
                whole: ["resolution", "first_response"].map((clock) => m.compliance([
                    { rows: [{ clock: "resolution", met: 3, breached: 1 },
                             { clock: "first_response", met: 0, breached: 0 }] },
                    { rows: [{ clock: "resolution", met: 1, breached: 3 }] },
                ], clock)),
            };
        }"""
    )
    assert found["midnights"] == [
        "2026-11-30T06:00:00.000Z",  # CST
        "2026-03-08T06:00:00.000Z",  # the clocks go forward at 02:00: midnight is still CST
        "2026-03-09T05:00:00.000Z",  # CDT
        "2026-11-01T05:00:00.000Z",  # the clocks go back at 02:00: midnight is still CDT
        "2026-05-31T22:00:00.000Z",  # CEST
    ]
    assert found["weeks"][0] == ["2026-10-12", "2026-10-18"]
    assert found["weeks"][-2:] == [["2026-11-23", "2026-11-29"], ["2026-11-30", "2026-12-02"]]
    assert len(found["weeks"]) == 8
    assert found["days"][0] == ["2026-11-19", "2026-11-19"] and found["days"][-1] == ["2026-12-02", "2026-12-02"]
    assert len(found["days"]) == 14
    assert found["trend"] == [["first_response", [None, None]], ["resolution", [75, None]]]
    assert found["whole"] == [0.5, None]  # 4 of 8 over both points; no clock decided


def test_the_dashboard_works_by_keyboard_alone(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, problems = page
    _dashboard(tab, desk_url)
    period = tab.get_by_label("Period", exact=True)
    period.focus()
    tab.keyboard.press("ArrowUp")  # from the 8 weeks to the 14 days
    tab.get_by_text("Share of clocks met, per day").wait_for()
    # Tab from the period reaches the patrol's link; Enter opens the patrol.
    for _ in range(10):
        tab.keyboard.press("Tab")
        if tab.evaluate("() => document.activeElement.textContent") == "Open the morning patrol":
            break
    tab.keyboard.press("Enter")
    tab.get_by_role("heading", name=re.compile("^Brief management")).wait_for()
    tab.go_back()
    # A chart's figures open from the keyboard.
    opener = tab.locator("section[aria-labelledby=sla-trend-title] summary")
    opener.focus()
    tab.keyboard.press("Enter")
    assert tab.locator("section[aria-labelledby=sla-trend-title] details").get_attribute("open") is not None
    assert problems.errors == []


def _scheduled_change(base: str) -> str:
    """A normal change on email (no freeze covers it, whatever the day), planned, submitted and
    approved (so scheduled) for a window from now."""
    requester = _token(base, "ruth.requester", "requester")
    dora, dieter = _token(base, "dora", "agent"), _token(base, "dieter", "agent")
    number = _api(base, "POST", "tickets", requester, {
        "type": "change_request", "title": "Move the mail server's disks", "description": "To the new array.",
    })["number"]
    now = datetime.now(UTC).replace(microsecond=0)
    window = {"start": now.isoformat(), "end": (now + timedelta(hours=3)).isoformat()}
    _api(base, "PUT", f"tickets/{number}/change", dora, {
        "version": 1, "model": "normal", "services": ["email"], "window": window,
        "implementation_plan": "storage vMotion", "backout_plan": "move them back", "test_plan": "send a mail",
        "communication": "mail to everyone", "outage_minutes": 45, "risk": {"likelihood": 3, "impact": 4},
        "implementer_group": "database", "els_hours": 24,
    })
    _api(base, "POST", f"tickets/{number}/transitions", dora, {"to": "assessment", "version": 2})
    _api(base, "POST", f"tickets/{number}/transitions", dora, {"to": "authorization", "version": 3})
    approved = _api(base, "POST", f"tickets/{number}/approvals", dieter, {"decision": "approve", "version": 4})
    assert approved["status"] == "scheduled", dump(approved)
    return str(number)


def test_this_weeks_changes_are_listed_with_their_window(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, problems = page
    number = _scheduled_change(desk_url)
    _dashboard(tab, desk_url)
    changes = tab.locator("section[aria-labelledby=changes-title]")
    entry = changes.locator("li", has=tab.get_by_role("link", name=number))
    entry.wait_for()
    assert re.search(r"scheduled \w{3}, \w{3} \d+, \d\d:\d\d \w+ to ", entry.inner_text()), entry.inner_text()
    assert "on email" in entry.inner_text()
    assert problems.errors == []


def test_bars_stack_the_parts_of_a_whole_and_group_figures_that_are_not(
    desk_url: str, page: tuple[Any, PageProblems]
) -> None:
    """The SVG bars as the breaches by service (stacked per clock, with the total) and the load
    per agent (grouped) draw them, rendered by the page's own module."""
    tab, _ = page
    tab.goto(desk_url)
    found = tab.evaluate(
        """async () => {
            const { html, render } = await import(new URL("ui/client.js", document.baseURI));
            const { BarChart } = await import(new URL("ui/charts.js", document.baseURI));
            const series = [
                { key: "first_response", label: "First response" }, { key: "resolution", label: "Resolution" },
            ];
            const rows = [
                { key: "vpn", label: "vpn", values: { first_response: 2, resolution: 1 } },
                { key: "email", label: "<i>email</i>", values: { resolution: 3 } },
            ];
            const number = (r, name) => +(+r.getAttribute(name)).toFixed(2);
            const drawn = (grouped) => {
                const box = document.createElement("div");
                render(html`<${BarChart} id="x" caption="c" summary="s" rows=${rows} series=${series}
                    keyHeading="Service" empty="none" grouped=${grouped} />`, box);
                return {
                    rects: [...box.querySelectorAll(".bar-row")].map((row) => [...row.querySelectorAll("rect")].map(
                        (r) => [r.getAttribute("class"), number(r, "x"), number(r, "width"), number(r, "y")])),
                    figures: [...box.querySelectorAll(".bar-total")].map((t) => t.textContent),
                    table: [...box.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map(
                        (c) => c.textContent)),
                    labels: [...box.querySelectorAll(".bar-label")].map((l) => l.textContent),
                    markup: box.querySelectorAll("i").length,
                };
            };
            const empty = document.createElement("div");
            render(html`<${BarChart} id="y" caption="c" summary="s" rows=${[]} series=${series}
                empty="No clock breached." />`, empty);
            return { stacked: drawn(false), grouped: drawn(true), empty: empty.textContent };
        }"""
    )
    stacked, grouped = found["stacked"], found["grouped"]
    # Stacked: one bar per service, its clocks side by side, scaled to the largest total (3).
    assert stacked["rects"] == [
        [["series-0", 0, 66.67, 0], ["series-1", 66.67, 33.33, 0]],
        [["series-1", 0, 100, 0]],
    ]
    assert stacked["figures"] == ["3", "3"]
    assert stacked["table"] == [["vpn", "2", "1", "3"], ["<i>email</i>", "0", "3", "3"]]
    assert stacked["labels"][1] == "<i>email</i>" and stacked["markup"] == 0
    # Grouped: one bar per figure, each from zero, scaled to the largest figure (3).
    assert grouped["rects"] == [
        [["series-0", 0, 66.67, 0], ["series-1", 0, 33.33, 5]],
        [["series-1", 0, 100, 5]],
    ]
    assert grouped["figures"] == ["2 / 1", "0 / 3"]
    assert grouped["table"] == [["vpn", "2", "1"], ["<i>email</i>", "0", "3"]]
    assert found["empty"] == "No clock breached."
