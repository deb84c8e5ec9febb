"""Slack: the ``/desk`` slash command and the message shortcut open tickets (Slack's documented
payloads), signed requests only, answered at once; the ticket's updates go to its Slack thread
(a local fake of the Web API)."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MONDAY_9AM_CHICAGO, auth
from tests.slack_fake import FakeSlackApi
from tests.unit.fakes import FakeClock
from tests.webhooks import slack_headers

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def slack(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeSlackApi, FakeClock]]:
    """A desk with Slack configured (signing secret, bot token, the thread channel) on a fake Web API."""
    from chalicelib import wiring
    from chalicelib.config import get_settings

    fake = FakeSlackApi()
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_BOT_TOKEN", fake.token)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("NOTIFY_CHANNELS", "outbox,slack_thread")
    get_settings.cache_clear()
    clock = FakeClock(MONDAY_9AM_CHICAGO)
    wiring.install(wiring.bootstrap(clock=clock, http_post=fake))
    yield fake, clock
    wiring.install(None)


def command_body(**changes: str) -> str:
    form = dict(urllib.parse.parse_qsl((SAMPLES / "slack_slash_command.txt").read_text().strip()))
    form.update(changes)
    return urllib.parse.urlencode(form)


def shortcut_body(**message: Any) -> str:
    payload = json.loads((SAMPLES / "slack_message_shortcut.json").read_text())
    payload["message"].update(message)
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def signed(body: str, clock: FakeClock, *, age: int = 0, secret: str = SIGNING_SECRET) -> dict[str, str]:
    return slack_headers(secret, body.encode(), str(int(clock().timestamp()) - age))


def opened_number(fake: FakeSlackApi) -> str:
    found = re.search(r"\b(INC|REQ|CHG)-\d{6}\b", fake.posted()[-1]["text"])
    assert found, fake.posted()
    return found.group(0)


def test_the_slash_command_is_acknowledged_and_opens_the_ticket_in_a_new_thread(client: Any, slack: Any) -> None:
    fake, clock = slack
    body = command_body()
    r = client.http.post("/slack/commands", headers=signed(body, clock), body=body)
    assert r.status_code == 200, r.body
    assert r.json_body["response_type"] == "ephemeral"
    assert "VPN is down" in r.json_body["text"]
    number = opened_number(fake)
    ticket = client.http.get(f"/tickets/{number}", headers=auth("ann", "agent")).json_body
    assert (ticket["type"], ticket["title"], ticket["requester"]) == ("incident", "VPN is down", "slack:U2147483697")
    assert "slack" in ticket["tags"]
    root = fake.posted("C2147483705")[0]
    assert root.get("thread_ts") is None and number in root["text"]


def test_a_ticket_update_is_posted_in_the_thread_it_was_opened_from(client: Any, slack: Any) -> None:
    from chalicelib.wiring import desk

    fake, clock = slack
    fake.emails["U0D15K92L"] = "Mao.Mao@Example.com"
    body = shortcut_body()
    assert client.http.post("/slack/interactions", headers=signed(body, clock), body=body).status_code == 200
    number = opened_number(fake)
    assert fake.posted()[-1]["thread_ts"] == "1516229207.000133"
    ticket = client.http.get(f"/tickets/{number}", headers=auth("ann", "agent")).json_body
    assert ticket["title"] == "The build server in rack 4 is not answering since this morning"
    assert ticket["requester"] == "mao.mao@example.com"  # known by address (users.info)
    moved = client.http.post(f"/tickets/{number}/transitions", headers=auth("ann", "agent"),
                             body=json.dumps({"to": "resolved", "version": ticket["version"], "reason": "rebooted"}))
    assert moved.status_code == 200, moved.body
    desk().outbox_relay.relay()
    in_thread = [p for p in fake.posted("C0LFFBKLZ") if p.get("thread_ts") == "1516229207.000133"]
    assert any("resolved" in p["text"] and number in p["text"] for p in in_thread), in_thread


def test_one_message_opens_one_ticket_and_one_command_acts_once(client: Any, slack: Any) -> None:
    fake, clock = slack
    body = shortcut_body()
    first = client.http.post("/slack/interactions", headers=signed(body, clock), body=body)
    again = client.http.post("/slack/interactions", headers=signed(body, clock), body=body)
    assert first.status_code == again.status_code == 200
    assert "already" in again.json_body["text"]
    command = command_body()
    client.http.post("/slack/commands", headers=signed(command, clock), body=command)
    client.http.post("/slack/commands", headers=signed(command, clock), body=command)
    roots = [p for p in fake.posted() if "opened" in p["text"]]
    assert len(roots) == 2


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(FORM, id="unsigned"),
        pytest.param({**FORM, "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"}, id="replayed"),
        pytest.param({}, id="wrong-secret"),
        pytest.param({"age": 301}, id="six-minutes-old"),
    ],
)
def test_a_request_slack_did_not_sign_now_is_a_401_and_opens_nothing(
    client: Any, slack: Any, headers: dict[str, Any]
) -> None:
    fake, clock = slack
    body = command_body()
    if not headers:
        headers = signed(body, clock, secret="not-the-secret")
    elif "age" in headers:
        headers = signed(body, clock, age=headers["age"])
    r = client.http.post("/slack/commands", headers=headers, body=body)
    assert r.status_code == 401, r.body
    assert r.json_body["field"] in ("X-Slack-Signature", "X-Slack-Request-Timestamp")
    assert fake.calls == []


def test_a_tampered_body_is_a_401(client: Any, slack: Any) -> None:
    _fake, clock = slack
    body = command_body()
    headers = signed(body, clock)
    r = client.http.post("/slack/commands", headers=headers, body=command_body(text="incident something else"))
    assert r.status_code == 401


def test_a_command_without_a_type_answers_the_usage_to_its_user(client: Any, slack: Any) -> None:
    fake, clock = slack
    body = command_body(text="VPN is down")
    r = client.http.post("/slack/commands", headers=signed(body, clock), body=body)
    assert r.status_code == 200
    assert r.json_body["text"].startswith("Usage: /desk incident|request|change")
    assert fake.calls == []


def test_a_malformed_shortcut_is_a_400_naming_the_field(client: Any, slack: Any) -> None:
    _fake, clock = slack
    for body, field in [
        ("payload=%7Bnot+json", "payload"),
        ("nothing=here", "payload"),
        (urllib.parse.urlencode({"payload": json.dumps({"type": "block_actions"})}), "payload.type"),
    ]:
        r = client.http.post("/slack/interactions", headers=signed(body, clock), body=body)
        assert r.status_code == 400, body
        assert r.json_body["field"] == field


def test_the_morning_patrol_lists_unreported_trouble_and_unanswered_questions_with_links(
    client: Any, slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import wiring
    from chalicelib.config import get_settings

    fake, clock = slack
    monkeypatch.setenv("SLACK_PATROL_CHANNELS", "C0HELP")
    get_settings.cache_clear()
    wiring.install(wiring.bootstrap(clock=clock, http_post=fake))
    start = clock().timestamp() - 3600  # an hour ago: after yesterday's patrol
    fake.channels["C0HELP"] = [  # newest first, as Slack answers
        {"type": "message", "user": "U3", "text": "Is the canteen open today?", "ts": f"{start + 50:.6f}",
         "reply_count": 2},
        {"type": "message", "user": "U4", "text": "INC-000007 is back: VPN down again", "ts": f"{start + 40:.6f}"},
        {"type": "message", "subtype": "channel_join", "user": "U5", "text": "joined", "ts": f"{start + 30:.6f}"},
        {"type": "message", "bot_id": "B1", "text": "Deploy finished?", "ts": f"{start + 20:.6f}"},
        {"type": "message", "user": "U2", "text": "Does anyone know when the all-hands starts?",
         "ts": f"{start + 10:.6f}"},
        {"type": "message", "user": "U1", "text": "The VPN keeps dropping for all of us in Chicago",
         "ts": f"{start:.6f}"},
        {"type": "message", "user": "U0", "text": "VPN down since last week?", "ts": f"{start - 86400 * 2:.6f}"},
    ]
    r = client.http.get("/reports/patrol", headers=auth("sam", "manager"))
    assert r.status_code == 200, r.body
    found = r.json_body["slack"]
    assert [(f["user"], f["kind"]) for f in found] == [("U1", "unreported"), ("U2", "unanswered")]
    assert found[0]["looks_like"] and found[0]["confidence"] >= 0.6 and "vpn" in found[0]["why"]
    assert found[1]["permalink"].startswith("https://desk-test.slack.com/archives/C0HELP/p")
    history = [a for m, a, _ in fake.calls if m == "conversations.history"]
    assert len(history) == 1 and float(history[0]["oldest"]) < start
    assert sum(1 for m, _, _ in fake.calls if m == "chat.getPermalink") == 2


def test_with_the_queue_the_answer_only_claims_and_hands_over_five_requests(
    client: Any, slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack's three seconds: the acknowledgement opens nothing itself."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client as aws_client
    from chalicelib.storage.tables import create_messaging
    from infra.calls import record_calls

    fake, clock = slack
    for name, value in create_messaging(get_settings(), aws_client("sqs"), aws_client("sns")).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    wiring.install(wiring.bootstrap(clock=clock, http_post=fake))
    body = command_body()
    with record_calls() as log:
        r = client.http.post("/slack/commands", headers=signed(body, clock), body=body)
    assert r.status_code == 200
    assert sorted(c.action for c in log.calls) == [
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "sqs:SendMessage"]
    assert fake.calls == []  # the ticket and its thread come from the queue's consumer
