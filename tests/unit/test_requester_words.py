"""Impact and urgency from the requester's words: a table of English and German phrases, and their
place in intake (before models and service defaults, after the requester's own choice)."""

from __future__ import annotations

import pytest

from chalicelib.domain.catalog.defaults import default_catalog, default_groups
from chalicelib.domain.catalog.documents import Service, load_catalog
from chalicelib.domain.classification import Classification
from chalicelib.domain.classifier import Prediction
from chalicelib.domain.intake import classify
from chalicelib.domain.requester_words import WORDS_CONFIDENCE, levels_in

#: (what the requester wrote, the impact its words state, the urgency they state); None: nothing stated.
PHRASES: list[tuple[str, str | None, str | None]] = [
    ("VPN is down for the whole office since 9am", "high", None),
    ("Outlook crashes for everyone on the 3rd floor", "high", None),
    ("All users get error 500 on the portal", "high", None),
    ("Production is down, line 4 stopped", "high", None),
    ("Nobody can log in to SAP", "high", None),
    ("no one can print in building B", "high", None),
    ("The entire department lost its network drive", "high", None),
    ("company-wide mail outage", "high", None),
    ("Everybody in sales sees the same error", "high", None),
    ("all staff are locked out of Workday", "high", None),
    ("the whole team cannot reach Jira", "high", None),
    ("Die ganze Abteilung kann nicht drucken", "high", None),
    ("Alle Benutzer bekommen eine Fehlermeldung", "high", None),
    ("Niemand kann sich am VPN anmelden", "high", None),
    ("Das ganze Büro ist ohne Netz", "high", None),
    ("Die Produktion steht seit heute Morgen", "high", None),
    ("alle Mitarbeiter am Standort Hamburg betroffen", "high", None),
    ("Firmenweit kein Zugriff auf SharePoint", "high", None),
    ("Die gesamte Firma ist betroffen", "high", None),
    ("keiner kann Mails senden", "high", None),
    ("It only affects me, my colleagues are fine", "low", None),
    ("just me, nobody else has it", "low", None),
    ("Betrifft nur mich", "low", None),
    ("Nur bei mir, sonst niemand", "low", None),
    ("Please fix this ASAP", None, "high"),
    ("urgent: payroll export fails", None, "high"),
    ("I need access immediately", None, "high"),
    ("We need it fixed by Friday's audit", None, "high"),
    ("needed before tomorrow", None, "high"),
    ("This is an emergency, the shop is offline", None, "high"),
    ("critical invoice run failing", None, "high"),
    ("Bitte sofort beheben", None, "high"),
    ("Dringend: Zugang zum Laufwerk fehlt", None, "high"),
    ("bitte umgehend prüfen", None, "high"),
    ("so schnell wie möglich bitte", None, "high"),
    ("wir brauchen das bis Freitag", None, "high"),
    ("Notfall im Lager, Scanner gehen nicht", None, "high"),
    ("Not urgent, whenever you have time", None, "low"),
    ("no rush, it can wait until next week", None, "low"),
    ("Nicht dringend, bei Gelegenheit", None, "low"),
    ("keine Eile, hat Zeit bis nächste Woche", None, "low"),
    ("low priority: new mouse please", None, "low"),
    ("The whole office has no VPN, please fix asap", "high", "high"),
    ("Alle Benutzer betroffen, bitte sofort", "high", "high"),
    ("only my laptop, not urgent", "low", "low"),
    ("Printer jams on page two", None, None),
    ("Bitte neuen Monitor bestellen", None, None),
    ("Every now and then the share is slow", None, None),
    ("the urgency field is confusing", None, None),
]


@pytest.mark.parametrize(("text", "impact", "urgency"), PHRASES)
def test_phrase_table(text: str, impact: str | None, urgency: str | None) -> None:
    found = levels_in(text)
    assert (found["impact"].level if "impact" in found else None) == impact
    assert (found["urgency"].level if "urgency" in found else None) == urgency


def test_the_table_has_forty_phrases_in_both_languages() -> None:
    stated = [p for p in PHRASES if p[1] or p[2]]
    assert len(stated) >= 40


def test_matched_words_are_kept_for_the_explanation() -> None:
    found = levels_in("VPN is down for the WHOLE office, please fix it ASAP")
    assert found["impact"].words == ("whole office",)
    assert found["urgency"].words == ("asap",)
    assert found["impact"].explanation == "requester's words 'whole office' set impact high"


def test_negation_is_not_read_as_urgency() -> None:
    assert levels_in("not urgent")["urgency"].level == "low"
    assert levels_in("eilt nicht")["urgency"].level == "low"


def test_the_higher_level_wins_when_words_disagree() -> None:
    assert levels_in("only me so far, but soon everyone")["impact"].level == "high"


# -- in intake -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> list[Service]:
    return load_catalog(default_catalog())


class Confident:
    model_version = "lvl-1"

    def __init__(self, label: str) -> None:
        self.label = label

    def predict(self, text: str) -> Prediction:
        return Prediction(self.label, 0.99, "words: 'vpn' (+1.00)")


def intake(catalog: list[Service], text: str, **overrides: object) -> Classification:
    args: dict[str, object] = {
        "text": text, "requested_type": "incident", "requested_service": None, "impact": None,
        "urgency": None, "catalog": catalog, "models": {}, "rules": [], "threshold": 0.6,
        "groups": frozenset(g["name"] for g in default_groups()),
    }
    args.update(overrides)
    return classify(**args)  # type: ignore[arg-type]


def test_words_set_levels_left_out_explainably(catalog: list[Service]) -> None:
    result = intake(catalog, "VPN is down for the whole office since 9am, please fix asap")
    assert (result.impact.value, result.impact.source, result.impact.confidence) == ("high", "words", WORDS_CONFIDENCE)
    assert "'whole office'" in result.impact.explanation
    assert (result.urgency.value, result.urgency.source) == ("high", "words")
    assert "'asap'" in result.urgency.explanation
    assert result.impact_defaulted is False and result.urgency_defaulted is False


def test_words_come_before_the_service_default_and_the_model(catalog: list[Service]) -> None:
    # Phishing maps to security-incident, whose default impact is high: the words say only me.
    result = intake(
        catalog, "Phishing mail received, I clicked the link; only affects me",
        models={"impact": Confident("medium"), "urgency": Confident("medium")},
    )
    assert result.service.value == "security-incident"
    assert (result.impact.value, result.impact.source) == ("low", "words")
    assert (result.urgency.value, result.urgency.source) == ("medium", "model")


def test_the_requester_choice_still_wins(catalog: list[Service]) -> None:
    result = intake(catalog, "Nobody can log in, fix it immediately", impact="low", urgency="medium")
    assert (result.impact.value, result.impact.source) == ("low", "requester")
    assert (result.urgency.value, result.urgency.source) == ("medium", "requester")
