"""Schemathesis over the whole OpenAPI description against `make run`'s stack: generated requests
to every operation, no 5xx, every answer's status, content type and body as described."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_local_server import ROOT, _desk_token, _free_port

pytestmark = pytest.mark.soak

#: Generated cases per operation, and a fixed seed so a failure replays.
EXAMPLES_PER_OPERATION = 20
SEED = 15
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The local desk, its log in a file (thousands of requests would fill a pipe nobody reads)."""
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("desk-data")
    log = data_dir / "desk.log"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "DYNAMODB_", "SNS_", "SQS_", "JWT_", "DESK_LOCAL"))}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "run_local.py"), "--port", str(port), "--data-dir", str(data_dir)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "agent token: " not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        # An administrator: every route is theirs to call, so no operation answers only 403.
        yield {"url": f"http://127.0.0.1:{port}", "token": _desk_token(data_dir, env, "admin")}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_every_operation_answers_as_described(desk: dict[str, str], tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    done = subprocess.run(
        [str(st), "run", f"{desk['url']}/openapi.json", "-H", f"Authorization: Bearer {desk['token']}",
         "--checks", CHECKS, "--max-examples", str(EXAMPLES_PER_OPERATION), "--phases", "examples,fuzzing",
         "--seed", str(SEED), "--request-timeout", "30"],
        capture_output=True, text=True, timeout=1800, cwd=tmp_path,  # its reports stay out of the tree
    )
    report = "\n".join(line for line in done.stdout.splitlines() if not line.startswith("{"))
    failures = report.find("FAILURES")
    assert done.returncode == 0, report[failures:][:8000] if failures >= 0 else report[-6000:]
