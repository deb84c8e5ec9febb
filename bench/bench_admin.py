"""The admin pages on ``make run``'s stack in headless Chromium: the time from navigation to a
usable SLA policy page (loaded whole) and its requests, saving it as a new version, and a
preview's answer shown; the median of a few rounds each. The desk is started as ``make run``
does, without the scheduler (``bench_pages``)."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from typing import Any

from bench.bench_pages import _median_ms, _start_desk

ROUNDS = 5
POLICY = "incident-default"


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = _start_desk(data_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--disable-dev-shm-usage"]
                )
                page = browser.new_context().new_page()
                requests: list[str] = []
                page.on("request", lambda r: requests.append(r.url))
                page.goto(url)
                page.get_by_label("Your user name").fill("bench.admin")
                page.get_by_label("Role").select_option("admin")
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("heading", name="How can we help?").wait_for()
                shown, saved, previewed = [], [], []
                page_requests = 0
                for round_ in range(ROUNDS):
                    page.goto(url + f"#/admin/sla-policies/{POLICY}")
                    requests.clear()
                    began = time.perf_counter()
                    page.reload()
                    page.get_by_role("button", name="Save as version").wait_for()
                    shown.append(time.perf_counter() - began)
                    page_requests = len(requests)
                    page.get_by_label("Description").fill(f"Measured, round {round_ + 1}.")
                    began = time.perf_counter()
                    page.get_by_role("button", name="Save as version").click()
                    page.get_by_role("status").filter(has_text="Saved as version").wait_for()
                    saved.append(time.perf_counter() - began)
                    page.get_by_label("Priority", exact=True).select_option("P2")
                    began = time.perf_counter()
                    page.get_by_role("button", name="Preview").click()
                    page.locator(".preview-clocks").wait_for()
                    previewed.append(time.perf_counter() - began)
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    return {
        "an SLA policy's page (reload) usable, ms (median)": _median_ms(shown),
        "an SLA policy's page requests": page_requests,
        "saved as a new version, shown, ms": _median_ms(saved),
        "a policy preview shown, ms": _median_ms(previewed),
    }
