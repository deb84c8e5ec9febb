"""Slack's signature and payloads, the bridges' references and webhook payloads, the events for
the bus and the channel patrol: the pure rules, with the documented payloads."""

from __future__ import annotations

import json
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import bridges
from chalicelib.domain.channel_patrol import Guess, channel_findings
from chalicelib.domain.errors import Unauthorized, ValidationFailed
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.published import clock_transitions, desk_events
from chalicelib.domain.slack import message_shortcut, slack_signature, slash_command, verify_slack_request

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AT = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
NOW = int(AT.timestamp())


# -- Slack ------------------------------------------------------------------------------------


def test_slack_signature_matches_slacks_documented_example() -> None:
    # https://api.slack.com/authentication/verifying-requests-from-slack
    body = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
            b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert slack_signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body) == expected


@pytest.mark.parametrize(
    ("timestamp", "signature", "field"),
    [
        pytest.param(None, "v0=x", "X-Slack-Request-Timestamp", id="no-timestamp"),
        pytest.param(str(NOW), None, "X-Slack-Signature", id="no-signature"),
        pytest.param("soon", "v0=x", "X-Slack-Request-Timestamp", id="not-a-time"),
        pytest.param(str(NOW - 301), "good", "X-Slack-Request-Timestamp", id="replayed"),
        pytest.param(str(NOW + 301), "good", "X-Slack-Request-Timestamp", id="from-the-future"),
        pytest.param(str(NOW), "v0=" + "0" * 64, "X-Slack-Signature", id="wrong"),
    ],
)
def test_slack_requests_not_signed_now_are_refused(timestamp: str | None, signature: str | None, field: str) -> None:
    if signature == "good":
        signature = slack_signature("s", str(timestamp), b"a=1")
    with pytest.raises(Unauthorized) as refused:
        verify_slack_request("s", timestamp, signature, b"a=1", AT)
    assert refused.value.field == field


def test_a_signed_request_within_five_minutes_passes_and_no_secret_refuses_all() -> None:
    verify_slack_request("s", str(NOW - 299), slack_signature("s", str(NOW - 299), b"a=1"), b"a=1", AT)
    with pytest.raises(Unauthorized):
        verify_slack_request("", str(NOW), slack_signature("", str(NOW), b"a=1"), b"a=1", AT)


def test_the_slash_command_form_becomes_an_intake() -> None:
    form = dict(urllib.parse.parse_qsl((SAMPLES / "slack_slash_command.txt").read_text().strip()))
    intake = slash_command(form)
    assert (intake.type, intake.title, intake.channel, intake.requester) == (
        "incident", "VPN is down", "C2147483705", "slack:U2147483697")
    assert intake.key == "command:13345224609.738474920.8088930838d88f008e0" and intake.thread_ts is None
    assert slash_command({**form, "text": "request  a new laptop"}).type == "service_request"
    for text in ("", "incident", "outage VPN down"):
        with pytest.raises(ValidationFailed) as wrong:
            slash_command({**form, "text": text})
        assert wrong.value.field == "text"
    with pytest.raises(ValidationFailed) as missing:
        slash_command({k: v for k, v in form.items() if k != "channel_id"})
    assert missing.value.field == "channel_id"


def test_the_message_shortcut_payload_opens_an_incident_in_the_messages_thread() -> None:
    payload: dict[str, Any] = json.loads((SAMPLES / "slack_message_shortcut.json").read_text())
    intake = message_shortcut(payload)
    assert intake.title == "The build server in rack 4 is not answering since this morning"
    assert intake.thread_ts == "1516229207.000133" and intake.key == "message:C0LFFBKLZ:1516229207.000133"
    assert "<@U0MJRG1AL>" in intake.description
    in_thread = {**payload, "message": {**payload["message"], "thread_ts": "1516229000.000001"}}
    assert message_shortcut(in_thread).thread_ts == "1516229000.000001"
    with pytest.raises(ValidationFailed) as other:
        message_shortcut({**payload, "callback_id": "something_else"})
    assert other.value.field == "payload.callback_id"


# -- bridges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "reference", "key"),
    [
        pytest.param("github", "octo-org/desk-infra#12", "octo-org/desk-infra#12", id="github-key"),
        pytest.param("github", "https://github.com/Octo-Org/Desk-Infra/issues/12", "octo-org/desk-infra#12",
                     id="github-issue-url"),
        pytest.param("github", "https://github.com/octo-org/desk-infra/pull/15/", "octo-org/desk-infra#15",
                     id="github-pull-url"),
        pytest.param("jira", "OPS-42", "OPS-42", id="jira-key"),
        pytest.param("jira", "https://example.atlassian.net/browse/OPS-42", "OPS-42", id="jira-url"),
    ],
)
def test_a_bridge_reference_becomes_one_canonical_key(system: str, reference: str, key: str) -> None:
    assert bridges.parse_bridge(system, reference).key == key


def test_github_payloads_record_comment_merge_with_its_closed_issue_and_status() -> None:
    def load(name: str) -> dict[str, Any]:
        return dict(json.loads((SAMPLES / name).read_text()))

    (comment,) = bridges.github_activity("issue_comment", load("github_issue_comment_created.json"))
    assert (comment.key, comment.what, comment.by) == ("octo-org/desk-infra#12", "comment", "hubot")
    merged = bridges.github_activity("pull_request", load("github_pull_request_merged.json"))
    assert [a.key for a in merged] == ["octo-org/desk-infra#15", "octo-org/desk-infra#12"]
    assert merged[0].by == "octocat" and merged[0].detail["merged_at"] == "2026-11-23T15:25:00Z"
    unmerged = load("github_pull_request_merged.json")
    unmerged["pull_request"]["merged"] = False
    assert bridges.github_activity("pull_request", unmerged) == []
    (closed,) = bridges.github_activity("issues", load("github_issues_closed.json"))
    assert closed.detail == {"status": "closed", "reason": "completed"}
    assert bridges.github_activity("push", load("github_issues_closed.json")) == []


def test_jira_payloads_record_status_comment_and_time_spent() -> None:
    status = bridges.jira_activity(json.loads((SAMPLES / "jira_issue_updated_status.json").read_text()))
    assert [(a.what, a.detail.get("status")) for a in status] == [("status", "In Progress"), ("comment", None)]
    (logged,) = bridges.jira_activity(json.loads((SAMPLES / "jira_issue_work_logged.json").read_text()))
    assert (logged.what, logged.detail, bridges.activity_note(logged)) == (
        "worklog", {"seconds": 3600}, "Mia Krystof logged 1h 0m on jira OPS-42")


def test_webhook_signatures_are_checked_over_the_raw_body() -> None:
    import hashlib
    import hmac

    body = b'{"action":"closed"}'
    good = "sha256=" + hmac.new(b"It's a Secret to Everybody", body, hashlib.sha256).hexdigest()
    bridges.verify_hmac("It's a Secret to Everybody", body, good, "X-Hub-Signature-256")
    for secret, header in [("It's a Secret to Everybody", None), ("other", good), ("", good)]:
        with pytest.raises(Unauthorized):
            bridges.verify_hmac(secret, body, header, "X-Hub-Signature-256")
    with pytest.raises(Unauthorized):
        bridges.verify_hmac("It's a Secret to Everybody", body + b" ", good, "X-Hub-Signature-256")


# -- events for the bus -----------------------------------------------------------------------


def _sla(**states: tuple[str, int]) -> dict[str, Any]:
    return {"clocks": {name: {"state": state, "cycle": cycle, "due_at": "2026-11-24T15:00:00Z"}
                       for name, (state, cycle) in states.items()}}


def test_clock_transitions_are_read_off_the_sla_state_before_and_after() -> None:
    def kinds(before: dict[str, Any] | None, after: dict[str, Any]) -> list[tuple[str, str]]:
        moves = clock_transitions("INC-1", "incident", before, after, 3, AT)
        return [(e.detail_type, e.detail["clock"]) for e in moves]

    assert kinds(None, _sla(resolution=("running", 1), first_response=("running", 1))) == [
        ("SLA Clock Started", "first_response"), ("SLA Clock Started", "resolution")]
    assert kinds(_sla(resolution=("running", 1)), _sla(resolution=("paused", 1))) == [
        ("SLA Clock Paused", "resolution")]
    assert kinds(_sla(resolution=("paused", 1)), _sla(resolution=("running", 1))) == [
        ("SLA Clock Resumed", "resolution")]
    assert kinds(_sla(first_response=("running", 1)), _sla(first_response=("met", 1))) == [
        ("SLA Clock Met", "first_response")]
    assert kinds(_sla(next_update=("running", 1)), _sla(next_update=("running", 2))) == [
        ("SLA Clock Started", "next_update")]
    assert kinds(_sla(resolution=("running", 1)), _sla(resolution=("running", 1))) == []
    assert kinds(_sla(resolution=("running", 1)), _sla(resolution=("breached", 1))) == []  # the sweep's event says it


def test_each_published_event_has_a_detail_type_the_ticket_and_its_sequence() -> None:
    def event(seq: int, kind: str, before: dict[str, Any], after: dict[str, Any]) -> TicketEvent:
        return TicketEvent("CHG-000003", seq, AT, "ann", kind, before, after, "why")

    events = [
        event(4, "status_changed", {"status": "assessment"}, {"status": "authorization"}),
        event(5, "change_decided", {}, {"decision": "approve", "comment": "ok"}),
        event(6, "sla_warning", {}, {"clock": "resolution", "alert": "warning:0.75", "threshold": 0.75, "cycle": 1}),
        event(7, "sla_breached", {}, {"clock": "resolution", "alert": "breach", "threshold": 1.0, "cycle": 1}),
        event(8, "unlinked", {"kind": "related", "target": "INC-000001"}, {}),
        event(9, "commented", {}, {"body": "not published"}),
    ]
    published = desk_events(events, "change_request", None, None, with_clocks=False)
    assert [(p.detail_type, p.seq) for p in published] == [
        ("Ticket Status Changed", 4), ("Change Approval Decided", 5), ("SLA Clock Warned", 6),
        ("SLA Clock Breached", 7), ("Ticket Unlinked", 8)]
    notice = published[0].to_notice()
    assert notice.channel == "events" and notice.notice_id == "CHG-000003:4:ticket_status_changed#events"
    assert notice.data["detail"] == {"id": "CHG-000003:4:ticket_status_changed", "ticket": "CHG-000003", "seq": 4,
                                     "at": "2026-11-23T15:00:00+00:00", "actor": "ann", "type": "change_request",
                                     "from": "assessment", "to": "authorization", "reason": "why"}
    assert len({p.event_id for p in published}) == len(published)


# -- the channel patrol -----------------------------------------------------------------------


def test_channel_findings_skip_bots_reported_and_answered_messages() -> None:
    def guess(text: str) -> Guess | None:
        return Guess("incident", 0.9, "words: down") if "down" in text else Guess("incident", 0.3, "weak")

    messages: list[dict[str, Any]] = [
        {"user": "U1", "text": "Printer is down", "ts": "2.0"},
        {"user": "U2", "text": "Anyone around?", "ts": "1.0"},
        {"user": "U3", "text": "Anyone around?", "ts": "3.0", "reply_count": 1},
        {"user": "U4", "text": "INC-000001 is down again", "ts": "4.0"},
        {"bot_id": "B1", "text": "Service down?", "ts": "5.0"},
        {"user": "U5", "subtype": "channel_join", "text": "down?", "ts": "6.0"},
        {"user": "U6", "text": "Lunch is nice", "ts": "7.0"},
    ]
    found = channel_findings("C1", messages, guess, 0.6)
    assert [(f.user, f.kind) for f in found] == [("U2", "unanswered"), ("U1", "unreported")]


def test_the_digest_lists_the_channel_findings_in_its_text_and_json() -> None:
    from chalicelib.domain.patrol import morning_patrol

    finding = channel_findings("C1", [{"user": "U2", "text": "Anyone around?", "ts": "1764500000.000100"}],
                               lambda text: None, 0.6)[0]
    line = {**finding.to_dict(), "line": finding.line()}
    digest = morning_patrol([], patrol_date=AT.date(), previous_patrol=None, now=AT, slack=[line])
    assert digest.to_dict()["slack"][0]["kind"] == "unanswered"
    assert "Slack channels (1)\n  * #C1 <@U2>: Anyone around? [question nobody answered]" in digest.to_text()
    assert "Slack channels" not in morning_patrol([], patrol_date=AT.date(), previous_patrol=None, now=AT).to_text()
