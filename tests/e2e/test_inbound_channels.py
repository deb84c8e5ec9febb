"""Slack and a GitHub webhook against the desk ``make run`` starts, signed with the secrets it
generated in its data directory."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LocalDesk
from tests.e2e.test_local_server import _desk_token
from tests.webhooks import github_headers, slack_headers

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _secret(desk: LocalDesk, name: str) -> str:
    return (desk.data_dir / name).read_text().strip()


@pytest.mark.e2e
def test_a_signed_slash_command_is_acknowledged_and_an_unsigned_one_refused(local_desk: LocalDesk) -> None:
    form = (SAMPLES / "slack_slash_command.txt").read_text().strip().encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    signed = slack_headers(_secret(local_desk, "slack-signing-secret"), form, str(int(time.time())))
    status, answer = _post(local_desk.url + "/slack/commands", form, signed)
    assert status == 200 and answer["text"].startswith("Opening an incident: VPN is down"), answer
    status, refused = _post(local_desk.url + "/slack/commands", form, headers)
    assert status == 401 and refused["field"] == "X-Slack-Request-Timestamp"


@pytest.mark.e2e
def test_a_github_delivery_is_recorded_on_the_bridged_ticket_once(local_desk: LocalDesk) -> None:
    token = _desk_token(local_desk.data_dir, local_desk.env)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, ticket = _post(local_desk.url + "/tickets", json.dumps(
        {"type": "incident", "title": "VPN drops", "description": "every 20 minutes"}).encode(), auth)
    assert status == 201, ticket
    number = ticket["number"]
    status, bridged = _post(f"{local_desk.url}/tickets/{number}/bridges",
                            json.dumps({"system": "github", "issue": "octo-org/desk-infra#12"}).encode(), auth)
    assert status == 201, bridged
    body = (SAMPLES / "github_issue_comment_created.json").read_bytes()
    headers = github_headers(_secret(local_desk, "github-webhook-secret"), body, "issue_comment", f"e2e-{number}")
    status, recorded = _post(local_desk.url + "/bridges/github", body, headers)
    assert status == 200 and recorded["recorded"] == {number: 1}, recorded
    status, again = _post(local_desk.url + "/bridges/github", body, headers)
    assert status == 409 and again["error"] == "replayed"
