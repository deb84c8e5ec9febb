"""Impact and urgency from the requester's own words, in English and German. Pure.

"VPN is down for the whole office since 9am", sent without an impact or urgency, states its scope:
the whole office. Such words set the level a requester left out, before any model or service
default; a level the requester chose still wins (see :func:`chalicelib.domain.intake.classify`).

Each cue is a phrase (a regular expression over folded text: case-folded, umlauts spelled out,
``ä`` -> ``ae``, ``ß`` -> ``ss``; whole words) that sets one field to one level. Negated and
modest phrases ("not urgent", "only me", "keine Eile") are looked for first and blank out the words
they matched, so "not urgent" never reads as "urgent". When cues of one field disagree the highest
level wins. The matched words go into the classification's explanation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.catalog.text import fold

#: The confidence of a level read from the requester's words: an explicit statement, not a guess,
#: but below a level the requester chose.
WORDS_CONFIDENCE = 0.9

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WOCHENTAGE = "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"

#: ``(field, level, phrases)``, the modest and negated ones first (see the module docstring).
CUES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "urgency",
        "low",
        (
            r"not (?:really )?urgent", r"no rush", r"no hurry", r"when(?:ever)? you (?:have|get) (?:the )?time",
            r"low priority", r"(?:it )?can wait", r"not critical",
            r"nicht (?:so )?dringend", r"keine eile", r"eilt nicht", r"hat zeit", r"bei gelegenheit",
            r"wenn (?:ihr|du|sie) zeit (?:habt|hast|haben)",
        ),
    ),
    (
        "impact",
        "low",
        (
            r"only (?:affects )?me", r"just me", r"only (?:on )?my (?:laptop|computer|pc|machine|account)",
            r"nobody else", r"nur (?:bei )?mir", r"nur mich", r"nur mein(?:en|em)? (?:laptop|rechner|pc|konto)",
            r"sonst (?:niemand|keiner)",
        ),
    ),
    (
        "impact",
        "high",
        (
            r"(?:whole|entire) (?:office|company|department|team|floor|site|building|branch|plant)",
            r"every ?(?:one|body)", r"all (?:the )?(?:users|staff|employees|colleagues|customers|agents|sites)",
            r"company[- ]wide", r"(?:no ?one|nobody) (?:can|is able to)", r"production (?:is )?down",
            r"(?:ganze|ganzen|gesamte|gesamten|komplette|kompletten) (?:abteilung|firma|team|standort|etage|buero)",
            r"(?:ganzes|gesamtes|komplettes) (?:buero|team|stockwerk|werk|gebaeude)",
            r"alle (?:benutzer|nutzer|mitarbeiter|mitarbeitenden|kollegen|kunden|standorte)",
            r"(?:niemand|keiner) kann", r"firmenweit", r"produktion (?:steht|ist down|ist ausgefallen)",
        ),
    ),
    (
        "urgency",
        "high",
        (
            r"urgent(?:ly)?", r"asap", r"as soon as possible", r"immediately", r"right (?:now|away)",
            r"emergency", r"critical", r"(?:by|before) (?:today|tonight|tomorrow|end of (?:the )?day|eod)",
            rf"(?:by|before) (?:{_WEEKDAYS})(?:s)?(?: \w+)?", r"(?:before|by) the audit", r"deadline",
            r"sofort", r"dringend", r"umgehend", r"so schnell wie moeglich", r"schnellstmoeglich",
            r"eilt", r"notfall", r"kritisch", r"bis (?:heute|morgen|spaetestens)",
            rf"bis (?:zum )?(?:{_WOCHENTAGE})", r"vor dem audit", r"frist",
        ),
    ),
)

_LEVEL_RANK = {"low": 0, "medium": 1, "high": 2}
_COMPILED = tuple(
    (name, level, re.compile(r"\b(?:" + "|".join(phrases) + r")\b")) for name, level, phrases in CUES
)


@dataclass(frozen=True)
class WordsLevel:
    """A level read from the requester's words: the field, the level and the words that said so."""

    field: str
    level: str
    words: tuple[str, ...]

    @property
    def explanation(self) -> str:
        quoted = ", ".join(f"'{w}'" for w in self.words)
        return f"requester's words {quoted} set {self.field} {self.level}"


def levels_in(text: str) -> dict[str, WordsLevel]:
    """The impact and urgency the requester's words state, per field (a field no cue matched is
    left out)."""
    folded = " ".join(fold(text).split())
    found: dict[str, WordsLevel] = {}
    for name, level, pattern in _COMPILED:
        matched = tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(folded)))
        if not matched:
            continue
        folded = pattern.sub(lambda m: " " * len(m.group(0)), folded)
        current = found.get(name)
        if current is None or _LEVEL_RANK[level] > _LEVEL_RANK[current.level]:
            found[name] = WordsLevel(name, level, matched)
    return found
