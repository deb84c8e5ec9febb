"""Ticket search by words: which terms a ticket is found by, and which a query asks for. Pure, no I/O.

A ticket is indexed under the folded words (``chalicelib.domain.catalog.text``: case-folded,
umlauts spelled out and, a second time, reduced to their base letter; accents removed) of its
number, title and description, title first, without stop words, at most :data:`MAX_TERMS` of
them (the index is written in the ticket's own transaction, which holds at most 100 items).
A query's words each match the indexed terms they begin (``druck`` finds ``Druckerproblem``);
a ticket matches when every word of the query does. Each word is looked up under both of its
foldings (``Gerät`` as ``geraet`` and ``gerat``).

The index keys a term by its first :data:`PREFIX_LENGTH` characters, so one word is one Query of
one key (``storage/search.py``); a query word shorter than that is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.domain.catalog.text import fold, fold_plain
from chalicelib.domain.errors import ValidationFailed

#: The most terms one ticket is indexed under (title words first).
MAX_TERMS = 40
#: A term is keyed by its first characters; query words need at least this many.
PREFIX_LENGTH = 3
#: Terms longer than this are cut (a pasted hash or URL is not worth a longer key).
MAX_TERM_LENGTH = 40
#: The most words a query may hold.
MAX_QUERY_WORDS = 5

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")

#: Words too common to find anything by (English and German; shorter words are never terms).
STOP_WORDS = frozenset(
    {
        "and", "are", "been", "but", "can", "could", "does", "for", "from", "had", "has", "have", "into", "its", "not",
        "our", "please", "that", "the", "their", "them", "then", "there", "this", "was", "were", "what", "when",
        "which", "who", "will", "with", "would", "you", "your", "aber", "als", "auch", "auf", "aus", "bei", "bin",
        "bis", "bitte", "das", "dass", "dem", "den", "der", "des", "die", "doch", "ein", "eine", "einem", "einen",
        "einer", "fuer", "hat", "habe", "ich", "ihr", "ist", "kann", "mein", "meine", "mit", "nach", "nicht", "noch",
        "nur", "oder", "sich", "sie", "sind", "und", "uns", "von", "vor", "war", "wie", "wir", "wird", "zum", "zur",
    }
)


def _words(text: str) -> list[str]:
    """The folded words of ``text``, each under both foldings when they differ (``büro``:
    ``buero``, ``buro``); a hyphenated word also gives its parts (``vpn-client``, ``vpn``, ``client``)."""
    out: list[str] = []
    for word in _WORD.findall(text):
        for folded in dict.fromkeys((fold(word), fold_plain(word))):
            out.append(folded)
            if "-" in folded:
                out.extend(folded.split("-"))
    return out


def index_terms(number: str, title: str, description: str) -> tuple[str, ...]:
    """The terms a ticket is found by, in order of first appearance: its number, then the
    words of its title, then of its description (see the module rules)."""
    terms: list[str] = []
    seen: set[str] = set()
    for word in [fold(number), *_words(title), *_words(description)]:
        term = word[:MAX_TERM_LENGTH]
        if len(term) < PREFIX_LENGTH or term in STOP_WORDS or term in seen:
            continue
        seen.add(term)
        terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return tuple(terms)


@dataclass(frozen=True)
class SearchQuery:
    """A parsed ``q``: each word with the foldings it is looked up under (any may match)."""

    words: tuple[tuple[str, ...], ...]

    def matches(self, terms: tuple[str, ...] | frozenset[str]) -> bool:
        """Whether a ticket indexed under ``terms`` matches every word (by prefix)."""
        return all(any(term.startswith(v) for v in variants for term in terms) for variants in self.words)


def parse_query(q: str) -> SearchQuery:
    """The query of ``q``; a ``ValidationFailed`` on ``q`` when it asks for nothing searchable."""
    variants: list[tuple[str, ...]] = []
    for word in _WORD.findall(q):
        spelled = fold(word)[:MAX_TERM_LENGTH]
        if spelled in STOP_WORDS:
            continue
        if len(spelled) < PREFIX_LENGTH:
            raise ValidationFailed(
                [{"field": "q", "reason": f"{word!r} is too short: search words need {PREFIX_LENGTH} characters"}]
            )
        plain = fold_plain(word)[:MAX_TERM_LENGTH]
        entry = (spelled,) if plain == spelled or len(plain) < PREFIX_LENGTH else (spelled, plain)
        if entry not in variants:
            variants.append(entry)
    if not variants:
        raise ValidationFailed([{"field": "q", "reason": "give at least one word to search for"}])
    if len(variants) > MAX_QUERY_WORDS:
        raise ValidationFailed([{"field": "q", "reason": f"at most {MAX_QUERY_WORDS} words"}])
    return SearchQuery(tuple(variants))
