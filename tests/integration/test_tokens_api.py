"""Tokens over HTTP: hostile claims are a 401 (never a 500), group names match exactly, no token
is ever written to the log; the local desk's secret and configuration are found from anywhere."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.conftest import TEST_SECRET, auth


@pytest.fixture(autouse=True)
def _fresh_settings() -> Any:
    from chalicelib.config import get_settings

    yield
    get_settings.cache_clear()


def _token(claims: dict[str, Any], *, lifetime: int = 600) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "mallory", "iat": now, "exp": now + lifetime, **claims}, TEST_SECRET, algorithm="HS256")


def _open(client: Any, token: str) -> Any:
    body = {"type": "incident", "title": "VPN down", "description": "Cannot connect"}
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return client.http.post("/tickets", headers=headers, body=json.dumps(body))


@pytest.mark.parametrize(
    "claims",
    [
        {"role": "requester", "business_unit": {"name": "finance"}},
        {"role": "requester", "vip": "false"},
        {"cognito:groups": ["notanadmin"]},
        {"cognito:groups": "superadmin"},
        {"role": ["admin"]},
    ],
)
def test_hostile_claims_are_401(client: Any, claims: dict[str, Any]) -> None:
    assert _open(client, _token(claims)).status_code == 401


def test_the_first_desk_group_is_the_role(client: Any) -> None:
    token = _token({"cognito:groups": ["requester", "admin"]})
    r = client.http.get("/admin/outbox", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403


def test_a_string_vip_is_not_a_vip(client: Any) -> None:
    assert _open(client, _token({"role": "requester", "vip": "false"})).status_code == 401
    r = _open(client, _token({"role": "requester", "vip": False}))
    assert r.status_code == 201 and r.json_body["vip"] is False


def test_a_token_living_longer_than_the_cap_is_401(client: Any) -> None:
    assert _open(client, _token({"role": "agent"}, lifetime=315360000)).status_code == 401


def test_no_token_reaches_the_log(client: Any, capfd: pytest.CaptureFixture[str], caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    good = auth("alice", "requester")
    token = good["Authorization"].split()[1]
    refused = _token({"role": "agent"}, lifetime=315360000)
    assert client.http.post(
        "/tickets", headers=good, body=json.dumps({"type": "incident", "title": "A", "description": "B"})
    ).status_code == 201
    assert client.http.get("/tickets", headers={"Authorization": f"Bearer {refused}"}).status_code == 401
    logged = capfd.readouterr()
    text = logged.out + logged.err + caplog.text
    assert "token refused" in text  # the log is captured here
    for secret in (token, refused, token.split(".")[2], TEST_SECRET):
        assert secret not in text


# -- 18: the command line finds the project, the local secret and the port ------------------


def test_the_command_line_finds_the_project_configuration_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.cli import default_data_dir, load_stage_environment, project_root

    monkeypatch.chdir(tmp_path)
    root = Path(__file__).resolve().parents[2]
    assert project_root() == root
    assert load_stage_environment("dev")["DESK_STAGE"] == "dev"
    assert default_data_dir() == root / ".run"


def test_desk_token_signs_with_the_local_desks_secret_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli import local_secret, main

    monkeypatch.setattr(os, "environ", os.environ.copy())  # what `desk` sets stays in this test
    data_dir = tmp_path / "data"
    secret = local_secret(data_dir, create=True)
    assert secret is not None and local_secret(data_dir) == secret
    assert (data_dir / "jwt-hs256-secret").stat().st_mode & 0o077 == 0
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JWT_HS256_SECRET")
    monkeypatch.delenv("DESK_LOCAL")
    assert main(["token", "--user", "alice", "--role", "agent", "--data-dir", str(data_dir)]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, secret, algorithms=["HS256"])
    assert (claims["sub"], claims["role"], claims["exp"] - claims["iat"]) == ("alice", "agent", 12 * 3600)


def test_desk_token_refuses_an_unbounded_lifetime_and_a_missing_local_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli import local_secret, main

    monkeypatch.setattr(os, "environ", os.environ.copy())
    local_secret(tmp_path, create=True)
    assert main(["token", "--user", "a", "--role", "agent", "--ttl", "315360000", "--data-dir", str(tmp_path)]) == 2
    assert "TOKEN_MAX_SECONDS" in capsys.readouterr().err
    monkeypatch.delenv("JWT_HS256_SECRET")
    empty = tmp_path / "none"
    assert main(["token", "--user", "a", "--role", "agent", "--data-dir", str(empty)]) == 2
    assert "make run" in capsys.readouterr().err


def test_the_local_desk_links_to_its_own_port_and_keeps_its_secret(tmp_path: Path) -> None:
    from scripts.run_local import local_environment
    from tests.conftest import stage_environment

    env = local_environment(9000, "http://127.0.0.1:4566", tmp_path)
    # `chalice local` applies the stage's variables over the ones it was started with.
    env.update(stage_environment("dev"))
    assert env["PUBLIC_URL"] == "http://127.0.0.1:9000"
    assert env["DESK_LOCAL"] == "true"
    assert env["JWT_HS256_SECRET"] == (tmp_path / "jwt-hs256-secret").read_text().strip()
    assert local_environment(9000, "x", tmp_path)["JWT_HS256_SECRET"] == env["JWT_HS256_SECRET"]


class _Out:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.text = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_the_ready_token_is_shown_on_a_terminal_only() -> None:
    from scripts.run_local import show_token

    terminal, kept = _Out(tty=True), _Out(tty=False)
    show_token("eyJ.secret.token", terminal)  # type: ignore[arg-type]
    show_token("eyJ.secret.token", kept)  # type: ignore[arg-type]
    assert "eyJ.secret.token" in terminal.text
    assert "eyJ.secret.token" not in kept.text and "desk token" in kept.text
