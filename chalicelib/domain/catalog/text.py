"""Folding text and finding terms in it, in English and German (the catalog and the intake rules).

* Text and terms are *folded*: case-folded, German umlauts spelled out (``ä`` -> ``ae``, ``ß`` ->
  ``ss``), other accents removed. A second folding drops umlauts to their base letter (``ä`` ->
  ``a``); a term matches when it matches under either folding, so ``Gerät``, ``Geraet`` and ``Gerat``
  all match the keyword ``gerät``.
* Terms match whole words, in order (``remote access`` needs both words next to each other).
  A term word of at least :data:`COMPOUND_MIN_LENGTH` characters also matches inside a longer word,
  for German compounds and inflections: ``drucker`` matches ``Druckerproblem`` and ``Druckers``.
* Patterns are regular expressions searched in the original text and in its folded form, in their
  first :data:`~chalicelib.domain.validation.PATTERN_TEXT_LIMIT` characters.
"""

from __future__ import annotations

import re
import unicodedata

from chalicelib.domain.validation import PATTERN_TEXT_LIMIT

#: Term words at least this long also match inside longer words (German compounds).
COMPOUND_MIN_LENGTH = 5

_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_TOKEN = re.compile(r"[^\W_]+")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-folded text with umlauts spelled out (``ä`` -> ``ae``) and other accents removed."""
    return _strip_accents(unicodedata.normalize("NFC", text).casefold().translate(_SPELLED))


def fold_plain(text: str) -> str:
    """Case-folded text with umlauts reduced to their base letter (``ä`` -> ``a``), accents removed."""
    return _strip_accents(unicodedata.normalize("NFC", text).casefold().translate(_PLAIN))


def _word_matches(term_word: str, text_word: str) -> bool:
    return term_word == text_word or (len(term_word) >= COMPOUND_MIN_LENGTH and term_word in text_word)


class FoldedText:
    """A text prepared once for many term look-ups (see the module rules)."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.folded = fold(text)
        self._variants = (_TOKEN.findall(self.folded), _TOKEN.findall(fold_plain(text)))
        self._sets = tuple(frozenset(tokens) for tokens in self._variants)

    def contains(self, term: str) -> bool:
        """Whether ``term`` (a keyword or phrase) occurs under either folding."""
        for folding, tokens, token_set in zip((fold, fold_plain), self._variants, self._sets):
            wanted = _TOKEN.findall(folding(term))
            if not wanted:
                continue
            if len(wanted) == 1:
                word = wanted[0]
                if word in token_set or (
                    len(word) >= COMPOUND_MIN_LENGTH and any(word in token for token in token_set)
                ):
                    return True
                continue
            last = len(tokens) - len(wanted)
            for start in range(last + 1):
                if all(_word_matches(w, tokens[start + i]) for i, w in enumerate(wanted)):
                    return True
        return False

    def search(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` is found in the start of the original text or of its folded form."""
        return (
            pattern.search(self.raw, 0, PATTERN_TEXT_LIMIT) is not None
            or pattern.search(self.folded, 0, PATTERN_TEXT_LIMIT) is not None
        )


def has_words(term: str) -> bool:
    """Whether ``term`` folds to at least one word, so that it can match anything at all."""
    return _TOKEN.search(fold(term)) is not None
