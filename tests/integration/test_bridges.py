"""Bridges: a ticket linked to a GitHub or Jira issue records what their webhooks tell (GitHub's
documented payloads, a Jira sample), verified by signature and de-duplicated by delivery id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import auth
from tests.webhooks import github_headers, hub_signature, jira_headers

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
GITHUB_SECRET = "It's a Secret to Everybody"
JIRA_SECRET = "jira-webhook-secret-0123456789"


@pytest.fixture
def bridged(client: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An incident bridged to octo-org/desk-infra#12 and to Jira OPS-42."""
    from chalicelib import wiring
    from chalicelib.config import get_settings

    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", GITHUB_SECRET)
    monkeypatch.setenv("JIRA_WEBHOOK_SECRET", JIRA_SECRET)
    get_settings.cache_clear()
    wiring.install(wiring.bootstrap(clock=clock))
    body = {"type": "incident", "title": "VPN drops", "description": "Tunnels drop every 20 minutes"}
    number = client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body["number"]
    for system, issue in [("github", "https://github.com/octo-org/desk-infra/issues/12"), ("jira", "OPS-42")]:
        r = client.http.post(f"/tickets/{number}/bridges", headers=auth("ann", "agent"),
                             body=json.dumps({"system": system, "issue": issue}))
        assert r.status_code == 201, r.body
    yield number


def github(client: Any, sample: str, event: str, delivery: str, *, secret: str = GITHUB_SECRET) -> Any:
    body = (SAMPLES / sample).read_bytes()
    return client.http.post("/bridges/github", headers=github_headers(secret, body, event, delivery), body=body)


def jira(client: Any, sample: str, delivery: str) -> Any:
    body = (SAMPLES / sample).read_bytes()
    return client.http.post("/bridges/jira", headers=jira_headers(JIRA_SECRET, body, delivery), body=body)


def elsewhere(client: Any, number: str) -> list[dict[str, Any]]:
    events = client.http.get(f"/tickets/{number}/events", headers=auth("ann", "agent")).json_body["events"]
    return [e for e in events if e["kind"] == "worked_elsewhere"]


def test_github_issue_comment_and_merged_pull_request_are_recorded_on_the_ticket(client: Any, bridged: str) -> None:
    assert github(client, "github_issue_comment_created.json", "issue_comment", "d-1").status_code == 200
    merged = github(client, "github_pull_request_merged.json", "pull_request", "d-2")
    assert merged.status_code == 200 and merged.json_body["recorded"] == {bridged: 1}
    assert merged.json_body["unbridged"] == ["octo-org/desk-infra#15"]  # the PR itself is not bridged
    closed = github(client, "github_issues_closed.json", "issues", "d-3")
    assert closed.status_code == 200
    found = [(e["after"]["what"], e["after"]["by"]) for e in elsewhere(client, bridged)]
    assert found == [("comment", "hubot"), ("merged", "octocat"), ("status", "octocat")]
    comment = elsewhere(client, bridged)[0]
    assert comment["after"]["body"].startswith("Found it: the keepalive timer")
    assert elsewhere(client, bridged)[1]["after"]["pull_request"] == "octo-org/desk-infra#15"


def test_jira_status_comment_and_work_logged_are_recorded(client: Any, bridged: str) -> None:
    assert jira(client, "jira_issue_updated_status.json", "j-1").status_code == 200
    assert jira(client, "jira_issue_work_logged.json", "j-2").status_code == 200
    found = [(e["after"]["what"], e["note"]) for e in elsewhere(client, bridged)]
    assert found == [
        ("status", "jira OPS-42 is now In Progress"),
        ("comment", "Mia Krystof commented on jira OPS-42"),
        ("worklog", "Mia Krystof logged 1h 0m on jira OPS-42"),
    ]
    assert elsewhere(client, bridged)[2]["after"]["seconds"] == 3600


def test_a_delivery_sent_twice_is_recorded_once_and_refused_as_a_replay(client: Any, bridged: str) -> None:
    assert github(client, "github_issues_closed.json", "issues", "same").status_code == 200
    again = github(client, "github_issues_closed.json", "issues", "same")
    assert again.status_code == 409 and again.json_body["error"] == "replayed"
    assert again.json_body["field"] == "X-GitHub-Delivery"
    assert len(elsewhere(client, bridged)) == 1
    assert jira(client, "jira_issue_work_logged.json", "j-9").status_code == 200
    assert jira(client, "jira_issue_work_logged.json", "j-9").status_code == 409


def test_unsigned_or_mis_signed_deliveries_are_401_and_record_nothing(client: Any, bridged: str) -> None:
    assert github(client, "github_issues_closed.json", "issues", "x-1", secret="wrong").status_code == 401
    body = (SAMPLES / "github_issues_closed.json").read_bytes()
    unsigned = client.http.post("/bridges/github", body=body, headers={
        "Content-Type": "application/json", "X-GitHub-Event": "issues", "X-GitHub-Delivery": "x-2"})
    assert unsigned.status_code == 401 and unsigned.json_body["field"] == "X-Hub-Signature-256"
    no_id = client.http.post("/bridges/jira", body=b"{}", headers={
        "X-Hub-Signature": hub_signature(JIRA_SECRET, b"{}")})
    assert no_id.status_code == 400 and no_id.json_body["field"] == "X-Atlassian-Webhook-Identifier"
    assert elsewhere(client, bridged) == []


def test_bridging_is_for_staff_names_bad_input_and_keeps_an_issue_on_one_ticket(client: Any, bridged: str) -> None:
    r = client.http.post(f"/tickets/{bridged}/bridges", headers=auth(),
                         body=json.dumps({"system": "github", "issue": "octo-org/desk-infra#13"}))
    assert r.status_code == 403
    for body, field in [
        ({"system": "gitlab", "issue": "a/b#1"}, "system"),
        ({"system": "github", "issue": "not a key"}, "issue"),
        ({"system": "jira", "issue": "ops-1"}, "issue"),
        ({"system": "jira", "issue": "OPS-1", "extra": 1}, "extra"),
    ]:
        bad = client.http.post(f"/tickets/{bridged}/bridges", headers=auth("ann", "agent"), body=json.dumps(body))
        assert bad.status_code == 400 and bad.json_body["field"] == field, body
    other = client.http.post("/tickets", headers=auth(), body=json.dumps(
        {"type": "incident", "title": "Other", "description": "x"})).json_body["number"]
    taken = client.http.post(f"/tickets/{other}/bridges", headers=auth("ann", "agent"),
                             body=json.dumps({"system": "jira", "issue": "https://x.atlassian.net/browse/OPS-42"}))
    assert taken.status_code == 409 and bridged in taken.json_body["message"]
