"""Validating documents: one collector of problems and the field readers the documents share.

A document is validated whole. Every problem found is collected as ``{"field": path, "reason":
why}`` and :meth:`Problems.check` raises one :class:`~chalicelib.domain.errors.ValidationFailed`
naming them all, so whoever wrote the document fixes everything in one round.

Paths name the field as written: ``name``, ``keywords[2]``, ``steps[0].actions[1].page``. A nested
document reports through :meth:`Problems.at`, a view that prefixes its paths (``steps[0]`` and
``on`` give ``steps[0].on``); a document parsed on its own, raising its own ``ValidationFailed``, is
folded in under its place with :meth:`Problems.absorb`.

The readers take the raw value, its path and the collector. They report what is wrong and return
what they read, or a fallback (``None``, an empty tuple, the default) so validation goes on and
finds the next problem. Each reason reads after the field name: ``"version: must be an integer of
at least 1"``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from chalicelib.domain.errors import ValidationFailed

#: Service, group and agent ids: lowercase letters, digits and '-', starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Names of configuration documents (SLA policies, escalation rules): 1-100 characters.
DOCUMENT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
DOCUMENT_NAME_REASON = "must be 1-100 characters: letters, digits, '_', '-', '.'"
#: Longest regular expression a document may carry.
PATTERN_MAX_LENGTH = 500
#: How much of a ticket's text a document's pattern is run on (its start: the title, then the
#: description), so that no pattern costs more than a bounded search.
PATTERN_TEXT_LIMIT = 1_000

T = TypeVar("T")


class Named(Protocol):
    """A parsed document with a name (unique within its list)."""

    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=Named)


class Problems:
    """The problems found in one document, in the order found."""

    def __init__(self) -> None:
        self._errors: list[dict[str, str]] = []
        self._prefix = ""

    def at(self, prefix: str) -> Problems:
        """A view of the same problems whose paths start with ``prefix`` (a nested document)."""
        view = Problems()
        view._errors = self._errors
        view._prefix = _join(self._prefix, prefix)
        return view

    def fail(self, path: str, reason: str) -> None:
        """Record that the field at ``path`` is wrong, and why."""
        self._errors.append({"field": _join(self._prefix, path), "reason": reason})

    def absorb(self, exc: ValidationFailed, prefix: str) -> None:
        """Record every problem of a nested document's ``exc`` under ``prefix``."""
        for error in exc.errors:
            self.fail(_join(prefix, error["field"]), error["reason"])

    @property
    def errors(self) -> list[dict[str, str]]:
        return list(self._errors)

    def __len__(self) -> int:
        return len(self._errors)

    def check(self) -> None:
        """Raise ``ValidationFailed`` naming every problem, when there is any."""
        if self._errors:
            raise ValidationFailed(self.errors)


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path


def require_mapping(doc: object, what: str) -> Mapping[str, Any]:
    """``doc`` when it is an object; otherwise raise at once (there are no fields to look at)."""
    if not isinstance(doc, Mapping):
        raise ValidationFailed([{"field": what, "reason": "must be an object"}])
    return doc


def unknown_fields(
    doc: Mapping[Any, Any], known: Collection[str], problems: Problems, reason: str = "unknown field"
) -> None:
    """Report every key of ``doc`` outside ``known``, in sorted order."""
    for key in sorted(set(doc) - set(known), key=str):
        problems.fail(str(key), reason)


def name(
    value: object,
    path: str,
    problems: Problems,
    *,
    required: bool = True,
    pattern: re.Pattern[str] = NAME_PATTERN,
    missing: str = "is required",
    reason: str | None = None,
) -> str | None:
    """A name matching ``pattern``; ``None`` (reported as ``missing`` when ``required``) if absent.

    A wrong value is reported with ``reason``, by default naming the value and the rule of
    :data:`NAME_PATTERN`.
    """
    if value is None:
        if required:
            problems.fail(path, missing)
        return None
    if not isinstance(value, str) or not pattern.match(value):
        problems.fail(path, reason or f"{value!r} is not a name: use lowercase letters, digits and '-' (at most 63)")
        return None
    return value


def text(value: object, path: str, problems: Problems, *, required: bool, max_length: int = 200) -> str | None:
    """A string of at most ``max_length`` characters, not blank when ``required``; ``None`` if absent."""
    if value is None:
        if required:
            problems.fail(path, "is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        problems.fail(path, "must be a non-empty string")
        return None
    if len(value) > max_length:
        problems.fail(path, f"is longer than {max_length} characters")
        return None
    return value


def string(value: object, path: str, problems: Problems) -> str:
    """Any string, such as a description (pass the default for an omitted field); else ``""``."""
    if not isinstance(value, str):
        problems.fail(path, "must be a string")
        return ""
    return value


def choice(value: object, path: str, problems: Problems, choices: Collection[str]) -> str | None:
    """``value`` when it is one of ``choices``, else ``None`` after naming them."""
    if value not in choices:
        problems.fail(path, f"must be one of {', '.join(choices)}")
        return None
    return str(value)


def items(
    value: object,
    path: str,
    problems: Problems,
    read: Callable[[object, str], T | None],
    *,
    reason: str = "must be a list",
) -> list[T]:
    """The items of a list, each read by ``read(item, "path[i]")`` (``None`` drops it); omitted is empty."""
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        problems.fail(path, reason)
        return []
    out: list[T] = []
    for index, item in enumerate(value):
        got = read(item, f"{path}[{index}]")
        if got is not None:
            out.append(got)
    return out


def string_list(
    value: object,
    path: str,
    problems: Problems,
    *,
    max_length: int = 100,
    refuse: Callable[[str], str | None] | None = None,
) -> tuple[str, ...]:
    """Non-blank strings of at most ``max_length``; ``refuse`` returns a further reason to refuse one."""

    def read(item: object, item_path: str) -> str | None:
        if not isinstance(item, str) or not item.strip():
            problems.fail(item_path, "must be a non-empty string")
            return None
        if len(item) > max_length:
            problems.fail(item_path, f"is longer than {max_length} characters")
            return None
        refused = refuse(item) if refuse is not None else None
        if refused is not None:
            problems.fail(item_path, refused)
            return None
        return item

    return tuple(items(value, path, problems, read, reason="must be a list of strings"))


def name_list(value: object, path: str, problems: Problems) -> tuple[str, ...]:
    """Names (see :func:`name`), each kept once in first-seen order; omitted is empty."""
    names = items(
        value, path, problems, lambda item, item_path: name(item, item_path, problems), reason="must be a list of names"
    )
    return tuple(dict.fromkeys(names))


def flag(value: object, path: str, problems: Problems, default: bool) -> bool:
    """``true`` or ``false``; omitted (``None``) is ``default``."""
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.fail(path, "must be true or false")
        return default
    return value


def positive_int(
    value: object,
    path: str,
    problems: Problems,
    *,
    default: int | None = None,
    reason: str = "must be an integer of at least 1",
) -> int:
    """An integer of at least 1 (``true`` is not one). ``None`` gives ``default`` when there is one;
    a refused value gives ``default`` or 1, so validation goes on."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.fail(path, reason)
        return default or 1
    return value


def regex(value: object, path: str, problems: Problems) -> re.Pattern[str] | None:
    """A non-empty regular expression of at most :data:`PATTERN_MAX_LENGTH` characters that
    :func:`unsafe_pattern` finds safe, compiled; ``None`` after reporting why it cannot be used."""
    if not isinstance(value, str) or not value:
        problems.fail(path, "must be a non-empty regular expression string")
        return None
    if len(value) > PATTERN_MAX_LENGTH:
        problems.fail(path, f"is longer than {PATTERN_MAX_LENGTH} characters")
        return None
    try:
        compiled = re.compile(value)
    except (re.error, RecursionError, OverflowError) as exc:
        problems.fail(path, f"is not a valid regular expression: {exc}")
        return None
    refused = unsafe_pattern(value)
    if refused is not None:
        problems.fail(path, f"could take exponential time: {refused}")
        return None
    return compiled


# -- safe patterns ------------------------------------------------------------------------------
#
# Python's ``re`` backtracks, so a pattern that can match one text in many ways (``^(a+)+$``)
# takes exponential time on a text that almost matches. A document's pattern must therefore be
# of a restricted, linear kind: no backreferences or conditionals; what a quantifier repeats more
# than once has one fixed length and, where it has alternatives, they start with different
# characters; and no two quantifiers next to each other can take the same characters. Together
# with :data:`PATTERN_TEXT_LIMIT` this bounds every search.

_sre: Any = importlib.import_module("re._parser")
_sre_constants: Any = importlib.import_module("re._constants")
_C = _sre_constants
#: Characters a character class is tried on to see whether two classes overlap.
_PROBES = tuple(chr(n) for n in range(256)) + tuple("ÄÖÜßéœ€ĀαЖ中😀١²\u2028\u00a0")
_CATEGORY_PATTERNS = {
    _C.CATEGORY_DIGIT: r"\d",
    _C.CATEGORY_NOT_DIGIT: r"\D",
    _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S",
    _C.CATEGORY_WORD: r"\w",
    _C.CATEGORY_NOT_WORD: r"\W",
}
_ALL = frozenset(_PROBES)


def unsafe_pattern(pattern: str) -> str | None:
    """Why ``pattern`` could backtrack for exponential (or high polynomial) time, or None when it
    is of the restricted kind above."""
    try:
        tree = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"not a valid regular expression: {exc}"
    ignore_case = bool(tree.state.flags & re.IGNORECASE)
    try:
        return _check_sequence(list(tree), ignore_case, repeated=False)
    except RecursionError:
        return "nested too deeply"


def _check_sequence(items: list[tuple[Any, Any]], ignore_case: bool, *, repeated: bool) -> str | None:
    previous: frozenset[str] | None = None  # what the last variable quantifier takes
    for op, arg in items:
        if op in (_C.GROUPREF, _C.GROUPREF_EXISTS, _C.GROUPREF_IGNORE, _C.GROUPREF_LOC_IGNORE, _C.GROUPREF_UNI_IGNORE):
            return "backreferences and conditional groups are not allowed"
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            low, high, body = arg
            low_width, high_width = body.getwidth()
            if high > 1 and low_width != high_width:
                return "a quantifier repeats something of varying length (such as a nested quantifier)"
            reason = _check_sequence(list(body), ignore_case, repeated=repeated or high > 1)
            if reason is not None:
                return reason
            if low != high:
                takes = _first_chars(list(body), ignore_case)
                if previous is not None and previous & takes:
                    return "two quantifiers next to each other take the same characters"
                previous = takes
            continue
        reason = _check_item(op, arg, ignore_case, repeated=repeated)
        if reason is not None:
            return reason
        if op not in (_C.AT,) and not (op is _C.SUBPATTERN and arg[-1].getwidth()[1] == 0):
            previous = None
    return None


def _check_item(op: Any, arg: Any, ignore_case: bool, *, repeated: bool) -> str | None:
    if op is _C.SUBPATTERN:
        flags_on = arg[1]
        return _check_sequence(list(arg[-1]), ignore_case or bool(flags_on & re.IGNORECASE), repeated=repeated)
    if op in (_C.ASSERT, _C.ASSERT_NOT):
        return _check_sequence(list(arg[1]), ignore_case, repeated=repeated)
    if op is _C.ATOMIC_GROUP:
        return _check_sequence(list(arg), ignore_case, repeated=repeated)
    if op is _C.BRANCH:
        alternatives = [list(alternative) for alternative in arg[1]]
        for alternative in alternatives:
            reason = _check_sequence(alternative, ignore_case, repeated=repeated)
            if reason is not None:
                return reason
        if repeated:
            seen: frozenset[str] = frozenset()
            for alternative in alternatives:
                starts = _first_chars(alternative, ignore_case)
                if seen & starts:
                    return "alternatives under a quantifier can start with the same character"
                seen |= starts
    return None


def _first_chars(items: list[tuple[Any, Any]], ignore_case: bool) -> frozenset[str]:
    """The characters a match of ``items`` may start with (over-approximated)."""
    out: frozenset[str] = frozenset()
    for op, arg in items:
        if op is _C.AT:
            continue
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            out |= _first_chars(list(arg[2]), ignore_case)
            if arg[0] == 0 or arg[2].getwidth()[0] == 0:
                continue
            return out
        if op is _C.SUBPATTERN:
            out |= _first_chars(list(arg[-1]), ignore_case or bool(arg[1] & re.IGNORECASE))
            if arg[-1].getwidth()[0] == 0:
                continue
            return out
        if op is _C.BRANCH:
            for alternative in arg[1]:
                out |= _first_chars(list(alternative), ignore_case)
            return out
        if op in (_C.ASSERT, _C.ASSERT_NOT):
            continue
        return out | _char_class(op, arg, ignore_case)
    return out


def _char_class(op: Any, arg: Any, ignore_case: bool) -> frozenset[str]:
    """The probe characters one single-character item matches (all of them when unsure)."""
    if op is _C.LITERAL:
        char = chr(arg)
        return frozenset({char, char.lower(), char.upper()}) if ignore_case else frozenset({char})
    if op is _C.IN:
        negate = any(item_op is _C.NEGATE for item_op, _ in arg)
        matched = frozenset(c for c in _PROBES if _in_class(c, arg, ignore_case))
        return _ALL - matched if negate else matched
    return _ALL


def _in_class(char: str, items: Any, ignore_case: bool) -> bool:
    candidates = {char, char.lower(), char.upper()} if ignore_case else {char}
    for op, arg in items:
        if op is _C.LITERAL and chr(arg) in candidates:
            return True
        if op is _C.RANGE and any(arg[0] <= ord(c) <= arg[1] for c in candidates):
            return True
        if op is _C.CATEGORY and re.match(_CATEGORY_PATTERNS.get(arg, r"[\s\S]"), char):
            return True
    return False


def named_documents(
    docs: object,
    kind: str,
    parse: Callable[[Any], N],
    problems: Problems,
    *,
    each: Callable[[N, Problems], None] | None = None,
) -> dict[int, N]:
    """A list of documents, each parsed by ``parse`` with its problems reported under ``kind[i]``;
    a name used twice is reported as ``kind[i].name: duplicates kind[j]`` and the later one dropped.
    ``each`` checks a parsed document further (its references), reporting under ``kind[i]`` too.
    The documents kept, by their position ``i`` in ``docs``."""
    if not isinstance(docs, Sequence) or isinstance(docs, str):
        problems.fail(kind, "must be a list")
        return {}
    out: dict[int, N] = {}
    seen: dict[str, int] = {}
    for index, doc in enumerate(docs):
        try:
            item = parse(doc)
        except ValidationFailed as exc:
            problems.absorb(exc, f"{kind}[{index}]")
            continue
        if item.name in seen:
            problems.fail(f"{kind}[{index}].name", f"duplicates {kind}[{seen[item.name]}]")
            continue
        seen[item.name] = index
        if each is not None:
            each(item, problems.at(f"{kind}[{index}]"))
        out[index] = item
    return out
