"""Starts the desk as ``make run`` does and talks to it over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DYNAMODB_", "SNS_", "SQS_"))}
    data = str(tmp_path_factory.mktemp("desk-data"))
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_local.py"), "--port", str(port), "--data-dir", data],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    info: dict[str, str] = {"url": f"http://127.0.0.1:{port}"}
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline and "token" not in info:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("agent token: "):
            info["token"] = line.split(": ", 1)[1].strip()
    if "token" not in info:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("the local desk did not start:\n" + "".join(lines))
    try:
        yield info
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _call(server: dict[str, str], method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server["url"] + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {server['token']}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.mark.e2e
def test_open_and_read_a_ticket_over_http(server: dict[str, str]) -> None:
    status, ticket = _call(
        server, "POST", "/tickets", {"type": "incident", "title": "Mail down", "description": "No mail"}
    )
    assert status == 201, ticket
    assert ticket["number"].startswith("INC-")
    status, read = _call(server, "GET", f"/tickets/{ticket['number']}")
    assert status == 200 and read["title"] == "Mail down"
    status, error = _call(server, "POST", "/tickets", {"type": "incident", "title": ""})
    assert status == 400 and error["field"] in ("title", "description")
