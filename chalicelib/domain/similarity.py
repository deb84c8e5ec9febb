"""How alike two tickets' texts are, in English and German and across the two; explainably. Pure, no I/O.

One component serves known-error matching at intake (``GET /known-errors``), the knowledge base and
the problem candidates: a text becomes a set of weighted **features**:

* each word, folded as the catalog folds it (``chalicelib.domain.catalog.text.fold``: case,
  umlauts, accents), minus stop words of either language, and lightly stemmed (``drops`` ->
  ``drop``, ``Verbindungen`` -> ``verbindung``);
* a word of the bilingual :data:`GLOSSARY` (``drucker`` and ``printer``, ``bricht`` and ``drops``)
  becomes its concept, so a German text meets an English one; a long German compound counts the
  glossary words it starts or ends with (``Druckerwarteschlange`` -> printer, queue);
* a word that is one of a catalog service's terms (its keywords and aliases, English and German)
  also gives the weaker feature ``service:<name>``: the catalog's bilingual terms are a bridge too.

:func:`compare` scores two texts (``cosine``: how alike they are; ``coverage``: how much of the
second the first shows) and says which words matched (``drops ~ bricht``), so every match can be
explained. The thresholds live with their uses (``KNOWN_ERROR_MIN``, ``GROUP_MIN``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.catalog.text import fold

_TOKEN = re.compile(r"[^\W_]+")

STOP_WORDS = frozenset(
    """
    a an and or the is are was were be been being to of in on at for with my our your its it this that
    these those i we you he she they me us them his her their not no but from by as have has had do
    does did can could will would should since after before every all any some there here when while
    about again still also very just now please hi hello thanks thank regards dear team since today
    yesterday morning afternoon anyone someone something get got getting keeps keep more than so
    der die das den dem des ein eine einen einem einer eines und oder ist sind war waren sein zu
    zum zur von vom im in am an auf fuer fur mit mein meine meinen meinem unser unsere ich wir sie er
    es nicht kein keine keinen aber aus bei als habe hat haben hatte tun kann koennen konnen wird
    werden wurde seit nach vor alle allen jede jeden jedes bitte hallo danke gruss gruesse mfg auch
    noch schon sehr nur jetzt immer mehr mal heute gestern morgens man uns ihr ihre dass da wie was
    wenn dann so etwas jemand bei beim ueber uber ab los mehrmals
    """.split()  # noqa: SIM905 (a word list reads best as text)
)

#: Bilingual concepts: each line's words (English and German, folded) are one concept, named by
#: its first word. Matching is on concepts, so ``Drucker`` meets ``printer``.
GLOSSARY: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split())
    for line in """
    printer drucker printers
    print drucken druck ausdruck printing druckt prints printed gedruckt
    scan scanner scannen
    jam stau papierstau jammed
    paper papier
    queue warteschlange
    password passwort kennwort passwords
    account konto benutzerkonto accounts
    login anmeldung anmelden einloggen logon signin log
    locked gesperrt lockout
    expired abgelaufen expire expiry ablauf
    certificate zertifikat cert certificates
    connection verbindung connect verbinden connected connecting
    disconnect drop drops dropping dropped disconnects disconnected abbrechen bricht abgebrochen getrennt
    disconnect trennt unterbrochen abbruch
    network netzwerk netz
    wifi wlan wireless
    slow langsam slowly
    error fehler fehlermeldung errors
    crash absturz abgestuerzt stuerzt crashes crashed abstuerzen
    freeze haengt einfrieren frozen freezes haengen
    fail fehlgeschlagen failed fails failing failure
    email mail mails emails
    mailbox postfach
    calendar kalender
    send senden versenden sending gesendet sent
    receive empfangen receiving received
    screen bildschirm monitor display
    keyboard tastatur
    mouse maus
    battery akku
    laptop notebook
    invoice rechnung invoices rechnungen
    report bericht reports berichte
    payroll gehaltsabrechnung lohn gehalt
    vacation urlaub leave
    database datenbank
    backup sicherung
    restore wiederherstellen wiederherstellung
    file datei files dateien
    folder ordner
    share freigabe shared
    drive laufwerk
    access zugriff zugang
    permission berechtigung berechtigungen permissions
    update aktualisierung updates aktualisieren
    install installieren installation installed
    meeting besprechung
    room raum
    projector beamer
    sound audio ton
    microphone mikrofon mic
    camera kamera webcam
    phone telefon
    minute minuten minutes
    few paar einige several
    floor stock etage stockwerk
    tray fach papierfach
    second zweiten zweite
    stuck haengen feststecken steckt
    outbox postausgang
    inbox posteingang
    empty leer
    toner
    vpn
    anyconnect
    picture bild image bilder
    show zeigt zeigen shows
    hour stunde stunden hours
    timeout zeitueberschreitung
    page seite
    website webseite
    open oeffnen oeffnet opens
    start starten startet starts
    work funktioniert funktionieren works working
    new neu neuer neue
    request anfrage antrag
    reset zuruecksetzen ruecksetzen resetting
    forgot vergessen forgotten
    unlock entsperren
    """.strip().splitlines()
)


def _stem(word: str) -> str:
    """A light stem for either language: plural and inflection endings off a longer word."""
    for suffix in ("ungen", "ing", "en", "er", "ed", "es", "s", "e", "n"):
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _plain(word: str) -> str:
    """A folded word with spelled-out umlauts reduced (``passwoerter`` -> ``passworter``), for the
    plurals that add one (``Passwort``, ``Passwörter``)."""
    return word.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _build_concepts() -> dict[str, str]:
    concepts: dict[str, str] = {}
    for line in GLOSSARY:
        for word in line:
            concepts.setdefault(fold(word), line[0])
            concepts.setdefault(_stem(fold(word)), line[0])
    return concepts


_CONCEPTS = _build_concepts()
#: Glossary words long enough to be found at either end of a German compound.
_COMPOUND_PARTS = sorted((w for w in _CONCEPTS if len(w) >= 5), key=len, reverse=True)
#: Compounds are looked into only from this length on.
COMPOUND_MIN = 9

#: The weight of a word or concept, and of a service's term.
WORD = 1.0
SERVICE_TERM = 0.5


@dataclass(frozen=True)
class ServiceTerms:
    """The catalog's terms: each folded, stemmed single word -> the service it names."""

    words: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, services: Iterable[tuple[str, Sequence[str]]]) -> ServiceTerms:
        """From (service name, its keywords and aliases)."""
        words: dict[str, str] = {}
        for name, terms in services:
            for term in terms:
                tokens = _TOKEN.findall(fold(term))
                if len(tokens) == 1 and tokens[0] not in STOP_WORDS:
                    words.setdefault(_stem(tokens[0]), name)
        return cls(words)


NO_TERMS = ServiceTerms()


@dataclass(frozen=True)
class Features:
    """A text as weighted features, each remembering the first word that gave it."""

    weights: Mapping[str, float]
    words: Mapping[str, str]

    @property
    def total(self) -> float:
        return sum(self.weights.values())


def features(text: str, terms: ServiceTerms = NO_TERMS) -> Features:
    """The features of ``text`` (see the module docstring)."""
    weights: dict[str, float] = {}
    words: dict[str, str] = {}

    def add(feature: str, weight: float, word: str) -> None:
        if weights.get(feature, 0.0) < weight:
            weights[feature] = weight
        words.setdefault(feature, word)

    for token in _TOKEN.findall(fold(text)):
        if token in STOP_WORDS or len(token) < 2 or token.isdigit():
            continue
        stem = _stem(token)
        service = terms.words.get(stem) or terms.words.get(token)
        plain = _stem(_plain(token))
        concept = _CONCEPTS.get(token) or _CONCEPTS.get(stem) or _CONCEPTS.get(plain)
        if concept is None and len(token) >= COMPOUND_MIN:
            parts = [p for p in _COMPOUND_PARTS if token.startswith(p) or token.endswith(p)]
            for part in parts[:2]:
                add(_CONCEPTS[part], WORD, token)
            if parts:
                concept = ""
        if concept:
            add(concept, WORD, token)
        elif concept is None:
            add(stem, WORD, token)
        if service is not None:
            add(f"service:{service}", SERVICE_TERM, token)
    return Features(weights, words)


@dataclass(frozen=True)
class Similarity:
    """How alike two texts are: ``cosine`` (0-1, symmetric), ``coverage`` (how much of the second
    text's weight the first shows), and the words that matched (``"bricht ~ drops"``)."""

    cosine: float
    coverage: float
    matched: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"cosine": round(self.cosine, 3), "coverage": round(self.coverage, 3), "matched": list(self.matched)}


def compare(first: Features, second: Features) -> Similarity:
    shared = [f for f in first.weights if f in second.weights]
    weight = sum(min(first.weights[f], second.weights[f]) for f in shared)
    if not shared or first.total == 0 or second.total == 0:
        return Similarity(0.0, 0.0, ())
    cosine = weight / math.sqrt(first.total * second.total)
    coverage = weight / second.total
    matched = []
    for feature in sorted(shared, key=lambda f: (-second.weights[f], f)):
        if feature.startswith("service:"):
            continue
        a, b = first.words[feature], second.words[feature]
        matched.append(a if a == b else f"{a} ~ {b}")
    return Similarity(min(cosine, 1.0), min(coverage, 1.0), tuple(matched))


def match_score(query: Features, target: Features) -> Similarity:
    """How well a ticket (``query``) matches a known error or an article (``target``): mostly
    how much of the target the ticket shows, partly how alike they are overall."""
    found = compare(query, target)
    score = 0.4 * found.cosine + 0.6 * found.coverage
    return Similarity(score, found.coverage, found.matched)


#: A known error (or article) is offered from this match score on.
KNOWN_ERROR_MIN = 0.4
#: Two incidents look alike from this cosine on (and on the same service).
GROUP_MIN = 0.45
