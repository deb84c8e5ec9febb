"""Starts the desk as ``make run`` does and talks to it over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LocalDesk

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(local_desk: LocalDesk) -> dict[str, str]:
    token_line = local_desk.first_lines[-1]
    # Not a terminal: the runner prints how to get a token, never the token itself.
    assert token_line.startswith("agent token: ") and "eyJ" not in token_line
    return {"url": local_desk.url, "token": _desk_token(local_desk.data_dir, local_desk.env)}


def _desk_token(data_dir: Path, env: dict[str, str], role: str = "agent") -> str:
    """``desk token`` run from outside the project finds the local desk's secret."""
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "token", "--user", f"{role}.e2e", "--role", role,
         "--data-dir", str(data_dir)],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


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


@pytest.mark.e2e
def test_notice_links_point_at_the_port_the_desk_runs_on(server: dict[str, str]) -> None:
    status, ticket = _call(
        server, "POST", "/tickets", {"type": "incident", "title": "Printer jam", "description": "Tray 2"}
    )
    assert status == 201, ticket
    status, outbox = _call(server, "GET", "/admin/outbox?limit=200")
    assert status == 200, outbox
    links = [n["link"] for n in outbox["notices"] if n["ticket"] == ticket["number"] and n["link"]]
    assert links and all(link.startswith(server["url"] + "/") for link in links), links
