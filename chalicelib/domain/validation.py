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
    """A non-empty regular expression of at most :data:`PATTERN_MAX_LENGTH` characters, compiled;
    ``None`` after reporting why it cannot be used."""
    if not isinstance(value, str) or not value:
        problems.fail(path, "must be a non-empty regular expression string")
        return None
    if len(value) > PATTERN_MAX_LENGTH:
        problems.fail(path, f"is longer than {PATTERN_MAX_LENGTH} characters")
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        problems.fail(path, f"is not a valid regular expression: {exc}")
        return None


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
