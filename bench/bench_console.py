"""The agent console on ``make run``'s stack in headless Chromium: the time from a reload to a
usable triage queue and to a ticket's page with its clocks ticking, and the requests each makes,
the median of a few loads each (the desk started as in ``bench_pages``)."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
import urllib.request
from typing import Any

from bench.bench_pages import LOADS, _median_ms, _start_desk


def _post(url: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + path, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = _start_desk(data_dir)
        try:
            requester = _post(url, "session/local", {"user": "bench.requester", "role": "requester"})["token"]
            opened = {"type": "incident", "title": "Bench console", "description": "x"}
            number = _post(url, "tickets", opened, requester)["number"]
            _post(url, f"tickets/{number}/classification/contest", {"reason": "to triage"}, requester)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--disable-dev-shm-usage"]
                )
                page = browser.new_context().new_page()
                requests: list[str] = []
                page.on("request", lambda r: requests.append(r.url))
                page.goto(url)
                page.get_by_label("Your user name").fill("ann")
                page.get_by_label("Role").select_option("agent")
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("heading", name="How can we help?").wait_for()
                queue, ticket_page = [], []
                queue_requests = ticket_requests = 0
                for _ in range(LOADS):
                    page.goto(url + "#/console/queue/triage")
                    requests.clear()
                    began = time.perf_counter()
                    page.reload()
                    page.locator("table.console-tickets tbody tr", has_text=number).wait_for()
                    queue.append(time.perf_counter() - began)
                    queue_requests = len(requests)
                    page.goto(url + f"#/console/ticket/{number}")
                    requests.clear()
                    began = time.perf_counter()
                    page.reload()
                    page.locator('[data-clock="first_response"] .timer').wait_for()
                    ticket_page.append(time.perf_counter() - began)
                    ticket_requests = len(requests)
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    return {
        "triage queue (reload) usable, ms (median)": _median_ms(queue),
        "triage queue requests": queue_requests,
        "console ticket page (reload) with clocks, ms": _median_ms(ticket_page),
        "console ticket page requests": ticket_requests,
    }
