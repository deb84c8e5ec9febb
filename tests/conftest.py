"""Shared fixtures: a moto-backed AWS, the dev stage's settings, tokens and a Chalice test client."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The tests' own HS256 secret: a desk under test is a local desk (``DESK_LOCAL``), and no
#: secret is committed with the project.
TEST_SECRET = secrets.token_hex(32)


def stage_environment(stage: str = "dev") -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def reset_caches() -> None:
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.secrets import forget_provider
    from chalicelib.storage import aws

    get_settings.cache_clear()
    forget_provider()
    aws.reset_clients()
    wiring.install(None)


@pytest.fixture(autouse=True)
def _fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.delenv("DYNAMODB_ENDPOINT", raising=False)
    monkeypatch.setenv("DESK_LOCAL", "true")
    monkeypatch.setenv("JWT_HS256_SECRET", TEST_SECRET)


#: When the desk of a test stands unless the test sets a clock: Monday 23 November 2026, 06:00 in
#: Chicago, before any office shift starts. Time passes from there as it really does, so what a
#: ticket does at intake (routed to someone on shift, or not) never depends on the hour the
#: suite happens to run.
BEFORE_OFFICE_HOURS = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


class PassingClock:
    """Real time passing, from a fixed instant."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.started)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in-process, with the dev stage's tables and attachments bucket created and the
    default documents seeded (as ``make run`` starts)."""
    from moto import mock_aws

    from scripts.moto_tuning import cheap_transaction_snapshots

    cheap_transaction_snapshots()

    for name, value in stage_environment().items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        reset_caches()
        from chalicelib import wiring
        from chalicelib.config import get_settings
        from chalicelib.services.seeding import seed_defaults
        from chalicelib.storage.aws import client
        from chalicelib.storage.tables import create_tables
        wiring.install(wiring.bootstrap(clock=PassingClock(BEFORE_OFFICE_HOURS)))
        tables = tuple(create_tables(get_settings(), client("dynamodb")))
        from chalicelib.storage.attachments import create_bucket, s3_client

        create_bucket(s3_client(get_settings()), get_settings().attachments_bucket, get_settings().region)
        _seed(tables, wiring.desk().config_service, client("dynamodb"), seed_defaults)
        yield
        reset_caches()


#: The items the default documents are stored as, by the tables they were created in: the first
#: test of a worker seeds through the desk's own service, the next ones put the same items back
#: (a batch write instead of a hundred validated writes: most of a test's set-up).
_SEEDED: dict[tuple[str, ...], dict[str, list[dict[str, Any]]]] = {}


def _seed(tables: tuple[str, ...], config: Any, dynamodb: Any, seed_defaults: Any) -> None:
    stored = _SEEDED.get(tables)
    if stored is None:
        seed_defaults(config)
        stored = {name: dynamodb.scan(TableName=name)["Items"] for name in tables}
        _SEEDED[tables] = {name: items for name, items in stored.items() if items}
        return
    for name, items in stored.items():
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
            dynamodb.batch_write_item(RequestItems={name: batch})


@pytest.fixture
def client(aws: None) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="dev") as test_client:
        yield test_client


#: Monday 23 November 2026, 09:00 in Chicago: the office is open, agents are on shift.
MONDAY_9AM_CHICAGO = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock_start() -> datetime:
    """When the ``clock`` fixture starts; a test module overrides it for another moment."""
    return MONDAY_9AM_CHICAGO


@pytest.fixture
def clock(client: Any, clock_start: datetime) -> Iterator[Any]:
    """A fake clock the whole desk reads (routes, sweeps), starting at ``clock_start``."""
    from chalicelib import wiring
    from tests.unit.fakes import FakeClock

    fake = FakeClock(clock_start)
    wiring.install(wiring.bootstrap(clock=fake))
    yield fake
    wiring.install(None)


def token_for(user: str, role: str, **claims: Any) -> str:
    from chalicelib.config import get_settings
    from chalicelib.services.tokens import mint_token

    return mint_token(get_settings(), user, role, **claims)


def auth(user: str = "alice", role: str = "requester", **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, role, **claims)}", "Content-Type": "application/json"}


@dataclass(frozen=True)
class LocalDesk:
    """A desk started as ``make run`` starts it: its URL (no trailing slash), data directory and
    the environment it was started with (no AWS, JWT or local-desk variables of the tests)."""

    url: str
    data_dir: Path
    env: dict[str, str]
    first_lines: tuple[str, ...]
    #: Where it listens for mail (SMTP on 127.0.0.1).
    smtp_port: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def local_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalDesk]:
    """One local desk (``scripts/run_local.py`` without the scheduler, ``chalice local
    --no-autoreload``) for every end-to-end and browser test of the session. Its output is read
    on a thread to the end, so a chatty server never blocks on a full pipe."""
    port, smtp_port = free_port(), free_port()
    data_dir = tmp_path_factory.mktemp("desk-data")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "DYNAMODB_", "SNS_", "SQS_", "S3_", "JWT_", "DESK_LOCAL"))
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_local.py"), "--port", str(port), "--data-dir", str(data_dir),
         "--no-scheduler", "--snapshot-seconds", "100000", "--smtp-port", str(smtp_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not ready.is_set():
                lines.append(line)
                if line.startswith("agent token: "):
                    ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(120)
    if not lines or not lines[-1].startswith("agent token: "):
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("the local desk did not start:\n" + "".join(lines))
    try:
        yield LocalDesk(f"http://127.0.0.1:{port}", data_dir, env, tuple(lines), smtp_port)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
