"""Every function's policy in the template names only what it uses: the tables, indexes, queue,
topic and secrets it calls, with the actions it calls (recorded from the code on moto), and no
wildcard but where IAM allows no resource."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from infra.access import ACCESS, STRICT, UNTOURED
from infra.calls import Call
from infra.stack import BUCKETS, RESOURCELESS_ACTIONS, function_names, merge_template, role_name
from tests.integration.tours import Tour, api_tour, mail_tour, notifier_tour, rollups_tour, schedule_tour
from tests.unit.fakes import FakeClock

#: Importing the app (to list its functions) happens on moto, as in every test here.
pytestmark = pytest.mark.usefixtures("aws")

MONDAY_9AM_CHICAGO = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)

TOURS: dict[str, Tour] = {
    "APIHandler": api_tour,
    "SlaSweep": schedule_tour("sla_sweep"),
    "ProblemCandidates": schedule_tour("problem_candidates"),
    "MorningPatrol": schedule_tour("morning_patrol"),
    "AutoClose": schedule_tour("auto_close"),
    "RetrainClassifier": schedule_tour("retrain_classifier"),
    "DeliverNotices": notifier_tour,
    "ReceiveMail": mail_tour,
    "SteeringReport": schedule_tour("steering_report"),
    "ApplyEventsToRollups": rollups_tour,
}


@pytest.fixture
def clock(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    """The dev stage on moto with its queue, topic and SES identity, every channel on."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client as aws_client
    from chalicelib.storage.tables import create_event_bus, create_messaging

    for name, value in create_messaging(get_settings(), aws_client("sqs"), aws_client("sns")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NOTIFY_CHANNELS", "outbox,sns,email,events")
    monkeypatch.setenv("EMAIL_SENDER", "desk@example.com")
    monkeypatch.setenv("DESK_SECRETS_PATH", "/desk/dev/")
    aws_client("ssm").put_parameter(Name="/desk/dev/cursor-secret", Value="c" * 40, Type="SecureString")
    for name in ("slack-signing-secret", "github-webhook-secret", "jira-webhook-secret"):
        aws_client("ssm").put_parameter(Name=f"/desk/dev/{name}", Value=name[0] * 32, Type="SecureString")
    get_settings.cache_clear()
    aws_client("ses").verify_email_identity(EmailAddress="desk@example.com")
    create_event_bus(get_settings(), aws_client("events"))
    fake = FakeClock(MONDAY_9AM_CHICAGO)
    wiring.install(wiring.bootstrap(clock=fake))
    yield fake
    wiring.install(None)


def _logical(call: Call) -> tuple[str, str]:
    """A recorded call as (grant key, action): the dev stage's names mapped to logical ids."""
    from chalicelib.storage.tables import LOGICAL

    tables = {f"desk-dev-{suffix.replace('_', '-')}": logical for logical, suffix in LOGICAL.values()}
    tables["desk-dev-idempotency"] = "IdempotencyTable"
    if call.kind in ("table", "index"):
        table, _, index = call.name.partition("/")
        key = tables[table] + (f"/{index}" if index else "")
    elif call.kind in ("object", "bucket"):
        bucket, _, prefix = call.name.partition("/")
        logical = {"desk-dev-attachments": "AttachmentsBucket", "desk-dev-inbound-mail": "InboundMailBucket"}[bucket]
        key = f"{logical}/{prefix}" if call.kind == "object" else logical
    elif call.kind == "queue":
        key = "NoticesDeadLetterQueue" if call.name.endswith("-dlq") else "NoticesQueue"
    else:
        key = { "topic": "AlertsTopic", "identity": "EmailIdentity",
               "parameter": "Secrets", "secret": "Secrets", "bus": "EventBus"}[call.kind]
    return key, call.action


def _granted(grants: dict[str, frozenset[str]]) -> set[tuple[str, str]]:
    return {(key, action) for key, actions in grants.items() for action in actions}


def test_every_function_of_the_app_has_its_access_declared() -> None:
    assert set(function_names()) == set(ACCESS)


@pytest.mark.parametrize("function", sorted(TOURS))
def test_a_function_calls_only_what_it_is_granted(function: str, client: Any, clock: FakeClock) -> None:
    used = {_logical(call) for call in TOURS[function](client, clock)}
    granted = _granted(ACCESS[function])
    assert used - granted == set(), f"{function} calls what its policy does not grant: {sorted(used - granted)}"
    if function in STRICT:
        unused = granted - used - _granted(UNTOURED.get(function, {}))
        assert unused == set(), f"{function} is granted what it never calls: {sorted(unused)}"


def _statements() -> Iterator[tuple[str, dict[str, Any]]]:
    resources = merge_template("prod")["Resources"]
    for logical in function_names():
        for policy in resources[role_name(logical)]["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                yield logical, statement


def test_no_policy_holds_a_wildcard() -> None:
    for function, statement in _statements():
        actions = statement["Action"]
        assert all("*" not in action for action in actions), (function, actions)
        if statement["Resource"] == "*":
            assert set(actions) <= set(RESOURCELESS_ACTIONS), (function, actions)
        else:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                text = json.dumps(resource)
                if _objects_of_a_bucket(resource):
                    continue  # the objects under one key prefix of one of the stack's buckets
                assert "*" not in text, (function, text)


def _objects_of_a_bucket(resource: Any) -> bool:
    """``{"Fn::Sub": "arn:${AWS::Partition}:s3:::desk-${Stage}-inbound-mail/mail/*"}``: the objects
    under one key prefix of one of the stack's buckets."""
    text = resource.get("Fn::Sub") if isinstance(resource, dict) else None
    return isinstance(text, str) and any(
        text.startswith(f"arn:${{AWS::Partition}}:s3:::{name}/") and text.endswith("/*") and text.count("*") == 1
        and len(text) > len(f"arn:${{AWS::Partition}}:s3:::{name}//*") for name in BUCKETS.values()
    )


def test_every_grant_names_a_resource_of_the_stack() -> None:
    resources = merge_template("prod")["Resources"]
    for function, grants in ACCESS.items():
        for key in grants:
            base = key.partition("/")[0]
            assert base in resources or base in ("Secrets", "EmailIdentity"), (function, key)


def test_the_sweep_is_refused_what_it_does_not_need() -> None:
    granted = _granted(ACCESS["SlaSweep"])
    assert ("TicketsTable", "dynamodb:Scan") not in granted
    assert not any(key.startswith("ExamplesTable") for key, _ in granted)


def test_each_event_source_reads_the_stacks_own_stream_or_queue_with_its_poll_grants() -> None:
    """Lambda's mappings point at the stack's events stream and notice queue by reference, and
    each function's role holds what Lambda calls to poll them, on that resource alone."""
    resources = merge_template("prod")["Resources"]
    rollups = resources["ApplyEventsToRollups"]["Properties"]["Events"]["ApplyEventsToRollupsDynamodbEventSource"]
    stream = {"Fn::GetAtt": ["EventsTable", "StreamArn"]}
    assert rollups["Properties"]["Stream"] == stream
    notices = resources["DeliverNotices"]["Properties"]["Events"]["DeliverNoticesSqsEventSource"]
    assert notices["Properties"]["Queue"] == {"Fn::Sub": "${NoticesQueue.Arn}"}
    queue = {"Fn::GetAtt": ["NoticesQueue", "Arn"]}  # the policy's name for the same ARN
    for function, resource, needed in (
        ("ApplyEventsToRollups", stream, {"dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                          "dynamodb:DescribeStream", "dynamodb:ListStreams"}),
        ("DeliverNotices", queue, {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}),
    ):
        statements = [(s["Action"], _listed(s["Resource"])) for f, s in _statements() if f == function]
        on_it = {a for actions, listed in statements if resource in listed for a in actions}
        assert needed <= on_it, (function, needed - on_it)
        elsewhere = {a for actions, listed in statements for a in actions if listed != [resource]}
        assert not elsewhere & {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "sqs:ReceiveMessage"}


def _listed(resource: Any) -> list[Any]:
    return resource if isinstance(resource, list) else [resource]


def test_the_api_tour_requests_every_route_of_the_app(client: Any, clock: FakeClock) -> None:
    """The API's grants are what its tour calls (it is strict), so the tour must reach every route."""
    from app import app
    from tests.integration.tours import API_VISITED

    API_VISITED.clear()
    api_tour(client, clock)
    routes = {(method, path) for path, methods in app.routes.items() for method in methods if method != "OPTIONS"}
    assert routes - API_VISITED == set()
