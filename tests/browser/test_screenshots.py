"""The README's screenshots (``docs/screenshots/``), taken in headless Chromium on a desk filled
with the demo month (``scripts/run_local.py --demo``, as ``make run DEMO=1`` starts it).

Not part of the gate (marker ``screenshots``): ``make screenshots`` runs it and the PNGs are
committed. A new screen is one line of :data:`SCREENS`: its file name, the role that signs in,
and the page's hash (``{name}`` fills in a ticket of the demo that the role can see, from
:func:`demo_tickets`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import new_page
from tests.conftest import ROOT, free_port

pytestmark = [pytest.mark.screenshots, pytest.mark.browser]

SHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
#: The demo's span for the screenshots: two weeks show every kind of ticket in a third of the time.
DEMO_DAYS = 14
#: Who signs in for each role (names the demo month uses).
USERS = {"requester": "alice", "agent": "ann", "manager": "maria.manager"}

#: (file name without ``.png``, role, hash): one line per screen.
SCREENS: list[tuple[str, str, str]] = [
    ("portal-start", "requester", "#/"),
    ("portal-my-tickets", "requester", "#/tickets"),
    ("portal-ticket", "requester", "#/tickets/{requester_ticket}"),
    ("console-queue", "manager", "#/console/queue/{fullest_queue}"),
    ("console-ticket", "agent", "#/console/ticket/{requester_ticket}"),
    ("dashboard", "manager", "#/dashboard"),
]


@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local desk filled with the demo (:data:`DEMO_DAYS`; without the scheduler, so it stands still)."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("demo-desk")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "DYNAMODB_", "SNS_", "SQS_", "S3_", "JWT_", "DESK_LOCAL"))
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_local.py"), "--port", str(port), "--data-dir", str(data_dir),
         "--no-scheduler", "--snapshot-seconds", "100000", "--demo", "--demo-days", str(DEMO_DAYS)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("agent token: "):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(1500)
    if not any(line.startswith("agent token: ") for line in lines):
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("the demo desk did not start:\n" + "".join(lines[-40:]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def demo_tickets(url: str, browser: Any) -> dict[str, str]:
    """Tickets of the demo the screens show: the requester's incident with the longest history."""
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, url + "/", USERS["requester"], "requester")
    token = page.evaluate("() => sessionStorage.getItem('desk.token')")
    context.close()
    listing = _get(url, "/tickets?limit=50", token)
    best = max(listing["tickets"], key=lambda t: (t["type"] == "incident", int(t.get("version", 0)), t["number"]))
    return {"requester_ticket": best["number"], "fullest_queue": _fullest_queue(url, browser)}


def _fullest_queue(url: str, browser: Any) -> str:
    """The queue holding the most tickets (the manager's own, or any group's), as the console's
    hash names it (``name/group``)."""
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, url + "/", USERS["manager"], "manager")
    token = page.evaluate("() => sessionStorage.getItem('desk.token')")
    context.close()
    queues = [(q["name"], q.get("group")) for q in _get(url, "/queues", token)["queues"]]
    queues += [("group", g["name"]) for g in _get(url, "/admin/groups", token)["items"]]
    sizes: dict[str, int] = {}
    for name, group in queues:
        path = f"/queues/{name}?limit=50" + (f"&group={group}" if group else "")
        sizes[name + (f"/{group}" if group else "")] = len(_get(url, path, token)["tickets"])
    return max(sizes, key=lambda name: (sizes[name], name))


def _get(url: str, path: str, token: str) -> Any:
    request = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _sign_in(page: Any, url: str, user: str, role: str) -> None:
    page.goto(url)
    page.get_by_label("Your user name").fill(user)
    page.get_by_label("Role").select_option(role)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("() => sessionStorage.getItem('desk.token')")
    page.locator("main h1").first.wait_for()


@pytest.fixture(scope="module")
def names(demo_desk: str, browser: Any) -> dict[str, str]:
    return demo_tickets(demo_desk, browser)


@pytest.mark.parametrize(("name", "role", "where"), SCREENS, ids=[s[0] for s in SCREENS])
def test_screenshot(
    name: str, role: str, where: str, demo_desk: str, names: dict[str, str], browser: Any,
    request: pytest.FixtureRequest,
) -> None:
    pages = new_page(browser, request, viewport=VIEWPORT)
    page, problems = next(pages)
    try:
        _sign_in(page, demo_desk + "/", USERS[role], role)
        page.goto(demo_desk + "/" + where.format(**names))
        page.wait_for_load_state("networkidle")
        page.locator("main h1").first.wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        assert not problems.errors, problems.errors
    finally:
        next(pages, None)  # closes the context
    assert (SHOTS / f"{name}.png").stat().st_size > 10_000
