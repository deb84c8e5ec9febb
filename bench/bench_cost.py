"""What the desk costs: one ticket's whole life and one idle day, in billed units and dollars.

Everything is counted on moto in-process, from the requests the desk really makes (recorded as
``infra.calls`` records them, one level below every client):

- DynamoDB request units, on-demand: a write is one WRU per started KB of the item (the larger
  of before and after for an update), twice inside a transaction; a read is half an RRU per
  started 4 KB (eventually consistent; a strongly consistent one a whole RRU), twice inside a
  transaction; a Query or BatchGetItem sums its items' sizes. Item sizes are DynamoDB's (names
  plus values) of the real items.
- Lambda: invocations (an API request is two: the authorizer, whose answers are not cached, and
  the handler) and GB-seconds at the functions' memory as the stage's configuration gives it
  (the API's 1,769 MB, one whole vCPU, for the whole request; 128 MB for the rest), each
  invocation billed at the time it took here on one core (moto answers in-process, so this is an
  upper bound for the desk's own work).
- SQS: each notice sent, received and deleted (3 requests); SNS publishes; SES e-mails.
- API Gateway REST requests.

The life: a requester opens an incident; an agent takes it, replies and waits on the requester;
the requester answers (resuming it); the agent resolves it; the auto-close closes it three
business days later; with the sweeps and notices that happen on the way. The idle day: every
schedule's runs on an empty desk (1,440 sweeps, 96 patrol checks, 24 auto-closes, 24
candidate scans, 1 retraining), plus the notifier's event source polling its queue (the
Lambda service's long polls: about 3 requests a minute for each of 5 pollers).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import secrets
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: On-demand list prices, us-east-1, USD.
PRICE = {
    "dynamodb_wru": 0.625 / 1e6,
    "dynamodb_rru": 0.125 / 1e6,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,
    "sqs_request": 0.40 / 1e6,
    "sns_publish": 0.50 / 1e6,
    "ses_email": 0.10 / 1e3,
    "apigateway_request": 3.50 / 1e6,
}
#: Lambda's memory when a function's configuration names none.
DEFAULT_MEMORY_MB = 128


@functools.cache
def memory_gb(function: str, stage: str = "dev") -> float:
    """The memory of one of the app's functions (``api_handler`` for the API) in GB, as the
    stage's ``.chalice/config.json`` sets it (``lambda_memory_size``); read once per function."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    stage_config = config["stages"][stage]
    size = (stage_config.get("lambda_functions", {}).get(function, {}).get("lambda_memory_size")
            or stage_config.get("lambda_memory_size") or config.get("lambda_memory_size") or DEFAULT_MEMORY_MB)
    return float(size) / 1024


#: Runs per idle day of each schedule (``app.py``).
SCHEDULE_RUNS_PER_DAY = {"sla_sweep": 1440, "morning_patrol": 96, "auto_close": 24, "problem_candidates": 24,
                         "retrain_classifier": 1}
#: The notifier's event source: 5 pollers, each a 20-second long poll.
SQS_POLLS_PER_DAY = 5 * 3 * 60 * 24
DAYS_PER_MONTH = 30


def attribute_size(value: Mapping[str, Any]) -> int:
    """DynamoDB's size of one attribute value."""
    (kind, v), = value.items()
    if kind == "S":
        return len(str(v).encode("utf-8"))
    if kind == "N":
        return math.ceil(len(str(v).lstrip("-").replace(".", "").lstrip("0") or "0") / 2) + 1
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + attribute_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + attribute_size(x) for k, x in v.items())
    return 0


def item_size(item: Mapping[str, Any] | None) -> int:
    return sum(len(k.encode("utf-8")) + attribute_size(v) for k, v in (item or {}).items())


class Meter:
    """Billed units of the requests made while it is on."""

    def __init__(self) -> None:
        self.units: dict[str, float] = defaultdict(float)

    def read(self, sizes: list[int], consistent: bool, factor: float = 1.0) -> None:
        units = math.ceil(max(sum(sizes), 1) / 4096) * (1.0 if consistent else 0.5)
        self.units["dynamodb_rru"] += units * factor

    def write(self, size: int, factor: float = 1.0) -> None:
        self.units["dynamodb_wru"] += math.ceil(max(size, 1) / 1024) * factor


def _stored(dynamodb: Any, table: str, key: Mapping[str, Any]) -> Mapping[str, Any] | None:
    item: Mapping[str, Any] | None = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item


@contextmanager
def metering() -> Iterator[Meter]:
    """Meter every AWS request made inside the block (the metering's own look-ups excluded)."""
    from botocore.client import BaseClient

    meter = Meter()
    original = BaseClient._make_api_call
    busy = False

    def metered(client: Any, operation: str, params: Mapping[str, Any]) -> Any:
        nonlocal busy
        if busy:
            return original(client, operation, params)
        service = client.meta.service_model.service_name
        busy = True
        try:
            before = _before(client, service, operation, params)
        finally:
            busy = False
        result = original(client, operation, params)
        busy = True
        try:
            _count(meter, client, service, operation, params, result, before)
        finally:
            busy = False
        return result

    BaseClient._make_api_call = metered
    try:
        yield meter
    finally:
        BaseClient._make_api_call = original


def _before(client: Any, service: str, operation: str, params: Mapping[str, Any]) -> list[int]:
    """Sizes of the items an update or delete touches, before it."""
    if service != "dynamodb":
        return []
    if operation in ("UpdateItem", "DeleteItem"):
        return [item_size(_stored(client, params["TableName"], params["Key"]))]
    if operation == "TransactWriteItems":
        sizes = []
        for entry in params["TransactItems"]:
            (_, body), = entry.items()
            key = body.get("Key") or {}
            sizes.append(item_size(_stored(client, body["TableName"], key)) if key else 0)
        return sizes
    return []


def _count(meter: Meter, client: Any, service: str, operation: str, params: Mapping[str, Any], result: Any,
           before: list[int]) -> None:
    units = meter.units
    if service == "sqs" and operation == "SendMessage":
        units["sqs_request"] += 3  # sent, then received and deleted by the notifier's event source
    elif service == "sns" and operation == "Publish":
        units["sns_publish"] += 1
    elif service == "ses" and operation in ("SendEmail", "SendRawEmail"):
        units["ses_email"] += 1
    if service != "dynamodb":
        return
    consistent = bool(params.get("ConsistentRead"))
    if operation == "GetItem":
        meter.read([item_size(result.get("Item"))], consistent)
    elif operation in ("Query", "Scan"):
        meter.read([item_size(i) for i in result.get("Items", [])], consistent)
    elif operation == "BatchGetItem":
        for items in result.get("Responses", {}).values():
            for item in items:
                meter.read([item_size(item)], consistent)
    elif operation == "PutItem":
        meter.write(item_size(params["Item"]))
    elif operation in ("UpdateItem", "DeleteItem"):
        after = item_size(_stored(client, params["TableName"], params["Key"])) if operation == "UpdateItem" else 0
        meter.write(max(before[0], after))
    elif operation == "TransactWriteItems":
        for entry, size_before in zip(params["TransactItems"], before):
            (kind, body), = entry.items()
            if kind == "Put":
                meter.write(max(size_before, item_size(body["Item"])), 2)
            elif kind == "Update":
                meter.write(max(size_before, item_size(_stored(client, body["TableName"], body["Key"]))), 2)
            elif kind == "Delete":
                meter.write(size_before, 2)
            else:  # ConditionCheck: a read
                meter.read([size_before], True, 2)
    elif operation == "BatchWriteItem":
        for requests in params["RequestItems"].values():
            for request in requests:
                meter.write(item_size(request.get("PutRequest", {}).get("Item")))


class Invocations:
    """Lambda invocations and their billed GB-seconds (1 ms granularity)."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter

    def run(self, invocations: int, call: Any, function: str) -> Any:
        """``call`` as ``invocations`` invocations billed at ``function``'s memory."""
        started = time.perf_counter()
        result = call()
        billed_ms = math.ceil((time.perf_counter() - started) * 1000)
        self.meter.units["lambda_request"] += invocations
        self.meter.units["lambda_gb_second"] += billed_ms / 1000 * memory_gb(function)
        return result


def _deliver(app: Any, event: Any) -> None:
    """One notice through the notifier; a channel's failure is the queue's to retry, not the bench's."""
    from chalicelib.services.delivery import DeliveryFailed

    with contextlib.suppress(DeliveryFailed):
        app.handler_map["deliver_notices"](event, None)


def dollars(units: Mapping[str, float]) -> float:
    return sum(PRICE[name] * amount for name, amount in units.items())


def _environment() -> None:
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
        "DESK_LOCAL": "true", "JWT_HS256_SECRET": secrets.token_hex(32),
        "NOTIFY_CHANNELS": "outbox,sns,email", "EMAIL_SENDER": "desk@example.com",
    })
    sys.path.insert(0, str(ROOT))
    from chalicelib.cli import apply_stage_environment

    apply_stage_environment("dev")


def run() -> dict[str, float]:
    from moto import mock_aws

    _environment()
    with mock_aws():
        return _measure()


def _measure() -> dict[str, float]:
    from chalice.test import Client

    from app import app
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.services.seeding import seed_defaults
    from chalicelib.services.tokens import mint_token
    from chalicelib.storage import aws
    from chalicelib.storage.tables import create_messaging, create_tables
    from tests.unit.fakes import FakeClock

    aws.reset_clients()
    get_settings.cache_clear()
    os.environ.update(create_messaging(get_settings(), aws.client("sqs"), aws.client("sns")))
    get_settings.cache_clear()
    aws.client("ses").verify_email_identity(EmailAddress="desk@example.com")
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc))  # Monday 09:00 in Chicago
    wiring.install(wiring.bootstrap(clock=clock))
    create_tables(get_settings(), aws.client("dynamodb"))
    seed_defaults(wiring.desk().config_service)
    settings = get_settings()

    def headers(user: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(settings, user, role)}", "Content-Type": "application/json"}

    requester, agent = headers("alice", "requester"), headers("ann", "agent")

    with Client(app, stage_name="dev") as client:
        def api(method: str, path: str, who: dict[str, str], body: dict[str, Any] | None = None) -> Any:
            invoke = getattr(client.http, method)
            kwargs = {"headers": who} if body is None else {"headers": who, "body": json.dumps(body)}
            r = meter_calls.run(2, lambda: invoke(path, **kwargs), "api_handler")
            meter.units["apigateway_request"] += 1
            assert r.status_code < 300, (method, path, r.body)
            return r.json_body

        def schedule(name: str) -> None:
            event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                    resources=[])
            meter_calls.run(1, lambda: app.handler_map[name](event, None), name)

        def deliver() -> None:
            sqs = aws.client("sqs")
            url = os.environ["NOTICES_QUEUE_URL"]
            while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                for m in got:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    event = client.events.generate_sqs_event(message_bodies=[m["Body"]])
                    meter_calls.run(1, lambda event=event: _deliver(app, event), "deliver_notices")

        # Warm the process (configuration caches), as a warm container is.
        meter = Meter()
        meter_calls = Invocations(meter)
        api("post", "/tickets", requester, {"type": "incident", "title": "Warm", "description": "warm"})
        for name in SCHEDULE_RUNS_PER_DAY:
            schedule(name)
        deliver()
        with metering() as meter:
            meter_calls = Invocations(meter)
            t = api("post", "/tickets", requester, {"type": "incident", "title": "VPN drops every few minutes",
                                                     "description": "AnyConnect disconnects since this morning"})
            n = t["number"]
            t = api("post", f"/tickets/{n}/assignment", agent, {"version": t["version"], "assignee": "ann"})
            clock.advance(minutes=30)
            schedule("sla_sweep")
            t = api("post", f"/tickets/{n}/comments", agent, {"body": "Which client version do you run?",
                                                              "version": t["version"]})
            t = api("get", f"/tickets/{n}", agent)
            t = api("post", f"/tickets/{n}/transitions", agent, {"to": "waiting_on_requester",
                                                                 "version": t["version"]})
            clock.advance(hours=2)
            api("post", f"/tickets/{n}/comments", requester, {"body": "Version 5.1, on Windows 11"})
            t = api("get", f"/tickets/{n}", agent)
            clock.advance(hours=1)
            schedule("sla_sweep")
            t = api("post", f"/tickets/{n}/transitions", agent, {"to": "resolved", "version": t["version"],
                                                                 "reason": "Upgraded the client to 5.2"})
            clock.advance(days=8)  # three business days, Thanksgiving between
            schedule("auto_close")
            deliver()
            assert api("get", f"/tickets/{n}", agent)["status"] == "closed"
            life = dict(meter.units)

        idle: dict[str, float] = defaultdict(float)
        clock.advance(days=1)
        for name, runs in SCHEDULE_RUNS_PER_DAY.items():
            schedule(name)  # catch up on what became due meanwhile
            with metering() as meter:  # then one run with nothing due, times its runs a day
                meter_calls = Invocations(meter)
                schedule(name)
            for unit, amount in meter.units.items():
                idle[unit] += amount * runs
    idle["sqs_request"] += SQS_POLLS_PER_DAY
    wiring.install(None)

    out: dict[str, float] = {}
    for unit in sorted(PRICE):
        out[f"life_{unit}"] = float(life.get(unit, 0.0))
    for unit in sorted(PRICE):
        out[f"idle_day_{unit}"] = float(idle.get(unit, 0.0))
    life_usd, idle_month_usd = dollars(life), dollars(idle) * DAYS_PER_MONTH
    out["life_usd"] = life_usd
    out["idle_month_usd"] = idle_month_usd
    out["month_1000_tickets_usd"] = idle_month_usd + 1000 * life_usd
    out["month_100000_tickets_usd"] = idle_month_usd + 100_000 * life_usd
    return out


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:40s} {value:14.6f}")
