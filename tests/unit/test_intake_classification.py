"""Classification at intake: requester, catalog, rules, learned models, defaults and triage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.domain.catalog.defaults import default_catalog, default_groups
from chalicelib.domain.catalog.documents import Service, load_catalog
from chalicelib.domain.classification import Classification
from chalicelib.domain.classifier import Model, Prediction, train
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.intake import (
    ClassificationRule,
    TextModel,
    classify,
    labelled_example,
    load_rules,
)

THRESHOLD = 0.6
GROUPS = frozenset(g["name"] for g in default_groups())

INCIDENT_TEXTS = [
    "server outage everything down", "system down cannot work outage", "the portal is broken error 500",
    "crash when opening the app, outage", "Ausfall des Servers, nichts geht", "Störung im Netz, alles down",
    "application crashed again error", "outage of the archive service", "the website is down",
    "Fehler beim Start, Absturz",
]
REQUEST_TEXTS = [
    "please create a new account for our intern", "request access to the shared folder",
    "need a new laptop for onboarding", "bitte neuen Zugang einrichten", "request software installation of matlab",
    "I would like to order a monitor", "Antrag auf neue Software", "please add me to the distribution list",
    "request a new phone", "onboard me please new employee",
]


@pytest.fixture(scope="module")
def type_model() -> Model:
    """A tiny type model trained on 40 in-memory examples."""
    texts = INCIDENT_TEXTS * 2 + REQUEST_TEXTS * 2
    labels = ["incident"] * 20 + ["service_request"] * 20
    return train(texts, labels, version="type-test-1")


@pytest.fixture(scope="module")
def catalog() -> list[Service]:
    return load_catalog(default_catalog())


@dataclass(frozen=True)
class FixedModel:
    """A model that always predicts the same label."""

    label: str
    confidence: float
    model_version: str = "stub-1"
    explanation: str = "words: 'stub' (+1.00)"

    def predict(self, text: str) -> Prediction:
        return Prediction(self.label, self.confidence, self.explanation)


def run(catalog: list[Service], text: str, **overrides: Any) -> Classification:
    args: dict[str, Any] = {
        "text": text,
        "requested_type": "incident",
        "requested_service": None,
        "impact": "high",
        "urgency": "low",
        "catalog": catalog,
        "models": {},
        "rules": [],
        "threshold": THRESHOLD,
        "groups": GROUPS,
    }
    args.update(overrides)
    return classify(**args)


def rule(**doc: Any) -> ClassificationRule:
    return ClassificationRule.from_dict(doc)


# -- process (ticket type) ---------------------------------------------------------------------


def test_the_trained_model_satisfies_the_model_protocol(type_model: Model) -> None:
    model: TextModel = type_model
    assert model.predict("total outage, everything down").label == "incident"


def test_requester_type_is_kept_when_the_model_agrees(catalog: list[Service], type_model: Model) -> None:
    result = run(catalog, "total outage of the VPN, everything down", models={"type": type_model})
    assert result.process.value == "incident"
    assert result.process.source == "requester"
    assert result.process.suggested is None
    assert result.needs_triage is False


def test_confident_type_disagreement_is_flagged(catalog: list[Service], type_model: Model) -> None:
    result = run(catalog, "VPN outage, everything down", requested_type="service_request",
                 models={"type": type_model})
    assert result.process.value == "service_request"  # the requester's choice is kept
    assert result.process.suggested == "incident"
    assert result.process.model_version == "type-test-1"
    assert result.needs_triage is True
    reason = result.triage_reasons[0]
    assert reason.startswith("requester chose service_request, model says incident (0.")
    assert "'outage'" in reason
    # The service and its group are certain, so the ticket still reaches its group.
    assert result.auto_route is True
    assert result.group.value == "network"


def test_unconfident_type_disagreement_is_not_flagged(catalog: list[Service]) -> None:
    result = run(catalog, "VPN question", requested_type="service_request",
                 models={"type": FixedModel("incident", 0.55)})
    assert result.needs_triage is False
    assert result.process.suggested is None


def test_a_rule_disputes_the_type_before_the_model(catalog: list[Service]) -> None:
    outage = rule(name="outage-words", keywords=["outage", "ausfall"], set={"type": "incident"}, version=3)
    result = run(catalog, "Ausfall: VPN", requested_type="change_request", rules=[outage],
                 models={"type": FixedModel("change_request", 0.99)})
    assert result.process.value == "change_request"
    assert result.process.suggested == "incident"
    assert result.triage_reasons[0] == (
        "requester chose change_request, rule says incident "
        "(rule 'outage-words' v3: keyword 'ausfall' sets type incident)"
    )
    assert result.rules_fired == (("outage-words", 3),)


def test_unknown_requested_type_is_a_validation_error(catalog: list[Service]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        run(catalog, "x", requested_type="question", impact="huge")
    assert {e["field"] for e in exc.value.errors} == {"type", "impact"}


# -- service and group ------------------------------------------------------------------------


def test_catalog_match_gives_service_and_owning_group(catalog: list[Service]) -> None:
    result = run(catalog, "Druckerproblem im zweiten Stock", models={"service": FixedModel("vpn", 0.99)})
    assert result.service.value == "printing"
    assert result.service.source == "rule"
    assert result.service.explanation == "rule: keyword 'drucker' of service printing"
    assert result.group.value == "end-user-computing"
    assert result.group.source == "catalog"
    assert result.auto_route is True
    assert result.needs_triage is False


def test_requested_service_wins_over_rules_and_model(catalog: list[Service]) -> None:
    result = run(catalog, "printer jammed", requested_service="database",
                 models={"service": FixedModel("vpn", 0.99)})
    assert (result.service.value, result.service.source) == ("database", "requester")
    assert result.group.value == "database"


def test_confident_model_fills_in_the_service(catalog: list[Service]) -> None:
    result = run(catalog, "cannot reach the intranet from the hotel",
                 models={"service": FixedModel("vpn", 0.83, "svc-7")})
    assert result.service.value == "vpn"
    assert result.service.source == "model"
    assert result.service.model_version == "svc-7"
    assert result.group.value == "network"
    assert result.group.source == "catalog"
    assert result.auto_route is True


def test_low_confidence_goes_to_triage_without_auto_routing(catalog: list[Service]) -> None:
    result = run(catalog, "something is odd with the intranet",
                 models={"service": FixedModel("vpn", 0.31), "group": FixedModel("network", 0.42)})
    assert result.service.value is None
    assert result.service.suggested == "vpn"
    assert result.group.value == "service-desk"
    assert result.group.source == "default"
    assert result.group.suggested == "network"
    assert result.needs_triage is True
    assert result.auto_route is False
    assert any(r.startswith("service: model stub-1: vpn (0.31") for r in result.triage_reasons)
    assert any("below the threshold 0.60" in r for r in result.triage_reasons)


def test_an_ambiguous_catalog_match_is_triaged(catalog: list[Service]) -> None:
    # "spectrograph" is a keyword of both bundle services: a tie halves the confidence.
    result = run(catalog, "spectrograph problem")
    assert result.service.value is None
    assert result.service.suggested == "spectrograph-archive"
    assert result.needs_triage and not result.auto_route


def test_nothing_known_goes_to_the_service_desk(catalog: list[Service]) -> None:
    result = run(catalog, "Something odd happened yesterday")
    assert result.service.value is None
    assert result.group.value == "service-desk"
    assert result.group.source == "default"
    assert result.needs_triage and not result.auto_route
    assert result.triage_reasons == ("group: no service or group identified; service-desk triages",)


def test_rule_beats_model_for_the_group(catalog: list[Service]) -> None:
    security = rule(name="breach", pattern=r"(?i)\bbreach", set={"group": "security", "urgency": "high"})
    result = run(catalog, "possible breach of the intranet", rules=[security], urgency=None,
                 models={"group": FixedModel("network", 0.97), "urgency": FixedModel("low", 0.97)})
    assert (result.group.value, result.group.source) == ("security", "rule")
    assert (result.urgency.value, result.urgency.source) == ("high", "rule")
    assert "pattern" in result.group.explanation
    assert result.auto_route is True


def test_service_owner_comes_before_a_group_rule(catalog: list[Service]) -> None:
    security = rule(name="any-vpn", keywords=["vpn"], set={"group": "security"})
    result = run(catalog, "VPN down", rules=[security])
    assert result.group.value == "network"


def test_rule_sets_a_service_when_the_catalog_is_silent(catalog: list[Service]) -> None:
    telescope = rule(name="telescope-data", keywords=["teleskop", "telescope"], set={"service": "spectrograph-archive"})
    result = run(catalog, "Teleskopdaten fehlen seit gestern", rules=[telescope],
                 models={"service": FixedModel("email", 0.99)})
    assert (result.service.value, result.service.source) == ("spectrograph-archive", "rule")
    assert result.group.value == "spectrograph-ops"


def test_predictions_naming_unknown_groups_are_ignored(catalog: list[Service]) -> None:
    result = run(catalog, "weird thing", models={"group": FixedModel("astronomy", 0.99)})
    assert result.group.value == "service-desk"
    assert result.notes == ("group: model stub-1 predicted unknown group 'astronomy'; ignored",)


def test_requested_unknown_service_is_out_of_catalog(catalog: list[Service]) -> None:
    result = run(catalog, "please set up a quantum computer", requested_service="quantum-lab",
                 models={"service": FixedModel("cloud", 0.99)})
    assert result.out_of_catalog is True
    assert result.requested_service == "quantum-lab"
    assert result.service.value is None
    assert result.service.suggested == "quantum-lab"
    assert result.needs_triage is True
    assert result.auto_route is False
    assert result.triage_reasons[0].startswith("out of catalog: requester asked for 'quantum-lab'")


# -- impact and urgency -----------------------------------------------------------------------


def test_requester_levels_are_kept(catalog: list[Service]) -> None:
    high = rule(name="vip", keywords=["ceo"], set={"impact": "low"})
    result = run(catalog, "CEO laptop broken", rules=[high], models={"impact": FixedModel("medium", 0.99)})
    assert (result.impact.value, result.impact.source) == ("high", "requester")
    assert (result.urgency.value, result.urgency.source) == ("low", "requester")
    assert result.defaulted == ()


def test_missing_impact_is_defaulted_and_flagged(catalog: list[Service]) -> None:
    result = run(catalog, "Something odd happened", impact=None)
    assert (result.impact.value, result.impact.source) == ("medium", "default")
    assert result.impact_defaulted is True
    assert result.urgency_defaulted is False
    assert result.defaulted == ("impact", "group")
    assert "business need" in result.impact.explanation
    assert result.to_dict()["defaulted"] == ["impact", "group"]


def test_missing_impact_takes_the_service_default_and_is_flagged(catalog: list[Service]) -> None:
    result = run(catalog, "Phishing mail received, I clicked the link", impact=None)
    assert result.service.value == "security-incident"
    assert (result.impact.value, result.impact.source) == ("high", "catalog")
    assert result.impact_defaulted is True
    assert result.defaulted == ("impact",)
    assert "default impact high of service security-incident" in result.impact.explanation
    # A defaulted level alone does not stop routing: the Service Manager reviews it.
    assert result.needs_triage is False
    assert result.auto_route is True


def test_missing_levels_come_from_a_confident_model(catalog: list[Service]) -> None:
    result = run(catalog, "VPN down", impact=None, urgency=None,
                 models={"impact": FixedModel("high", 0.9, "imp-2"), "urgency": FixedModel("high", 0.4)})
    assert (result.impact.value, result.impact.source, result.impact.model_version) == ("high", "model", "imp-2")
    assert (result.urgency.value, result.urgency.source, result.urgency.suggested) == ("medium", "default", "high")
    assert result.defaulted == ("urgency",)


# -- rules and results ------------------------------------------------------------------------


def test_rule_validation_names_every_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        ClassificationRule.from_dict({"name": "Bad Name", "pattern": "(", "keywords": ["ok", 3],
                                      "set": {"type": "question", "colour": "red", "urgency": "now"},
                                      "version": 0, "when": "always"})
    assert {e["field"] for e in exc.value.errors} == {
        "name", "pattern", "keywords[1]", "set.type", "set.colour", "set.urgency", "version", "when",
    }
    with pytest.raises(ValidationFailed) as exc:
        ClassificationRule.from_dict({"name": "empty", "set": {}})
    assert {e["field"] for e in exc.value.errors} == {"pattern", "set"}


def test_rule_document_round_trips() -> None:
    doc = {"name": "outage", "keywords": ["outage"], "pattern": r"(?i)\bdown\b", "set": {"type": "incident"},
           "version": 2}
    parsed = ClassificationRule.from_dict(doc)
    assert parsed.to_dict() == doc
    assert ClassificationRule.from_dict(parsed.to_dict()) == parsed


def test_load_rules_checks_references(catalog: list[Service]) -> None:
    docs = [
        {"name": "a", "keywords": ["x"], "set": {"service": "teleport"}},
        {"name": "a", "keywords": ["y"], "set": {"type": "incident"}},
        {"name": "b", "keywords": ["z"], "set": {"group": "astronomy"}},
        {"name": "c", "keywords": ["z"], "set": {"service": "vpn", "group": "network"}},
    ]
    with pytest.raises(ValidationFailed) as exc:
        load_rules(docs, catalog=catalog, groups=GROUPS)
    assert {e["field"] for e in exc.value.errors} == {"rules[0].set.service", "rules[1].name", "rules[2].set.group"}
    assert len(load_rules(docs[3:], catalog=catalog, groups=GROUPS)) == 1


def test_classification_is_json_for_the_ticket_and_its_event(catalog: list[Service], type_model: Model) -> None:
    result = run(catalog, "Kennwort vergessen, alles down", requested_type="service_request", impact=None,
                 models={"type": type_model})
    doc = json.loads(json.dumps(result.to_dict()))
    assert set(doc) >= {"process", "service", "impact", "urgency", "group", "needs_triage", "triage_reasons",
                        "auto_route", "out_of_catalog", "defaulted", "rules_fired", "threshold"}
    assert doc["service"]["value"] == "accounts"
    assert doc["group"]["value"] == "identity-access"
    assert result.values() == {"type": "service_request", "service": "accounts", "group": "identity-access",
                               "impact": "medium", "urgency": "low"}


# -- labelled examples ------------------------------------------------------------------------


def test_labelled_example_from_a_correction() -> None:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    example = labelled_example("VPN drops every hour", {"type": "incident", "service": "vpn", "group": "network"},
                               at=at)
    assert example == {
        "text": "VPN drops every hour",
        "type": "incident",
        "service": "vpn",
        "group": "network",
        "impact": None,
        "urgency": None,
        "source": "correction",
        "at": "2026-11-23T09:00:00+00:00",
    }
    closed = labelled_example("x", {"type": "problem"}, at=datetime(2026, 1, 1, tzinfo=UTC), source="closed")
    assert closed["source"] == "closed"


def test_labelled_example_validation() -> None:
    with pytest.raises(ValidationFailed) as exc:
        labelled_example(" ", {"type": "oops", "impact": "huge", "service": "No Such", "colour": "red"},
                         at=datetime(2026, 1, 1), source="guess")
    assert {e["field"] for e in exc.value.errors} == {"text", "type", "impact", "service", "colour", "source", "at"}
