"""The local desk keeps its data across a restart (``make run`` twice), and ``make reset`` empties it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_local_server import ROOT, _desk_token, _free_port


def _start(data: Path) -> tuple[subprocess.Popen[str], dict[str, str], list[str]]:
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "DYNAMODB_", "SNS_", "SQS_", "JWT_", "DESK_LOCAL"))
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_local.py"), "--port", str(port), "--data-dir", str(data),
         "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    info = {"url": f"http://127.0.0.1:{port}"}
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline and "token" not in info:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("agent token: "):
            info["token"] = _desk_token(data, env)
    if "token" not in info:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("the local desk did not start:\n" + "".join(lines))
    return proc, info, lines


def _stop(proc: subprocess.Popen[str]) -> str:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return out


def _call(info: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        info["url"] + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {info['token']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.e2e
def test_tickets_survive_a_restart_and_reset_starts_empty(tmp_path: Path) -> None:
    data = tmp_path / "run"
    proc, info, lines = _start(data)
    try:
        assert any(line.startswith("data: starting empty") for line in lines)
        ticket = _call(info, "POST", "/tickets", {"type": "incident", "title": "Mail down", "description": "No mail"})
    finally:
        out = _stop(proc)
    assert "data kept:" in out
    assert (data / "snapshot" / "manifest.json").is_file()

    proc, info, lines = _start(data)
    try:
        assert any(line.startswith("data: restored") for line in lines)
        assert any(line.startswith("seeded: 0 calendar") for line in lines)  # nothing seeded twice
        assert _call(info, "GET", f"/tickets/{ticket['number']}")["title"] == "Mail down"
        after = _call(info, "POST", "/tickets", {"type": "incident", "title": "Wi-Fi slow", "description": "slow"})
        assert int(after["number"][4:]) == int(ticket["number"][4:]) + 1  # the numbering goes on
    finally:
        _stop(proc)

    # `make reset` removes the data (RUN_DATA, default .run/): the next run starts empty, as the first did.
    subprocess.run(["make", "--no-print-directory", "reset", f"RUN_DATA={data}"], cwd=ROOT, check=True)
    assert not data.exists()
