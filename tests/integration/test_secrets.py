"""The stage's secrets come from SSM Parameter Store (moto), once per container, and a stage
other than dev refuses HS256 unless told it is meant."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from chalicelib.config import get_settings
from chalicelib.secrets import forget_provider
from chalicelib.services.tokens import verify_token
from infra.calls import record_calls

STORED = "s" * 48


@pytest.fixture
def stored(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A deployed stage's environment: no local flag, no secret in the environment, a path."""
    from chalicelib.storage.aws import client

    monkeypatch.delenv("DESK_LOCAL")
    monkeypatch.delenv("JWT_HS256_SECRET")
    ssm = client("ssm")
    for stage in ("dev", "staging"):
        ssm.put_parameter(Name=f"/desk/{stage}/jwt-hs256-secret", Value=STORED, Type="SecureString")
        ssm.put_parameter(Name=f"/desk/{stage}/slack-webhook-url", Value="https://hooks.example/x", Type="SecureString")
    monkeypatch.setenv("DESK_SECRETS_PATH", "/desk/staging/")
    monkeypatch.setenv("DESK_STAGE", "staging")
    get_settings.cache_clear()
    forget_provider()
    yield monkeypatch
    get_settings.cache_clear()


def _token(secret: str) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "alice", "role": "agent", "iat": now, "exp": now + 600}, secret, algorithm="HS256")


def test_a_stage_other_than_dev_refuses_a_stored_hs256_secret_unless_allowed(stored: Any) -> None:
    with pytest.raises(RuntimeError, match="JWT_HS256_ALLOWED"):
        get_settings()


def test_an_allowed_stage_reads_its_secrets_from_the_store_and_verifies_hs256(stored: Any) -> None:
    stored.setenv("JWT_HS256_ALLOWED", "true")
    settings = get_settings()
    assert settings.jwt_hs256_secret == STORED and settings.jwt_secret_stored
    assert settings.slack_webhook_url == "https://hooks.example/x"
    assert settings.action_link_secret == STORED
    assert verify_token(_token(STORED), settings).user == "alice"


def test_dev_uses_its_stored_secret_without_being_told(stored: Any) -> None:
    stored.setenv("DESK_STAGE", "dev")
    stored.setenv("DESK_SECRETS_PATH", "/desk/dev/")
    assert get_settings().hs256_accepted


def test_a_secret_in_a_deployed_stages_environment_is_still_refused(stored: Any) -> None:
    stored.delenv("DESK_SECRETS_PATH")
    stored.setenv("JWT_HS256_SECRET", STORED)
    stored.setenv("JWT_HS256_ALLOWED", "true")
    with pytest.raises(RuntimeError, match="not marked local"):
        get_settings()


def test_the_secrets_are_read_once_per_container(stored: Any) -> None:
    stored.setenv("JWT_HS256_ALLOWED", "true")
    with record_calls() as log:
        get_settings()
        get_settings()
        get_settings.cache_clear()  # settings built again: Powertools' cache answers
        get_settings()
    assert [c.action for c in log.calls] == ["ssm:GetParametersByPath"]


def test_without_a_stored_hs256_secret_hs256_tokens_are_refused(stored: Any) -> None:
    from chalicelib.domain.errors import Unauthorized
    from chalicelib.storage.aws import client

    client("ssm").delete_parameter(Name="/desk/staging/jwt-hs256-secret")
    settings = get_settings()
    assert not settings.hs256_accepted
    with pytest.raises(Unauthorized):
        verify_token(_token(STORED), settings)
