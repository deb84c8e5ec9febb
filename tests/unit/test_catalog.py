"""The service catalog, groups and agents: documents, defaults and matching text to a service."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.catalog.defaults import default_agents, default_catalog, default_groups
from chalicelib.domain.catalog.documents import Agent, Service, SupportGroup, load_catalog, load_directory
from chalicelib.domain.catalog.matching import match_service
from chalicelib.domain.catalog.text import has_words
from chalicelib.domain.errors import ValidationFailed


def service_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "vpn",
        "title": "Remote access VPN",
        "description": "VPN client and remote access.",
        "aliases": ["remote access", "fernzugriff"],
        "keywords": ["vpn", "anyconnect", "tunnel"],
        "patterns": [r"(?i)\bvpn\b"],
        "support_group": "network",
        "default_impact": "medium",
        "calendar": None,
        "sla_policy": None,
        "supported": True,
        "active": True,
        "version": 1,
    }
    doc.update(changes)
    return doc


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {error["field"] for error in exc.value.errors}


@pytest.fixture(scope="module")
def catalog() -> list[Service]:
    return load_catalog(default_catalog())


# -- documents --------------------------------------------------------------------------------


def test_service_round_trips_through_its_document() -> None:
    service = Service.from_dict(service_doc())
    assert service.to_dict() == service_doc()
    assert Service.from_dict(service.to_dict()) == service


def test_service_defaults_optional_fields() -> None:
    service = Service.from_dict({"name": "wiki", "title": "Wiki", "support_group": "service-desk"})
    assert service.supported is True
    assert service.default_impact == "medium"
    assert service.version == 1
    assert service.aliases == service.keywords == service.patterns == ()


def test_service_validation_lists_every_problem_with_its_field() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Service.from_dict(
            service_doc(
                name="Remote VPN",
                title="",
                keywords=["vpn", "tunnel", 7, "  "],
                patterns=[r"(?i)\bvpn\b", "(unclosed"],
                default_impact="huge",
                supported="yes",
                version=0,
                owner="nadia",
            )
        )
    assert fields_of(exc) == {
        "name",
        "title",
        "keywords[2]",
        "keywords[3]",
        "patterns[1]",
        "default_impact",
        "supported",
        "version",
        "owner",
    }
    reasons = {e["field"]: e["reason"] for e in exc.value.errors}
    assert "regular expression" in reasons["patterns[1]"]
    assert reasons["owner"] == "unknown field"


def test_service_requires_name_title_and_group() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Service.from_dict({})
    assert fields_of(exc) == {"name", "title", "support_group"}


def test_service_rejects_a_non_object() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Service.from_dict(["vpn"])  # type: ignore[arg-type]
    assert fields_of(exc) == {"service"}


def test_group_and_agent_validation_name_fields() -> None:
    with pytest.raises(ValidationFailed) as exc:
        SupportGroup.from_dict({"name": "network", "title": "Network", "lead": "", "tier": 3,
                                "escalation_group": "network"})
    assert fields_of(exc) == {"lead", "tier", "escalation_group"}

    with pytest.raises(ValidationFailed) as exc:
        Agent.from_dict({"name": "ann", "display_name": "Ann", "groups": [], "skills": ["VPN!"],
                         "active": "yes", "max_open": 0})
    assert fields_of(exc) == {"groups", "skills[0]", "active", "max_open"}


def test_agent_document_round_trips() -> None:
    doc = default_agents()[0]
    agent = Agent.from_dict(doc)
    assert agent.to_dict() == {**doc, "version": 1}
    assert SupportGroup.from_dict(default_groups()[0]).to_dict()["escalation_group"] == "service-desk-tier2"


def test_load_catalog_reports_items_by_index_and_duplicates() -> None:
    with pytest.raises(ValidationFailed) as exc:
        load_catalog([service_doc(), service_doc(), service_doc(name="mail", keywords=["ok", 3])])
    assert fields_of(exc) == {"services[1].name", "services[2].keywords[1]"}


def test_load_directory_checks_references() -> None:
    groups = [{"name": "network", "title": "Network", "lead": "nadia", "escalation_group": "tier-9"}]
    agents = [
        {"name": "nadia", "display_name": "Nadia", "groups": ["network", "ghosts"], "shift": "moon"},
    ]
    with pytest.raises(ValidationFailed) as exc:
        load_directory([service_doc(support_group="routing")], groups, agents)
    assert fields_of(exc) == {
        "services[0].support_group",
        "groups[0].escalation_group",
        "agents[0].groups[1]",
        "agents[0].shift",
    }


def test_a_group_without_an_active_agent_is_reported() -> None:
    groups = [{"name": "network", "title": "Network", "lead": "nadia"}]
    agents = [{"name": "nadia", "display_name": "Nadia", "groups": ["network"], "active": False}]
    with pytest.raises(ValidationFailed) as exc:
        load_directory([service_doc()], groups, agents)
    assert fields_of(exc) == {"groups[0]"}


# -- defaults ---------------------------------------------------------------------------------


def test_defaults_validate_together() -> None:
    directory = load_directory(default_catalog(), default_groups(), default_agents())
    assert len(directory.services) >= 12
    names = {s.name for s in directory.services}
    assert {"spectrograph-archive", "spectrograph-pipeline", "vpn", "printing", "accounts"} <= names
    for group in directory.groups:
        assert len(directory.members(group.name)) >= 2, group.name
        assert group.lead in {a.name for a in directory.members(group.name)}, group.name


def test_spectrograph_bundle_runs_24x7_under_its_own_policy() -> None:
    directory = load_directory(default_catalog(), default_groups(), default_agents())
    for name in ("spectrograph-archive", "spectrograph-pipeline"):
        service = directory.service(name)
        assert service is not None
        assert service.support_group == "spectrograph-ops"
        assert service.sla_policy == "incident-spectrograph-24x7"
        assert service.calendar == "24x7"
    assert any(a.shift == "24x7" for a in directory.members("spectrograph-ops"))


def test_every_default_service_has_german_terms(catalog: list[Service]) -> None:
    german = {"drucker", "passwort", "kennwort", "wlan", "rechnung", "datenbank", "postfach", "fernzugriff",
              "gerät", "zeiterfassung", "sicherheitsvorfall", "besprechungsraum", "beobachtungsarchiv",
              "verarbeitungspipeline", "virtuelle maschine"}
    for service in catalog:
        terms = {t.lower() for t in (*service.aliases, *service.keywords)}
        assert terms & german, service.name


# -- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My printer on floor 2 prints blank pages", "printing"),
        ("VPN keeps disconnecting from home", "vpn"),
        ("I forgot my password and I am locked out", "accounts"),
        ("Outlook cannot open my shared mailbox", "email"),
        ("Invoice stuck in SAP approval", "erp"),
        ("Kennwort vergessen, bitte zurücksetzen", "accounts"),
        ("WLAN im Besprechungsraum 3 geht nicht", "network"),
        ("Rechnung lässt sich nicht buchen", "erp"),
        ("Mein Laptop startet nicht mehr", "hardware"),
        ("Phishing-Mail erhalten, Link angeklickt", "security-incident"),
        ("Nightly spectrograph pipeline run failed", "spectrograph-pipeline"),
    ],
)
def test_english_and_german_texts_match_their_service(catalog: list[Service], text: str, expected: str) -> None:
    match = match_service(catalog, text, None)
    assert match.service == expected, match
    assert match.source == "rule"
    assert not match.out_of_catalog
    assert match.explanation.startswith("rule: ")


def test_german_compound_matches_a_long_keyword(catalog: list[Service]) -> None:
    match = match_service(catalog, "Druckerproblem im zweiten Stock", None)
    assert match.service == "printing"
    assert match.explanation == "rule: keyword 'drucker' of service printing"
    assert match.confidence == pytest.approx(0.8)


@pytest.mark.parametrize("text", ["Gerät defekt", "Geraet defekt", "Gerat defekt", "GERÄT DEFEKT"])
def test_umlaut_spellings_all_match(catalog: list[Service], text: str) -> None:
    match = match_service(catalog, text, None)
    assert match.service == "hardware"
    assert "keyword 'gerät'" in match.explanation


def test_accents_and_case_are_ignored() -> None:
    services = [Service.from_dict(service_doc(name="network", keywords=["réseau"], aliases=[], patterns=[]))]
    assert match_service(services, "Le RESEAU est en panne", None).service == "network"
    assert match_service(services, "le réseau", None).service == "network"


def test_short_keywords_match_whole_words_only() -> None:
    services = [Service.from_dict(service_doc(name="network", keywords=["lan", "vpn"], aliases=[], patterns=[]))]
    assert match_service(services, "our project plan is late", None).service is None
    assert match_service(services, "vpnclient update", None).service is None
    assert match_service(services, "LAN port dead", None).service == "network"


def test_phrases_need_their_words_together() -> None:
    services = [Service.from_dict(service_doc(keywords=[], patterns=[]))]
    assert match_service(services, "Remote-Access from the hotel fails", None).service == "vpn"
    assert match_service(services, "remote office has no access", None).service is None


def test_pattern_outweighs_a_keyword() -> None:
    services = [
        Service.from_dict(service_doc(name="alpha", keywords=["outage"], aliases=[], patterns=[])),
        Service.from_dict(service_doc(name="beta", keywords=[], aliases=[], patterns=[r"(?i)archive\s+down"])),
    ]
    match = match_service(services, "archive down, total outage", None)
    assert match.service == "beta"
    assert "pattern" in match.explanation
    assert match.candidates == (("beta", 3.0), ("alpha", 1.0))


def test_ties_are_broken_by_name_whatever_the_catalog_order() -> None:
    a = Service.from_dict(service_doc(name="zeta", keywords=["widget"], aliases=[], patterns=[]))
    b = Service.from_dict(service_doc(name="alpha", keywords=["widget"], aliases=[], patterns=[]))
    first = match_service([a, b], "the widget broke", None)
    second = match_service([b, a], "the widget broke", None)
    assert first == second
    assert first.service == "alpha"
    assert first.confidence == pytest.approx(0.4)  # a tie halves the keyword confidence


def test_requested_service_wins(catalog: list[Service]) -> None:
    match = match_service(catalog, "my printer is broken", "vpn")
    assert (match.service, match.source, match.out_of_catalog, match.confidence) == ("vpn", "requester", False, 1.0)


def test_requested_unknown_service_is_out_of_catalog_not_rejected(catalog: list[Service]) -> None:
    match = match_service(catalog, "please install a quantum computer", "Quantum-Computing")
    assert match.out_of_catalog is True
    assert match.service is None
    assert match.source == "requester"
    assert match.requested == "Quantum-Computing"
    assert "not in the service catalog" in match.explanation


def test_requested_unsupported_service_is_out_of_catalog() -> None:
    services = [Service.from_dict(service_doc(supported=False))]
    match = match_service(services, "", "vpn")
    assert match.out_of_catalog and match.service is None
    assert "does not support" in match.explanation


def test_text_about_an_unsupported_service_is_out_of_catalog() -> None:
    services = [Service.from_dict(service_doc(supported=False))]
    match = match_service(services, "vpn broken", None)
    assert match.out_of_catalog and match.service is None and match.source == "rule"
    assert match.requested == "vpn"


def test_no_match_is_not_out_of_catalog(catalog: list[Service]) -> None:
    match = match_service(catalog, "Something odd happened yesterday", None)
    assert match.service is None
    assert match.source == "none"
    assert match.out_of_catalog is False
    assert match.confidence == 0.0
    assert match.to_dict()["service"] is None


@pytest.mark.parametrize(("term", "expected"), [("vpn", True), ("Gerät", True), ("--", False), ("_", False)])
def test_a_term_has_words_when_its_folding_has_any(term: str, expected: bool) -> None:
    assert has_words(term) is expected
