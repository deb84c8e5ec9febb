"""The pages on ``make run``'s stack in headless Chromium: their size, the requests and the time
from navigation to a usable screen (sign-in form, start page, a ticket's page), the median of
a few loads each. Chromium is Debian's (``make install``); the desk is started as ``make run``
does, without the scheduler.
"""

from __future__ import annotations

import gzip
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "chalicelib" / "web"
LOADS = 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_desk(data_dir: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DYNAMODB_", "S3_", "JWT_", "DESK_LOCAL"))}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_local.py"), "--port", str(port), "--data-dir", data_dir,
         "--no-scheduler", "--snapshot-seconds", "100000"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("agent token: "):
            # Keep reading its output, so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout or ()], daemon=True).start()
            return proc, f"http://127.0.0.1:{port}/"
    raise RuntimeError("the local desk did not start:\n" + "".join(seen))


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    files = [p for p in WEB.rglob("*") if p.is_file() and p.suffix in (".js", ".css", ".html")]
    figures: dict[str, Any] = {
        "UI files, bytes": sum(p.stat().st_size for p in files),
        "UI files gzipped, bytes": sum(len(gzip.compress(p.read_bytes())) for p in files),
    }
    with tempfile.TemporaryDirectory() as data_dir:
        proc, url = _start_desk(data_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--disable-dev-shm-usage"]
                )
                context = browser.new_context()
                page = context.new_page()
                requests: list[str] = []
                page.on("request", lambda r: requests.append(r.url))
                sign_in, start, ticket = [], [], []
                number = ""
                for _ in range(LOADS):
                    requests.clear()
                    began = time.perf_counter()
                    page.goto(url)
                    page.get_by_label("Your user name").wait_for()
                    sign_in.append(time.perf_counter() - began)
                    sign_in_requests = len(requests)
                    page.get_by_label("Your user name").fill("bench.requester")
                    began = time.perf_counter()
                    page.get_by_role("button", name="Sign in").click()
                    page.locator(".banner, .all-well").first.wait_for()  # the banner, either way
                    start.append(time.perf_counter() - began)
                    if not number:
                        page.goto(url + "#/new/incident")
                        page.get_by_label("What is not working?").fill("Bench ticket")
                        page.get_by_label("What happens?").fill("Measured")
                        page.get_by_role("button", name="Send").click()
                        page.wait_for_url("**#/tickets/INC-*")
                        number = page.url.rsplit("/", 1)[1]
                    requests.clear()
                    began = time.perf_counter()
                    page.goto(url + f"#/tickets/{number}")
                    page.reload()  # the ticket's page loaded whole, not a hash change
                    page.get_by_role("heading", name="Conversation").wait_for()
                    ticket.append(time.perf_counter() - began)
                    ticket_requests = len(requests)
                    page.evaluate("() => sessionStorage.clear()")
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    figures.update(
        {
            "sign-in page usable, ms (median)": _median_ms(sign_in),
            "sign-in page requests": sign_in_requests,
            "signed in to start page with banner, ms": _median_ms(start),
            "a ticket's page (reload) usable, ms": _median_ms(ticket),
            "a ticket's page requests": ticket_requests,
        }
    )
    return figures
