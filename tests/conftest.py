"""Shared fixtures: a moto-backed AWS, the dev stage's settings, tokens and a Chalice test client."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
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
    """moto in-process, with the dev stage's tables created and the default documents seeded."""
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
        create_tables(get_settings(), client("dynamodb"))
        seed_defaults(wiring.desk().config_service)
        yield
        reset_caches()


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
