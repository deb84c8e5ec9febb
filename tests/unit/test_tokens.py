"""Tokens and roles: who a bearer token proves, and which tokens and settings are refused."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import jwt
import pytest

from chalicelib.config import Settings, check_token_settings, get_settings
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.tokens import mint_token, verify_token

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 40
#: The secret `.chalice/config.json` once carried for the dev stage.
OLD_DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


@pytest.fixture
def settings() -> Settings:
    get_settings.cache_clear()
    return replace(get_settings(), local=True, jwt_hs256_secret=SECRET, token_max_seconds=12 * 3600)


def forged(claims: dict[str, Any], secret: str = SECRET, *, lifetime: int | None = 3600) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {"sub": "alice", "iat": now}
    if lifetime is not None:
        payload["exp"] = now + lifetime
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


# -- 12: HS256 only on a desk marked local; no secret committed ------------------------------


def test_no_stage_of_the_committed_configuration_carries_a_secret_or_is_marked_local() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for section in [config, *config["stages"].values()]:
        variables = section.get("environment_variables", {})
        assert "JWT_HS256_SECRET" not in variables
        assert "DESK_LOCAL" not in variables
    assert OLD_DEV_SECRET not in (ROOT / ".chalice" / "config.json").read_text()


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
@pytest.mark.parametrize("secret", [OLD_DEV_SECRET, "x" * 64])
def test_a_stage_not_marked_local_refuses_to_start_with_an_hs256_secret(
    monkeypatch: pytest.MonkeyPatch, stage: str, secret: str
) -> None:
    monkeypatch.setenv("DESK_STAGE", stage)
    monkeypatch.delenv("DESK_LOCAL", raising=False)
    monkeypatch.setenv("JWT_HS256_SECRET", secret)
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match=r"JWT_HS256_SECRET.*not marked local"):
        get_settings()
    get_settings.cache_clear()


def test_a_desk_marked_local_on_aws_lambda_refuses_to_start(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="DESK_LOCAL"):
        check_token_settings(settings, on_lambda=True)


def test_a_short_secret_is_refused(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="at least 32"):
        check_token_settings(replace(settings, jwt_hs256_secret="short"))


def test_a_stage_not_marked_local_accepts_no_hs256_token(settings: Settings) -> None:
    token = forged({"role": "admin"})
    assert verify_token(token, settings).role == "admin"
    with pytest.raises(Unauthorized, match="HS256"):
        verify_token(token, replace(settings, local=False))


def test_tokens_are_minted_for_a_local_desk_only(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="JWT_HS256_SECRET"):
        mint_token(replace(settings, local=False), "alice", "agent")


# -- 13: roles from groups matched exactly, the first desk role; claims type-checked ---------


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["agent", "admin"], "agent"),
        (["staff", "requester", "admin"], "requester"),
        (["Admins", "manager"], "manager"),
        ("[agent admin]", "agent"),
        ("manager,admin", "manager"),
        ("admin", "admin"),
    ],
)
def test_the_role_is_the_first_group_that_is_exactly_a_desk_role(
    settings: Settings, groups: Any, role: str
) -> None:
    assert verify_token(forged({"cognito:groups": groups}), settings).role == role


@pytest.mark.parametrize("groups", [["notanadmin"], "notanadmin", ["administrators", "agents"], "[superadmin]", []])
def test_a_group_that_only_contains_a_role_name_gives_no_role(settings: Settings, groups: Any) -> None:
    with pytest.raises(Unauthorized, match="no desk role"):
        verify_token(forged({"cognito:groups": groups}), settings)


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "agent", "vip": "false"},
        {"role": "agent", "vip": 1},
        {"role": "agent", "business_unit": {"name": "finance"}},
        {"role": "agent", "business_unit": ["finance"]},
        {"role": "agent", "business_unit": ""},
        {"role": ["admin"]},
        {"role": 3},
        {"cognito:groups": [["admin"]]},
        {"cognito:groups": {"admin": True}},
        {"cognito:groups": 7},
        {"role": "agent", "sub": 42},
        {"role": "agent", "sub": ""},
        {"role": "admin", "sub": "desk"},
    ],
)
def test_claims_of_the_wrong_type_are_refused(settings: Settings, claims: dict[str, Any]) -> None:
    with pytest.raises(Unauthorized):
        verify_token(forged(claims), settings)


def test_well_typed_claims_are_kept(settings: Settings) -> None:
    who = verify_token(forged({"role": "requester", "vip": True, "business_unit": "finance"}), settings)
    assert (who.user, who.role, who.vip, who.business_unit) == ("alice", "requester", True, "finance")
    plain = verify_token(forged({"role": "requester", "vip": False}), settings)
    assert (plain.vip, plain.business_unit) == (False, None)


# -- 14: lifetimes capped per stage ----------------------------------------------------------


def test_minting_refuses_a_lifetime_beyond_the_cap(settings: Settings) -> None:
    with pytest.raises(ValueError, match="TOKEN_MAX_SECONDS"):
        mint_token(settings, "alice", "agent", ttl_seconds=315360000)
    with pytest.raises(ValueError):
        mint_token(settings, "alice", "agent", ttl_seconds=0)
    token = mint_token(settings, "alice", "agent")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == settings.token_max_seconds


def test_a_token_living_longer_than_the_cap_is_refused(settings: Settings) -> None:
    token = forged({"role": "admin"}, lifetime=315360000)
    with pytest.raises(Unauthorized, match="TOKEN_MAX_SECONDS"):
        verify_token(token, settings)
    assert verify_token(token, replace(settings, token_max_seconds=315360000)).role == "admin"


def test_a_token_without_exp_or_iat_is_refused(settings: Settings) -> None:
    with pytest.raises(Unauthorized, match="exp"):
        verify_token(forged({"role": "admin"}, lifetime=None), settings)
    with pytest.raises(Unauthorized, match="iat"):
        verify_token(forged({"role": "admin", "iat": None}), settings)


def test_the_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_MAX_SECONDS", "600")
    get_settings.cache_clear()
    assert get_settings().token_max_seconds == 600
    monkeypatch.setenv("TOKEN_MAX_SECONDS", "0")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="TOKEN_MAX_SECONDS"):
        get_settings()
    get_settings.cache_clear()
