"""infra/ must declare exactly the keys, attribute types and indexes the PynamoDB models use."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.storage.models import ALL_MODELS
from chalicelib.storage.tables import IDEMPOTENCY_SPEC, LOGICAL, model_spec

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "tables.json"


def _declared(logical: str) -> dict[str, object]:
    props = json.loads(TEMPLATE.read_text())["Resources"][logical]["Properties"]
    return {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(props.get("GlobalSecondaryIndexes", []), key=lambda g: g["IndexName"]),
    }


def test_every_model_matches_its_table_in_infra() -> None:
    for model in ALL_MODELS:
        logical, _ = LOGICAL[model]
        assert _declared(logical) == model_spec(model), f"{logical} differs from {model.__name__}"


def test_examples_table_matches_its_model() -> None:
    from chalicelib.storage.models import ExampleModel

    assert ExampleModel in ALL_MODELS
    assert _declared("ExamplesTable") == model_spec(ExampleModel)


def test_idempotency_table_matches_powertools_defaults() -> None:
    declared = _declared("IdempotencyTable")
    assert declared == IDEMPOTENCY_SPEC
    props = json.loads(TEMPLATE.read_text())["Resources"]["IdempotencyTable"]["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_a_changed_index_would_be_caught() -> None:
    from chalicelib.storage.models import TicketModel

    spec = model_spec(TicketModel)
    spec["GlobalSecondaryIndexes"] = spec["GlobalSecondaryIndexes"][1:]
    assert _declared("TicketsTable") != spec
