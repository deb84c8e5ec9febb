"""Slack's acknowledgement and a bridge delivery, on moto in-process, as the API handles them.

Slack wants its answer within three seconds, so the acknowledgement does only the claim, the
outbox hand-over and the queue send (with the notice queue configured, as on AWS); the figures
are its AWS requests and its time (median of ``ACKS``), then the requests of the notifier opening
the ticket behind it, of one GitHub delivery recorded on a bridged ticket, and the outbox items a
ticket's opening writes with and without the ``events`` channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import time
import urllib.parse
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from bench.bench_sweep import BenchClock, _desk

AT = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
ACKS = 30
SECRET = "bench-signing-secret"


def _signed_command(client: Any, clock: BenchClock, trigger: str) -> Any:
    from chalicelib.domain.slack import slack_signature

    body = urllib.parse.urlencode({"team_id": "T1", "channel_id": "C1", "user_id": "U1", "user_name": "steve",
                                   "command": "/desk", "text": "incident VPN is down", "trigger_id": trigger})
    stamp = str(int(clock().timestamp()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": slack_signature(SECRET, stamp, body.encode())}
    return client.http.post("/slack/commands", headers=headers, body=body)


def _requests(calls: list[Any]) -> dict[str, int]:
    return dict(Counter(c.action for c in calls))


def run() -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.services.tokens import mint_token
    from chalicelib.storage.aws import client as aws_client
    from chalicelib.storage.tables import create_messaging
    from infra.calls import record_calls

    out: dict[str, Any] = {}
    clock = BenchClock(AT)
    kept = dict(os.environ)
    os.environ.update({"SLACK_SIGNING_SECRET": SECRET, "GITHUB_WEBHOOK_SECRET": SECRET,
                       "DESK_LOCAL": "true", "JWT_HS256_SECRET": "b" * 40})
    try:
        with _desk(clock), Client(app, stage_name="dev") as client:
            os.environ.update(create_messaging(get_settings(), aws_client("sqs"), aws_client("sns")))
            get_settings.cache_clear()
            wiring.install(wiring.bootstrap(clock=clock))
            _signed_command(client, clock, "warm")
            times = []
            for i in range(ACKS):
                started = time.perf_counter()
                with record_calls() as log:
                    answer = _signed_command(client, clock, f"t{i}")
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.body
            out["slack_ack_aws_requests"] = len(log.calls)
            for action, n in sorted(_requests(log.calls).items()):
                out[f"slack_ack_{action}"] = n
            out["slack_ack_median_ms"] = statistics.median(times) * 1000
            sqs = aws_client("sqs")
            url = get_settings().notices_queue_url
            bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]]
            event = client.events.generate_sqs_event(message_bodies=bodies)
            with record_calls() as log:
                app.handler_map["deliver_notices"](event, None)
            out["slack_open_behind_aws_requests"] = len(log.calls)

            agent = {"Authorization": f"Bearer {mint_token(get_settings(), 'ann', 'agent')}",
                     "Content-Type": "application/json"}
            opened = client.http.post("/tickets", headers=agent, body=json.dumps(
                {"type": "incident", "title": "VPN drops", "description": "every 20 minutes"})).json_body
            client.http.post(f"/tickets/{opened['number']}/bridges", headers=agent,
                             body=json.dumps({"system": "jira", "issue": "OPS-42"}))
            body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-42"},
                               "user": {"displayName": "Mia"}, "changelog": {"items": [
                                   {"field": "timespent", "from": "0", "to": "3600"}]}}).encode()
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            os.environ["JIRA_WEBHOOK_SECRET"] = SECRET
            get_settings.cache_clear()
            wiring.install(wiring.bootstrap(clock=clock))
            with record_calls() as log:
                done = client.http.post("/bridges/jira", body=body, headers={
                    "Content-Type": "application/json", "X-Hub-Signature": signature,
                    "X-Atlassian-Webhook-Identifier": "bench-1"})
            assert done.status_code == 200, done.body
            out["bridge_delivery_aws_requests"] = len(log.calls)

            for channels in ("outbox", "outbox,events"):
                os.environ["NOTIFY_CHANNELS"] = channels
                get_settings.cache_clear()
                wiring.install(wiring.bootstrap(clock=clock))
                with record_calls() as log:
                    client.http.post("/tickets", headers=agent, body=json.dumps(
                        {"type": "incident", "title": "Mail down", "description": "no mail"}))
                outbox = sum(1 for c in log.calls if c.name.endswith("-outbox") and c.action == "dynamodb:PutItem")
                out[f"opening_outbox_items_{channels.replace(',', '_')}"] = outbox
    finally:
        os.environ.clear()
        os.environ.update(kept)
    return out
