"""Table definitions derived from the PynamoDB models: local creation and the infra template.

``infra/tables.json`` (CloudFormation) is written from :func:`cloudformation_template` by
``python -m chalicelib.storage.tables > infra/tables.json``; ``tests/integration/test_infra.py``
fails when the committed template and the models disagree on a key, type or index.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from pynamodb.models import Model

from chalicelib.config import Settings
from chalicelib.storage.models import (
    ALL_MODELS,
    ChangeSlotModel,
    ClaimModel,
    ConfigModel,
    CounterModel,
    EventModel,
    ExampleModel,
    OutboxModel,
    ProblemCandidateModel,
    RollupModel,
    SearchTermModel,
    TicketModel,
    bind_models,
)

#: Logical names of the tables in the template, and the settings field holding each name.
LOGICAL = {
    TicketModel: ("TicketsTable", "tickets"),
    EventModel: ("EventsTable", "events"),
    CounterModel: ("CountersTable", "counters"),
    ConfigModel: ("ConfigTable", "config"),
    ClaimModel: ("ClaimsTable", "claims"),
    OutboxModel: ("OutboxTable", "outbox"),
    ExampleModel: ("ExamplesTable", "examples"),
    ChangeSlotModel: ("ChangeSlotsTable", "change_slots"),
    SearchTermModel: ("SearchTermsTable", "search_terms"),
    ProblemCandidateModel: ("ProblemCandidatesTable", "problem_candidates"),
    RollupModel: ("RollupsTable", "rollups"),
}

#: Tables with a DynamoDB stream: the events feed the reports' rollups
#: (``app.apply_events_to_rollups``).
STREAMS: dict[type[Model], dict[str, Any]] = {
    EventModel: {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
}

#: Tables whose items expire: the counters' rate-limit windows (``chalicelib.storage.rate_counters``).
TTL_ATTRIBUTES = {"CountersTable": "expires"}

#: Powertools' idempotency table (its default attribute names).
IDEMPOTENCY_SPEC: dict[str, Any] = {
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [],
}


def _hash_first(keys: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A key schema in CloudFormation's order: the partition key first."""
    out = [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in keys]
    return sorted(out, key=lambda k: k["KeyType"] != "HASH")


def model_spec(model: type[Model]) -> dict[str, Any]:
    """Keys, attribute types and indexes of a model, in CloudFormation's words, sorted."""
    schema = model._get_schema()
    gsis = [
        {
            "IndexName": gsi["index_name"],
            "KeySchema": _hash_first(gsi["key_schema"]),
            "Projection": {"ProjectionType": gsi["projection"]["ProjectionType"]},
        }
        for gsi in schema.get("global_secondary_indexes", [])
    ]
    return {
        "KeySchema": _hash_first(schema["key_schema"]),
        "AttributeDefinitions": sorted(
            ({"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
             for a in schema["attribute_definitions"]),
            key=lambda a: a["AttributeName"],
        ),
        "GlobalSecondaryIndexes": sorted(gsis, key=lambda g: g["IndexName"]),
    }


def cloudformation_template() -> dict[str, Any]:
    """The tables of one stage as a CloudFormation template (parameter ``Stage``)."""
    resources: dict[str, Any] = {}
    for model in ALL_MODELS:
        logical, suffix = LOGICAL[model]
        spec = model_spec(model)
        props: dict[str, Any] = {
            "TableName": {"Fn::Sub": f"desk-${{Stage}}-{suffix.replace('_', '-')}"},
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "KeySchema": spec["KeySchema"],
            "AttributeDefinitions": spec["AttributeDefinitions"],
        }
        if spec["GlobalSecondaryIndexes"]:
            props["GlobalSecondaryIndexes"] = spec["GlobalSecondaryIndexes"]
        if model in STREAMS:
            props["StreamSpecification"] = {"StreamViewType": STREAMS[model]["StreamViewType"]}
        if logical in TTL_ATTRIBUTES:
            props["TimeToLiveSpecification"] = {"AttributeName": TTL_ATTRIBUTES[logical], "Enabled": True}
        resources[logical] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": props,
        }
    resources["IdempotencyTable"] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "TableName": {"Fn::Sub": "desk-${Stage}-idempotency"},
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": IDEMPOTENCY_SPEC["KeySchema"],
            "AttributeDefinitions": IDEMPOTENCY_SPEC["AttributeDefinitions"],
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
        },
    }
    resources.update(messaging_resources())
    from chalicelib.storage.attachments import bucket_resource

    resources.update(bucket_resource())
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Service desk tables, queues, topics and attachments bucket for one stage",
        "Parameters": {"Stage": {"Type": "String", "AllowedValues": ["dev", "staging", "prod"]}},
        "Resources": resources,
        "Outputs": {
            **{name: {"Value": {"Ref": name}} for name in sorted(resources)},
            # the reports' stream handler's event source (EVENTS_STREAM_ARN)
            "EventsStreamArn": {"Value": {"Fn::GetAtt": ["EventsTable", "StreamArn"]}},
        },
    }


def messaging_resources() -> dict[str, Any]:
    """The notice queue (with its dead-letter queue) and the operations alerts topic."""
    return {
        "NoticesDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "desk-${Stage}-notices-dlq"},
                "MessageRetentionPeriod": 1209600,
            },
        },
        "NoticesQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "desk-${Stage}-notices"},
                "VisibilityTimeout": 120,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["NoticesDeadLetterQueue", "Arn"]},
                    "maxReceiveCount": MAX_DELIVERY_ATTEMPTS,
                },
            },
        },
        "AlertsTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Fn::Sub": "desk-${Stage}-alerts"}},
        },
    }


#: Deliveries tried per notice before SQS moves it to the dead-letter queue.
MAX_DELIVERY_ATTEMPTS = 5


def create_messaging(settings: Settings, sqs_client: Any, sns_client: Any) -> dict[str, str]:
    """Create the notice queues and the alerts topic where missing (local server); returns
    ``{"NOTICES_QUEUE_URL": ..., "NOTICES_DLQ_URL": ..., "ALERTS_TOPIC_ARN": ...}``."""
    prefix = f"desk-{settings.stage}"
    dlq_url = sqs_client.create_queue(QueueName=f"{prefix}-notices-dlq")["QueueUrl"]
    dlq_arn = sqs_client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_DELIVERY_ATTEMPTS)})
    queue_url = sqs_client.create_queue(
        QueueName=f"{prefix}-notices", Attributes={"VisibilityTimeout": "30", "RedrivePolicy": redrive}
    )["QueueUrl"]
    topic_arn = sns_client.create_topic(Name=f"{prefix}-alerts")["TopicArn"]
    return {"NOTICES_QUEUE_URL": queue_url, "NOTICES_DLQ_URL": dlq_url, "ALERTS_TOPIC_ARN": topic_arn}


def create_event_bus(settings: Settings, events_client: Any) -> str:
    """Create the stage's event bus where missing (local server, tests); returns its name."""
    name = settings.event_bus_name
    existing = {bus["Name"] for bus in events_client.list_event_buses(NamePrefix=name).get("EventBuses", [])}
    if name not in existing:
        events_client.create_event_bus(Name=name)
    return name


def create_model_table(model: type[Model], dynamodb_client: Any, existing: set[str]) -> bool:
    """Create ``model``'s table (on-demand billing, its indexes) unless its name is in ``existing``."""
    name = model.Meta.table_name
    if name in existing:
        return False
    spec = model_spec(model)
    kwargs: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": spec["KeySchema"],
        "AttributeDefinitions": spec["AttributeDefinitions"],
    }
    if spec["GlobalSecondaryIndexes"]:
        kwargs["GlobalSecondaryIndexes"] = spec["GlobalSecondaryIndexes"]
    if model in STREAMS:
        kwargs["StreamSpecification"] = STREAMS[model]
    dynamodb_client.create_table(**kwargs)
    return True


def stage_tables(settings: Settings) -> dict[str, str]:
    """Every table of the stage by its short name (``tickets``, ``events``... ``idempotency``):
    what a backup holds (``chalicelib.services.backup``)."""
    bind_models(settings)
    tables = {LOGICAL[model][1]: str(model.Meta.table_name) for model in ALL_MODELS}
    tables["idempotency"] = settings.idempotency_table
    return tables


def create_tables(settings: Settings, dynamodb_client: Any) -> list[str]:
    """Create this stage's tables where missing (local server and tests); returns the names."""
    bind_models(settings)
    existing = set(dynamodb_client.list_tables().get("TableNames", []))
    created = []
    for model in ALL_MODELS:
        if create_model_table(model, dynamodb_client, existing):
            created.append(model.Meta.table_name)
    if settings.idempotency_table not in existing:
        dynamodb_client.create_table(
            TableName=settings.idempotency_table,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=IDEMPOTENCY_SPEC["KeySchema"],
            AttributeDefinitions=IDEMPOTENCY_SPEC["AttributeDefinitions"],
        )
        created.append(settings.idempotency_table)
    return created


if __name__ == "__main__":
    json.dump(cloudformation_template(), sys.stdout, indent=2)
    sys.stdout.write("\n")
