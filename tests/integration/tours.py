"""A tour of what each deployed function does, on moto, recording the AWS calls it makes.

Each tour drives one function the way AWS would (the API through ``chalice.test.Client``, a
schedule or the queue through its handler) across the behaviours that reach storage: the
least-privilege test compares the calls with the function's policy in the template.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from infra.calls import Call, record_calls
from tests.conftest import auth

Tour = Callable[[Any, Any], set[Call]]


def _agent() -> dict[str, str]:
    return auth("ann", "agent")


def _manager() -> dict[str, str]:
    return auth("sam", "manager")


def _open(client: Any, **body: Any) -> dict[str, Any]:
    payload = {"type": "incident", "title": "VPN down", "description": "The tunnel will not come up", **body}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


#: Every route the API tour requests, as (method, route path): the least-privilege test checks
#: that it is every route of the app.
API_VISITED: set[tuple[str, str]] = set()


class _Visits:
    """Requests through ``chalice.test.Client`` that must succeed, each noted as the app's route
    it reached."""

    def __init__(self, client: Any) -> None:
        from app import app

        self.client = client
        self.routes = [(re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path)
                       for path in app.routes]

    def __call__(self, method: str, path: str, headers: dict[str, str], body: Any = None,
                 expect: tuple[int, ...] = (200, 201)) -> Any:
        payload = json.dumps(body) if body is not None else ("{}" if method != "GET" else "")
        r = self.client.http.request(method, path, headers=headers, body=payload.encode())
        assert r.status_code in expect, (method, path, r.status_code, r.body[:800])
        bare = path.split("?", 1)[0]
        matched = [route for pattern, route in self.routes if pattern.match(bare)]
        literal = [route for route in matched if "{" not in route]  # /admin/sla-policies/preview
        API_VISITED.add((method, (literal or matched)[0]))
        try:
            return r.json_body
        except ValueError:
            return r.body


#: The reads a manager or a requester (the portal's) makes, with the parameters each needs.
READS = (
    "/queues", "/queues/mine", "/queues/group?group=network", "/queues/breaching", "/triage", "/approvals",
    "/changes/calendar?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z", "/known-errors?q=vpn",
    "/problems/candidates", "/reports/patrol", "/reports/measures?by=agent&from=2026-11-01&to=2026-11-30",
    "/reports/sla?by=service&from=2026-11-01&to=2026-11-30", "/reports/steering?week=2026-W48",
    "/admin/outbox?day=2026-11-23", "/oncall?group=network", "/portal/known-broken", "/portal/services",
    "/portal/suggestions?q=vpn", "/admin/kinds",
)


def _version(visit: _Visits, number: str) -> int:
    return int(visit("GET", f"/tickets/{number}", _manager())["version"])


def api_tour(client: Any, clock: Any) -> set[Call]:
    """Every route of the API, each reaching its storage: intake (with an Idempotency-Key), reads,
    search, edits, moves, assignment, comments, classification, due dates, links, attachments,
    the action links, changes from plan to approval, problems and their candidates, knowledge,
    reports, the pages, and every kind of configuration document read, created and updated."""
    visit = _Visits(client)
    admin = auth("root", "admin")
    with record_calls() as log:
        _cold_container(clock)  # the container's init is the function's too
        for path in ("/", "/docs", "/favicon.ico", "/ui/app.js", "/ui/vendor/htm-preact-standalone-3.1.1.js",
                     "/openapi.json", "/session/config", "/health"):
            visit("GET", path, {})
        visit("POST", "/session/local", {"Content-Type": "application/json"}, {"user": "alice", "role": "requester"})
        _tickets_tour(visit, clock)
        _changes_tour(visit)
        _problems_tour(visit)
        _knowledge_tour(visit)
        _channels_tour(visit, clock)
        for path in READS:
            visit("GET", path, _manager() if "portal" not in path else auth())
        _configuration_tour(visit, admin)
    return log.actions()


def _tickets_tour(visit: _Visits, clock: Any) -> None:
    t = visit("POST", "/tickets", auth(), {"type": "incident", "title": "VPN down",
                                           "description": "The tunnel will not come up"}, (201,))
    n = t["number"]
    visit("POST", "/tickets", {**auth(), "Idempotency-Key": "tour-1"},
          {"type": "service_request", "title": "New laptop", "description": "Mine broke"}, (201,))
    for path in (f"/tickets/{n}", f"/tickets/{n}/events", f"/tickets/{n}/sla", f"/tickets/{n}/moves",
                 "/tickets?q=vpn", f"/tickets/{n}/attachments"):
        visit("GET", path, _manager())
    visit("PATCH", f"/tickets/{n}", _agent(), {"version": _version(visit, n), "title": "VPN down for everyone"})
    visit("POST", f"/tickets/{n}/assignment", _agent(), {"version": _version(visit, n), "assignee": "ann"})
    visit("POST", f"/tickets/{n}/comments", _agent(), {"body": "On it", "visibility": "public"})
    visit("POST", f"/tickets/{n}/classification/contest", auth(), {"reason": "It is the whole office"})
    visit("POST", f"/tickets/{n}/classification", _manager(),
          {"version": _version(visit, n), "reason": "the whole office", "impact": "high"})
    due = (clock() + timedelta(days=3)).isoformat()
    visit("POST", f"/tickets/{n}/due-date", _manager(), {"version": _version(visit, n), "due_at": due})
    form = visit("POST", f"/tickets/{n}/attachments", auth(), {"filename": "log.txt", "content_type": "text/plain",
                                                                "size": 10}, (200, 201))
    _upload(form)  # as the browser does, with the form's signed rights
    visit("GET", f"/tickets/{n}/attachments/{form['id']}", auth(), expect=(200, 302, 303))
    other = visit("POST", "/tickets", auth(), {"type": "incident", "title": "VPN slow",
                                               "description": "Slow since this morning"}, (201,))
    visit("POST", f"/tickets/{n}/links", _agent(), {"kind": "related", "target": other["number"]})
    visit("DELETE", f"/tickets/{n}/links/related/{other['number']}", _agent())
    visit("POST", f"/tickets/{n}/transitions", _agent(), {"to": "resolved", "version": _version(visit, n),
                                                           "reason": "gateway restarted"})
    visit("POST", f"/tickets/{n}/transitions", auth(), {"to": "closed", "version": _version(visit, n)})
    links = _action_links(visit, other["number"])
    visit("GET", links["confirm"], {})
    visit("POST", links["confirm"], {"Accept": "application/json"})
    visit("GET", f"/tickets/{other['number']}/rating", auth())
    visit("POST", f"/tickets/{other['number']}/rating", auth(), {"rating": 4, "comment": "Quick, thanks"})


def _channels_tour(visit: _Visits, clock: Any) -> None:
    """Slack's slash command and message shortcut (signed, acknowledged), a ticket bridged to a
    GitHub issue and a Jira issue, and those systems' signed webhooks recorded on it (the secrets
    are the stage's, from its secrets store)."""
    import urllib.parse
    from pathlib import Path

    from chalicelib import wiring
    from tests.webhooks import github_headers, jira_headers, slack_headers

    settings = wiring.desk().settings
    samples = Path(__file__).resolve().parent.parent / "samples"
    command = (samples / "slack_slash_command.txt").read_text().strip()
    shortcut = urllib.parse.urlencode({"payload": (samples / "slack_message_shortcut.json").read_text()})
    for path, form in (("/slack/commands", command), ("/slack/interactions", shortcut)):
        signed = slack_headers(settings.slack_signing_secret, form.encode(), str(int(clock().timestamp())))
        r = visit.client.http.request("POST", path, headers=signed, body=form.encode())
        assert r.status_code == 200, (path, r.body)
        API_VISITED.add(("POST", path))
    n = visit("POST", "/tickets", auth(), {"type": "incident", "title": "VPN drops",
                                           "description": "Tunnels drop every 20 minutes"}, (201,))["number"]
    visit("POST", f"/tickets/{n}/bridges", _agent(),
          {"system": "github", "issue": "https://github.com/octo-org/desk-infra/issues/12"})
    visit("POST", f"/tickets/{n}/bridges", _agent(), {"system": "jira", "issue": "OPS-42"})
    comment = (samples / "github_issue_comment_created.json").read_bytes()
    worklog = (samples / "jira_issue_work_logged.json").read_bytes()
    deliveries = (
        ("/bridges/github", comment,
         github_headers(settings.github_webhook_secret, comment, "issue_comment", "tour-1")),
        ("/bridges/jira", worklog, jira_headers(settings.jira_webhook_secret, worklog, "tour-2")),
    )
    for path, raw, headers in deliveries:
        r = visit.client.http.request("POST", path, body=raw, headers=headers)
        assert r.status_code in (200, 201), (path, r.body)
        API_VISITED.add(("POST", path))


def _upload(form: dict[str, Any]) -> None:
    from chalicelib import wiring
    from chalicelib.storage.aws import client as aws_client

    aws_client("s3").put_object(Bucket=wiring.desk().settings.attachments_bucket, Key=form["fields"]["key"],
                                Body=b"vpn log\n", ContentType="text/plain")


def _action_links(visit: _Visits, number: str) -> dict[str, str]:
    """Resolve ``number``; its completion notice's confirm and reopen links (paths)."""
    visit("POST", f"/tickets/{number}/transitions", _agent(), {"to": "resolved", "version": _version(visit, number),
                                                               "reason": "fixed"})
    notices = visit("GET", "/admin/outbox?day=2026-11-23&limit=200", _manager())["notices"]
    completion = next(x for x in notices if x["kind"] == "completion" and x["ticket"] == number)
    return {k: urlparse(completion["data"][f"{k}_link"]).path for k in ("confirm", "reopen")}


CHANGE_PLAN: dict[str, Any] = {
    "model": "normal",
    "services": ["erp"],
    "implementation_plan": "pg_upgrade --link",
    "backout_plan": "restore the snapshot",
    "test_plan": "smoke tests",
    "communication": "mail to ERP users",
    "outage_minutes": 45,
    "risk": {"likelihood": 3, "impact": 4},
    "implementer_group": "database",
    "els_hours": 24,
}


def _changes_tour(visit: _Visits) -> None:
    t = visit("POST", "/tickets", auth(), {"type": "change_request", "title": "Upgrade the ERP database",
                                           "description": "PostgreSQL 15 to 16"}, (201,))
    n = t["number"]
    window = {"start": "2026-11-24T15:00:00+00:00", "end": "2026-11-24T18:00:00+00:00"}
    visit("PUT", f"/tickets/{n}/change", _agent(), {"version": _version(visit, n), **CHANGE_PLAN, "window": window})
    visit("POST", f"/tickets/{n}/transitions", _agent(), {"to": "assess", "version": _version(visit, n)})
    visit("POST", f"/tickets/{n}/transitions", auth("ben", "agent"), {"to": "submit", "version": _version(visit, n)})
    visit("POST", f"/tickets/{n}/approvals", auth("dieter", "agent"),
          {"decision": "approve", "comment": "reviewed", "version": _version(visit, n)})
    other = visit("POST", "/tickets", auth(), {"type": "change_request", "title": "Move the file share",
                                               "description": "To the new NAS"}, (201,))
    visit("POST", f"/tickets/{other['number']}/change/redirect", _agent(),
          {"to": "request_fulfilment", "reason": "a routine move", "version": other["version"]})


def _problems_tour(visit: _Visits) -> None:
    incident = visit("POST", "/tickets", auth(), {"type": "incident", "title": "VPN drops",
                                                  "description": "The VPN drops every few minutes"}, (201,))
    problem = visit("POST", f"/tickets/{incident['number']}/problem-from", _agent(), {"title": "VPN gateway"},
                    (201,))
    p = problem["number"]
    visit("PUT", f"/tickets/{p}/problem", _agent(), {"version": _version(visit, p), "symptoms": ["vpn drops"],
                                                      "workaround": "Connect to the backup gateway"})
    visit("POST", f"/tickets/{p}/workaround/publish", _agent())
    visit("POST", f"/tickets/{p}/knowledge", _agent(), {"name": "kb-vpn-backup-gateway"}, (201,))
    for title in ("Printer jams on floor 2", "Printer on floor 2 jams again", "Floor 2 printer paper jam"):
        visit("POST", "/tickets", auth(), {"type": "incident", "title": title, "service": "printing",
                                           "description": "The second floor printer jams in tray 2"}, (201,))
    found = visit("POST", "/problems/candidates/scan", _manager())["new"]
    candidates = visit("GET", "/problems/candidates", _manager())["candidates"]
    assert found and candidates, (found, candidates)
    visit("POST", f"/problems/candidates/{candidates[0]['id']}/accept", _agent(), {"title": "Printer jams"}, (201,))
    for title in ("Scanner offline on floor 4", "Floor 4 scanner is offline", "Scanner on floor 4 offline"):
        visit("POST", "/tickets", auth(), {"type": "incident", "title": title, "service": "printing",
                                           "description": "The fourth floor scanner is offline since the update"},
              (201,))
    visit("POST", "/problems/candidates/scan", _manager())
    left = [c for c in visit("GET", "/problems/candidates", _manager())["candidates"] if c["state"] == "new"]
    visit("POST", f"/problems/candidates/{left[0]['id']}/dismiss", _agent())


def _knowledge_tour(visit: _Visits) -> None:
    article = {"question": "How do I reset my password?", "services": ["accounts"],
               "answer": "Open https://password.example.com and follow the steps; the new password works at once."}
    made = visit("POST", "/knowledge", _agent(), article, (201,))
    visit("GET", "/knowledge?q=password", auth())
    visit("GET", f"/knowledge/{made['name']}", auth())
    visit("PUT", f"/knowledge/{made['name']}", _agent(), {**article, "answer": "Use the portal", "version": 1})
    opened = visit("POST", "/tickets", auth(), {"type": "service_request", "title": "Passwort vergessen",
                                                "description": "Ich muss mein Passwort zuruecksetzen"}, (201,))
    visit("POST", f"/tickets/{opened['number']}/answer", _agent(),
          {"article": made["name"], "version": opened["version"], "resolve": True})


def _configuration_tour(visit: _Visits, admin: dict[str, str]) -> None:
    """Every kind of document: listed, read, updated with itself, and a copy created."""
    from chalicelib.api.admin import COLLECTIONS

    visit("POST", "/admin/sla-policies/preview", _manager(), {"type": "incident", "priority": "P2"})
    for collection in COLLECTIONS:
        items = visit("GET", f"/admin/{collection}", admin)["items"]
        if not items:  # nothing shipped of this kind: the tour writes the first
            visit("POST", f"/admin/{collection}", admin, EXAMPLE_DOCUMENTS[collection], (201,))
            items = visit("GET", f"/admin/{collection}", admin)["items"]
        document = visit("GET", f"/admin/{collection}/{items[0]['name']}", admin)
        visit("PUT", f"/admin/{collection}/{document['name']}", admin, document)
        copy = {k: v for k, v in document.items() if k not in ("version",)}
        visit("POST", f"/admin/{collection}", admin, {**copy, "name": f"{document['name']}-copy"}, (201,))


#: A document of each kind the desk ships none of.
EXAMPLE_DOCUMENTS: dict[str, dict[str, Any]] = {
    "classification-rules": {"name": "outage-is-urgent", "keywords": ["outage"], "set": {"urgency": "high"}},
    "change-freezes": {"name": "audit", "services": ["erp"], "start": "2026-12-01T00:00:00+00:00",
                       "end": "2026-12-02T00:00:00+00:00", "reason": "the yearly audit"},
    "change-templates": {"name": "restart-erp", "services": ["erp"], "max_risk": 6,
                         "implementation_plan": "restart the ERP application servers one by one",
                         "backout_plan": "start the stopped server"},
}


#: How long after the tickets were opened a scheduled function runs, when not a day: the
#: auto-close eight days after one was resolved (three business days over Thanksgiving), the
#: steering report the next Monday morning (with last week's rollups kept from the stream).
DAYS_LATER = {"auto_close": 8, "steering_report": 7}


def schedule_tour(name: str) -> Tour:
    """A scheduled function run in a fresh container a day after tickets were opened (their
    clocks are due, the patrol's time has come, three look alike), or :data:`DAYS_LATER`."""

    def tour(client: Any, clock: Any) -> set[Call]:
        from app import app

        for _ in range(3):
            _open(client, title="Printer offline on floor 3", description="The printer on floor 3 is offline")
        resolved = _open(client)
        r = client.http.post(f"/tickets/{resolved['number']}/transitions", headers=_agent(),
                             body=json.dumps({"to": "resolved", "version": resolved["version"]}))
        assert r.status_code == 200, r.body
        # rated low: the patrol finds it through the rollups and reads it back
        r = client.http.post(f"/tickets/{resolved['number']}/rating", headers=auth(),
                             body=json.dumps({"rating": 1, "comment": "slow"}))
        assert r.status_code == 201, r.body
        from tests.integration.test_reports_api import play_stream

        play_stream()
        if name == "retrain_classifier":
            _label_examples()
        clock.advance(days=DAYS_LATER.get(name, 1))
        if name == "steering_report":
            _play_events()  # last week's rollups, as the stream keeps them
        event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
        with record_calls() as log:
            _cold_container(clock)  # the container's init is the function's too
            app.handler_map[name](event, None)
        return log.actions()

    return tour


def _events_player() -> Any:
    """The events table's stream played as Lambda's event source mapping plays it."""
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.streams import StreamPlayer, streams_client

    return StreamPlayer(client("dynamodb"), streams_client(), get_settings().events_table)


def _play_events() -> None:
    from app import app

    _events_player().play(app.handler_map["apply_events_to_rollups"])


def rollups_tour(client: Any, clock: Any) -> set[Call]:
    """The events stream's function applying new events to the rollups in a fresh container:
    tickets opened, one assigned, answered, resolved and reopened (every measure moves). Only the
    function's own calls are recorded: reading the stream is the event source mapping's."""
    from app import app

    ticket = _open(client)
    n = ticket["number"]
    _post(client, f"/tickets/{n}/assignment", {"version": ticket["version"], "assignee": "ann"}, _agent())
    _post(client, f"/tickets/{n}/comments", {"body": "On it", "visibility": "public"}, _agent())
    clock.advance(hours=1)
    ticket = client.http.get(f"/tickets/{n}", headers=_agent()).json_body
    ticket = _post(client, f"/tickets/{n}/transitions", {"to": "resolved", "version": ticket["version"]}, _agent())
    _post(client, f"/tickets/{n}/transitions", {"to": "reopened", "version": ticket["version"]}, auth())
    handler = app.handler_map["apply_events_to_rollups"]
    with record_calls() as init:
        _cold_container(clock)
    calls = init.actions()

    def recorded(event: dict[str, Any], context: Any) -> Any:
        with record_calls() as log:
            answer = handler(event, context)
        calls.update(log.actions())
        return answer

    assert _events_player().play(recorded) > 0
    return calls


def _post(client: Any, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = client.http.post(path, headers=headers, body=json.dumps(body))
    assert r.status_code in (200, 201), (path, r.body)
    return dict(r.json_body)


def _cold_container(clock: Any) -> None:
    """A fresh desk, as a new Lambda container has: nothing cached from the set-up, its settings
    (and the stage's secrets) read again."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.secrets import forget_provider

    get_settings.cache_clear()
    forget_provider()
    wiring.install(wiring.bootstrap(clock=clock))


def _label_examples() -> None:
    """Enough labelled history for the retraining to train and store models."""
    from chalicelib import wiring
    from chalicelib.storage.learning_store import DynamoExampleStore
    from tests.integration.test_learning import seed_examples

    seed_examples(DynamoExampleStore(wiring.desk().settings), 40)


def notifier_tour(client: Any, clock: Any) -> set[Call]:
    """The notifier delivering what intake and a sweep queued (e-mail to the requester, SNS
    escalations), deferring a notice to after quiet hours, and dead-lettering one whose channel
    failed on the last attempt."""
    from app import app
    from chalicelib import wiring
    from chalicelib.storage.aws import client as aws_client

    _open(client)
    clock.advance(days=1)
    app.handler_map["sla_sweep"](client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]), None)
    sqs = aws_client("sqs")
    url = wiring.desk().settings.notices_queue_url
    bodies: list[str] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies.extend(m["Body"] for m in got)
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert {json.loads(b)["channel"] for b in bodies} >= {"email", "sns"}
    later = {**json.loads(bodies[0]), "notice_id": "tour:deferred",
             "deliver_after": (clock() + timedelta(hours=1)).isoformat()}
    assert "events" in {json.loads(b)["channel"] for b in bodies}
    failing = {**json.loads(bodies[0]), "notice_id": "tour:failing", "channel": "slack"}
    records = [(b, "1") for b in bodies] + [(json.dumps(later), "1"), (json.dumps(failing), "5"),
                                            (_slack_intake(clock), "1")]
    with record_calls() as log:
        _cold_container(clock)
        for body, attempt in records:
            event = client.events.generate_sqs_event(message_bodies=[body])
            event["Records"][0]["attributes"]["ApproximateReceiveCount"] = attempt
            with contextlib.suppress(Exception):  # the failing one raises, for SQS to retry
                app.handler_map["deliver_notices"](event, None)
    return log.actions()


def _slack_intake(clock: Any) -> str:
    """A ticket the Slack slash command acknowledged, for the notifier to open."""
    from chalicelib.domain.slack import SlackIntake
    from chalicelib.services.slack import intake_notice

    intake = SlackIntake(key="command:tour", source="command", type="incident", title="VPN is down",
                         description="VPN is down", team="T1", user="U1", user_name="steve", channel="C1")
    return intake_notice(intake, clock()).to_json()
def mail_tour(client: Any, clock: Any) -> set[Call]:
    """The mail function, in a fresh container, on the mail SES stored: a new message with files
    (a ticket opened, its files kept), the requester's reply (a comment, threaded back by the
    Message-ID the desk sent), the same reply again, a stranger's reply (refused with a notice)
    and an auto-reply (ignored)."""
    from pathlib import Path

    from app import app
    from chalicelib import wiring
    from chalicelib.inbound.mail import s3_event
    from chalicelib.storage.attachments import create_bucket, s3_client

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
    settings = wiring.desk().settings
    s3 = s3_client(settings)
    create_bucket(s3, settings.inbound_mail_bucket, settings.region)
    number = _open(client)["number"]
    wiring.desk().mail_ledger.remember_sent("tour-sent@example.com", number, clock())
    reply = ("From: alice@example.com\r\nTo: desk@example.com\r\nSubject: Re: your ticket\r\n"
             "Message-ID: <tour-reply@example.com>\r\nIn-Reply-To: <tour-sent@example.com>\r\n\r\nStill down.\r\n")
    messages = {
        "mail/new": (fixtures / "attachment.eml").read_bytes(),
        "mail/reply": reply.encode(),
        "mail/again": reply.encode(),
        "mail/stranger": (fixtures / "unknown_sender.eml").read_bytes().replace(b"INC-000001", number.encode()),
        "mail/ooo": (fixtures / "auto_reply.eml").read_bytes(),
    }
    for key, raw in messages.items():
        s3.put_object(Bucket=settings.inbound_mail_bucket, Key=key, Body=raw)
    with record_calls() as log:
        _cold_container(clock)
        for key in messages:
            outcomes = app.handler_map["receive_mail"](s3_event(settings.inbound_mail_bucket, key), None)
            assert (outcomes and outcomes[0]["action"] != "opened") or key == "mail/new", outcomes
    return log.actions()
