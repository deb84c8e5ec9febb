"""The one text-similarity component on a fixed set of real-looking tickets, English and German:
near-duplicates always look alike (across the languages too), unrelated tickets never do."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.domain.catalog.defaults import default_catalog
from chalicelib.domain.similarity import (
    GROUP_MIN,
    KNOWN_ERROR_MIN,
    ServiceTerms,
    compare,
    features,
    match_score,
)

TERMS = ServiceTerms.of((s["name"], [*s["keywords"], *s["aliases"]]) for s in default_catalog())

#: Topics, each with near-duplicate tickets as people write them (English, German, mixed).
TOPICS: dict[str, list[str]] = {
    "vpn-drops": [
        "VPN drops every few minutes. AnyConnect disconnects and I have to log in again",
        "VPN bricht alle paar Minuten ab, AnyConnect trennt die Verbindung",
        "AnyConnect VPN keeps dropping the connection every few minutes",
    ],
    "printer-jam": [
        "Printer on the second floor has a paper jam in tray 2",
        "Drucker im zweiten Stock: Papierstau in Fach 2",
        "Paper jam again in the second floor printer, tray 2",
    ],
    "outlook-send": [
        "Outlook cannot send emails, they are stuck in the outbox",
        "E-Mails bleiben im Postausgang haengen, Outlook sendet nicht",
        "Emails stuck in Outlook outbox, sending fails",
    ],
    "password-expired": [
        "My password expired and now my account is locked",
        "Passwort abgelaufen, mein Konto ist gesperrt",
        "Account locked after the password expired this morning",
    ],
    "erp-invoice": [
        "SAP crashes when I open an invoice in the ERP",
        "SAP stuerzt beim Oeffnen einer Rechnung ab",
        "ERP crash when opening invoices in SAP",
    ],
    "projector": [
        "Projector in meeting room 3 shows no picture over HDMI",
        "Beamer im Besprechungsraum 3 zeigt kein Bild ueber HDMI",
    ],
    "database-backup": [
        "Nightly database backup failed for the PostgreSQL cluster",
        "Datenbank-Sicherung der PostgreSQL Datenbank fehlgeschlagen",
    ],
}


def _all() -> list[tuple[str, str]]:
    return [(topic, text) for topic, texts in TOPICS.items() for text in texts]


@pytest.mark.parametrize(
    ("first", "second"),
    [(a, b) for texts in TOPICS.values() for a, b in itertools.combinations(texts, 2)],
)
def test_near_duplicates_always_look_alike(first: str, second: str) -> None:
    found = compare(features(first, TERMS), features(second, TERMS))
    assert found.cosine >= GROUP_MIN, (first, second, found)
    assert found.matched


def test_no_two_unrelated_tickets_look_alike() -> None:
    for (topic_a, a), (topic_b, b) in itertools.combinations(_all(), 2):
        if topic_a == topic_b:
            continue
        found = compare(features(a, TERMS), features(b, TERMS))
        assert found.cosine < GROUP_MIN, (a, b, found)


def test_a_german_incident_finds_the_english_known_error_and_says_which_words_matched() -> None:
    known = features("VPN sessions drop every few minutes; vpn drops; anyconnect disconnects", TERMS)
    incident = features("VPN bricht alle paar Minuten ab", TERMS)
    found = match_score(incident, known)
    assert found.cosine >= KNOWN_ERROR_MIN
    assert "bricht ~ drop" in found.matched and "vpn" in found.matched
    unrelated = match_score(features("Drucker druckt nicht", TERMS), known)
    assert unrelated.cosine < KNOWN_ERROR_MIN and unrelated.matched == ()


def test_folding_stemming_and_compounds() -> None:
    words = features("Die Druckerwarteschlange hängt, Geräte-Übersicht", TERMS).weights
    assert {"printer", "queue", "freeze"} <= set(words)
    assert features("Passwörter", TERMS).weights.keys() >= {"password"}
    assert features("", TERMS).total == 0
    assert compare(features("", TERMS), features("vpn", TERMS)).cosine == 0
