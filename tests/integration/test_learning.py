"""The learning loop on moto: chunked model storage, examples, retraining, the model cache, installs."""

from __future__ import annotations

import argparse
import json
import random
import string
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.catalog.defaults import default_catalog, default_groups
from chalicelib.domain.catalog.documents import load_catalog
from chalicelib.domain.classifier import Model, dumps_model, loads_model, train
from chalicelib.domain.intake import classify, labelled_example
from chalicelib.services.learning import FIELDS, Learning, ModelCache, holdout, install_model
from chalicelib.storage.learning_store import CHUNK_BYTES, DynamoExampleStore, DynamoModelStore
from chalicelib.storage.models import ExampleModel

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

INCIDENT = ["server outage everything down", "system down cannot work", "portal broken error 500",
            "app crashed again error", "Ausfall des Servers", "website is down outage"]
REQUEST = ["please create a new account", "request access to shared folder", "need a new laptop",
           "bitte neuen Zugang einrichten", "order a monitor please", "request software installation"]


def small_model(version: str | None = None) -> Model:
    texts = INCIDENT * 3 + REQUEST * 3
    labels = ["incident"] * 18 + ["service_request"] * 18
    return train(texts, labels, version=version, trained_at="2026-03-01T00:00:00+00:00")


def large_model_bytes(target: int = 700_000) -> tuple[Model, bytes]:
    """A valid model padded with random features until its artefact exceeds ``target`` bytes."""
    base = small_model("big-1")
    rng = random.Random(7)
    rows = dict(base.rows)
    data = b""
    while len(data) <= target:
        for _ in range(20_000):
            feat = "w:" + "".join(rng.choices(string.ascii_lowercase, k=12))
            rows[feat] = (round(rng.uniform(1, 5), 3), ((0, rng.randint(-900, 900) / 1000),
                                                        (1, rng.randint(-900, 900) / 1000)))
        model = replace(base, rows=rows)
        data = dumps_model(model)
    return model, data


@pytest.fixture
def stores(aws: None) -> Iterator[tuple[DynamoExampleStore, DynamoModelStore]]:
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import create_tables

    settings = get_settings()
    # create_tables (the aws fixture) made it with every other table; creating again is a no-op.
    assert settings.examples_table in client("dynamodb").list_tables()["TableNames"]
    assert create_tables(settings, client("dynamodb")) == []
    yield DynamoExampleStore(settings), DynamoModelStore(settings, clock=lambda: NOW)


def example(i: int, text: str, **labels: str | None) -> dict[str, Any]:
    return {"ticket": f"INC{i:07d}", "text": text, "labels": labels, "source": "closed",
            "at": NOW + timedelta(minutes=i)}


# -- models ---------------------------------------------------------------------------------


def test_large_model_round_trips_through_chunks(stores: tuple[DynamoExampleStore, DynamoModelStore]) -> None:
    _, models = stores
    model, data = large_model_bytes()
    assert len(data) > 400 * 1024
    version = models.save("type", data, model_version=model.model_version, trained_at=model.trained_at,
                          examples=36, labels=list(model.labels))
    manifest = models.latest_manifest("type")
    assert manifest is not None
    assert version == manifest["version"] == 1
    assert manifest["chunks"] == -(-len(data) // CHUNK_BYTES) >= 3
    assert manifest["size"] == len(data) and manifest["model_version"] == "big-1"
    loaded = models.load("type")
    assert loaded == data
    assert loads_model(loaded).rows == model.rows


def test_versions_increase_and_older_versions_stay_loadable(
    stores: tuple[DynamoExampleStore, DynamoModelStore],
) -> None:
    _, models = stores
    first, second = dumps_model(small_model("m-1")), dumps_model(small_model("m-2"))
    assert models.save("group", first, model_version="m-1", trained_at=None, examples=36, labels=["a", "b"]) == 1
    assert models.save("group", second, model_version="m-2", trained_at=None, examples=36, labels=["a", "b"]) == 2
    assert models.load("group") == second
    assert models.load("group", 1) == first
    assert models.load("group", 3) is None
    assert models.load("service") is None and models.latest_manifest("service") is None
    assert [(m["field"], m["version"], m["model_version"]) for m in models.manifests()] == [("group", 2, "m-2")]
    with pytest.raises(ValueError, match="unknown model field"):
        models.save("colour", first, model_version="x", trained_at=None, examples=1, labels=[])


def test_manifest_is_written_after_its_chunks(
    stores: tuple[DynamoExampleStore, DynamoModelStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.storage import learning_store

    _, models = stores
    monkeypatch.setattr(learning_store, "CHUNK_BYTES", 500)  # several chunks from a small model
    data = dumps_model(small_model("m-1"))
    order: list[str] = []
    real_put = DynamoModelStore._put

    def recording_put(self: DynamoModelStore, kind: str, name: str, *args: Any) -> bool:
        order.append(f"{kind}:{name}")
        return real_put(self, kind, name, *args)

    monkeypatch.setattr(DynamoModelStore, "_put", recording_put)
    models.save("impact", data, model_version="m-1", trained_at=None, examples=36, labels=["a"])
    chunks = -(-len(data) // 500)
    assert chunks > 1
    assert order == [f"model_chunk:impact:1:{i}" for i in range(chunks)] + ["model:impact"]
    assert models.load("impact") == data


def test_a_taken_version_is_skipped_and_damage_is_detected(
    stores: tuple[DynamoExampleStore, DynamoModelStore],
) -> None:
    from chalicelib.storage.models import ConfigModel

    _, models = stores
    data = dumps_model(small_model("m-1"))
    # A save that died after its first chunk left version 1 without a manifest.
    models._put("model_chunk", "urgency:1:0", 1, {"chunk": 0, "data": ""}, "system", NOW)
    assert models.save("urgency", data, model_version="m-1", trained_at=None, examples=36, labels=["a"]) == 2
    assert models.load("urgency") == data
    ConfigModel.get("model_chunk#urgency:2:0", 1).delete()
    with pytest.raises(ValueError, match="damaged"):
        models.load("urgency")


# -- examples -------------------------------------------------------------------------------


def test_examples_are_idempotent_and_oldest_first(stores: tuple[DynamoExampleStore, DynamoModelStore]) -> None:
    examples, _ = stores
    later = example(5, "VPN drops", type="incident", group="network")
    earlier = example(1, "new laptop", type="service_request")
    examples.add(later)
    examples.add(later)
    examples.add(earlier)
    flat = labelled_example("VPN drops", {"type": "incident"}, at=NOW + timedelta(minutes=5), source="correction")
    examples.add({**flat, "ticket": "INC0000005"})  # same ticket and instant, other source: its own example
    stored = list(examples.all())
    assert [(e["ticket"], e["source"]) for e in stored] == [
        ("INC0000001", "closed"), ("INC0000005", "closed"), ("INC0000005", "correction"),
    ]
    assert stored[1]["labels"] == {"type": "incident", "service": None, "group": "network",
                                   "impact": None, "urgency": None}
    assert stored[0]["at"] == (NOW + timedelta(minutes=1)).isoformat()
    assert [e["ticket"] for e in examples.all(limit=2)] == ["INC0000005", "INC0000005"]
    assert ExampleModel.count("tickets") == 3
    with pytest.raises(ValueError, match="source"):
        examples.add({**later, "source": "guess"})
    with pytest.raises(ValueError, match="timezone-aware"):
        examples.add({**later, "at": datetime(2026, 1, 1)})


# -- retraining -----------------------------------------------------------------------------


def seed_examples(examples: DynamoExampleStore, count: int) -> None:
    for i in range(count):
        incident = i % 2 == 0
        text = (INCIDENT if incident else REQUEST)[i % 6] + f" case {i % 7}"
        examples.add(example(
            i, text,
            type="incident" if incident else "service_request",
            group="network" if incident else "service-desk",
            impact="high" if i < 10 else None,  # sparse
            urgency="medium",  # one label only
        ))


def test_retrain_trains_fields_with_data_and_skips_the_rest(
    stores: tuple[DynamoExampleStore, DynamoModelStore],
) -> None:
    examples, models = stores
    seed_examples(examples, 40)
    learning = Learning(examples, models, lambda: NOW, min_examples=20)
    report = learning.retrain()
    assert set(report) == set(FIELDS)
    assert report["type"]["version"] == 1 and report["type"]["examples"] == 40
    assert report["type"]["labels"] == ["incident", "service_request"]
    assert report["group"]["version"] == 1
    assert "accuracy" not in report["type"]  # under 200 examples: not scored
    assert report["service"] == {"version": None, "model_version": None, "examples": 0, "labels": [],
                                 "skipped": "0 labelled examples, at least 20 needed"}
    assert "10 labelled examples" in report["impact"]["skipped"]
    assert "2 distinct labels" in report["urgency"]["skipped"]
    manifest = models.latest_manifest("type")
    assert manifest is not None
    assert manifest["model_version"] == report["type"]["model_version"]
    assert manifest["trained_at"] == NOW.isoformat() and manifest["examples"] == 40

    again = Learning(examples, models, lambda: NOW, min_examples=20).retrain()
    assert again["type"]["model_version"] == report["type"]["model_version"]  # deterministic
    assert again["type"]["version"] == 2


def test_retrain_scores_a_held_out_tenth(stores: tuple[DynamoExampleStore, DynamoModelStore]) -> None:
    examples, models = stores
    seed_examples(examples, 200)
    report = Learning(examples, models, lambda: NOW).retrain()
    assert report["type"]["held_out"] == 20 and report["type"]["trained_on"] == 180
    assert 0.0 <= report["type"]["macro_f1"] <= 1.0 and report["type"]["accuracy"] >= 0.8
    manifest = models.latest_manifest("type")
    assert manifest is not None and manifest["evaluation"]["held_out"] == 20
    assert holdout([f"k{i}" for i in range(200)]) == holdout([f"k{i}" for i in range(200)])


def test_predictions_record_the_stored_model_version(stores: tuple[DynamoExampleStore, DynamoModelStore]) -> None:
    examples, models = stores
    seed_examples(examples, 40)
    report = Learning(examples, models, lambda: NOW).retrain()
    current = ModelCache(models).current()
    assert set(current) == {"type", "group"}
    result = classify(
        text="server outage everything down", requested_type="service_request", requested_service=None,
        impact="high", urgency="low", catalog=load_catalog(default_catalog()), models=current, rules=[],
        threshold=0.0, groups=frozenset(g["name"] for g in default_groups()),
    )
    # The model disputes the requester's type; the ticket records which model version said so.
    assert result.process.suggested == "incident"
    assert result.process.model_version == report["type"]["model_version"]
    assert result.to_dict()["process"]["model_version"] == report["type"]["model_version"]


# -- model cache ----------------------------------------------------------------------------


class CountingStore:
    def __init__(self, inner: DynamoModelStore) -> None:
        self.inner = inner
        self.loads: list[tuple[str, int | None]] = []

    def save(self, *args: Any, **kwargs: Any) -> int:
        return self.inner.save(*args, **kwargs)

    def latest_manifest(self, field: str) -> dict[str, Any] | None:
        return self.inner.latest_manifest(field)

    def load(self, field: str, version: int | None = None) -> bytes | None:
        self.loads.append((field, version))
        return self.inner.load(field, version)


def test_model_cache_reloads_only_changed_versions(stores: tuple[DynamoExampleStore, DynamoModelStore]) -> None:
    _, models = stores
    store = CountingStore(models)
    now = [0.0]
    cache = ModelCache(store, ttl_seconds=300, clock=lambda: now[0])
    assert cache.current() == {}
    store.save("type", dumps_model(small_model("t-1")), model_version="t-1", trained_at=None, examples=36,
               labels=["incident", "service_request"])
    assert cache.current() == {}  # within the TTL: not looked at
    now[0] = 301.0
    assert cache.current()["type"].model_version == "t-1"
    now[0] = 700.0
    assert cache.current()["type"].model_version == "t-1"
    assert store.loads == [("type", 1)]  # the unchanged version was not loaded again
    store.save("type", dumps_model(small_model("t-2")), model_version="t-2", trained_at=None, examples=36,
               labels=["incident", "service_request"])
    now[0] = 1001.0
    assert cache.current()["type"].model_version == "t-2"
    assert store.loads == [("type", 1), ("type", 2)]
    assert cache.versions() == {"type": 2}


def test_a_corrupt_model_is_skipped_not_raised(stores: tuple[DynamoExampleStore, DynamoModelStore]) -> None:
    _, models = stores
    store = CountingStore(models)
    now = [0.0]
    cache = ModelCache(store, ttl_seconds=10, clock=lambda: now[0])
    store.save("group", b"not a model at all", model_version="bad", trained_at=None, examples=0, labels=[])
    assert cache.current() == {}
    store.save("type", dumps_model(small_model("t-1")), model_version="t-1", trained_at=None, examples=36,
               labels=["incident", "service_request"])
    store.save("type", b"\x1f\x8b damaged", model_version="t-2", trained_at=None, examples=0, labels=[])
    now[0] = 20.0
    assert cache.current() == {}  # the latest type model is damaged and there was none before
    now[0] = 40.0
    cache.current()
    assert store.loads.count(("group", 1)) == 1 and store.loads.count(("type", 2)) == 1  # not retried


# -- installing a model ---------------------------------------------------------------------


def test_install_model_good_and_bad_files(stores: tuple[DynamoExampleStore, DynamoModelStore], tmp_path: Path) -> None:
    _, models = stores
    good = tmp_path / "type.model"
    model = small_model("export-1")
    good.write_bytes(dumps_model(model))
    assert install_model(models, "type", good) == 1
    assert install_model(models, "type", str(good)) == 2
    manifest = models.latest_manifest("type")
    assert manifest is not None
    assert manifest["model_version"] == "export-1" and manifest["examples"] == 36
    assert manifest["created_by"] == "install"
    assert ModelCache(models).current()["type"].model_version == "export-1"

    bad = tmp_path / "notes.txt"
    bad.write_text("field,value\n")
    with pytest.raises(ValueError, match="is not a model made by 'desk classifier train'"):
        install_model(models, "type", bad)
    with pytest.raises(ValueError, match="cannot read"):
        install_model(models, "type", tmp_path / "missing.model")
    with pytest.raises(ValueError, match="unknown field"):
        install_model(models, "colour", good)
    assert models.latest_manifest("type")["version"] == 2  # type: ignore[index]


def test_cli_install_and_retrain(
    stores: tuple[DynamoExampleStore, DynamoModelStore], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.classifier_cli import add_classifier_commands
    from chalicelib.learning_cli import add_learning_commands, classifier_subparsers

    parser = argparse.ArgumentParser(prog="desk")
    desk = parser.add_subparsers(dest="command", required=True)
    add_classifier_commands(desk)
    add_learning_commands(classifier_subparsers(desk))
    assert "install" in parser.format_help() or "install" in desk.choices["classifier"].format_help()

    good = tmp_path / "type.model"
    good.write_bytes(dumps_model(small_model("export-1")))
    args = parser.parse_args(["classifier", "install", "--model", str(good), "--field", "type"])
    assert args.handler(args) == 0
    assert capsys.readouterr().out.strip() == "1"

    bad = tmp_path / "bad.model"
    bad.write_bytes(b"nope")
    args = parser.parse_args(["classifier", "install", "--model", str(bad), "--field", "type"])
    assert args.handler(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("desk classifier install: ") and "\n" not in err

    examples, _ = stores
    seed_examples(examples, 30)
    args = parser.parse_args(["classifier", "retrain"])
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["type"]["version"] == 2 and "skipped" in report["service"]
