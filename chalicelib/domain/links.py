"""Links between tickets: one mechanism for every process. Pure, no I/O.

A link has a kind and a target; each kind has an inverse, written on the target in the same
transaction, so both tickets always tell the same story:

==============  ==============  =====================================================
kind            inverse         between
==============  ==============  =====================================================
``caused_by``   ``caused``      an incident and the change that caused it
``fixed_by``    ``fixes``       a problem and the change that fixes it
``problem``     ``incidents``   an incident and the problem behind it
``duplicate_of`` ``duplicates`` two tickets of the same type; a ticket duplicates one
``related``     ``related``     any two tickets
``superseded_by`` ``supersedes`` a change request sent to request fulfilment in triage,
                                and the service request it became
==============  ==============  =====================================================

A change that caused an incident is reviewed even when it succeeded (seed 001, "Change
Management": change management is there to "prevent change-related incidents"); see
``chalicelib.domain.change.caused_incidents``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import ValidationFailed

#: Each kind and its inverse.
INVERSE: dict[str, str] = {
    "caused_by": "caused",
    "caused": "caused_by",
    "fixed_by": "fixes",
    "fixes": "fixed_by",
    "problem": "incidents",
    "incidents": "problem",
    "duplicate_of": "duplicates",
    "duplicates": "duplicate_of",
    "related": "related",
    "superseded_by": "supersedes",
    "supersedes": "superseded_by",
}
KINDS = tuple(INVERSE)

#: The ticket types a kind joins, (source, target); None: any type.
ENDS: dict[str, tuple[str | None, str | None]] = {
    "caused_by": ("incident", "change_request"),
    "fixed_by": ("problem", "change_request"),
    "problem": ("incident", "problem"),
    "duplicate_of": (None, None),
    "related": (None, None),
    "superseded_by": ("change_request", "service_request"),
}
#: Kinds a ticket holds at most one of.
SINGLE = frozenset({"duplicate_of", "superseded_by"})
#: The most links one ticket keeps.
MAX_LINKS = 50


@dataclass(frozen=True)
class Link:
    kind: str
    target: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "target": self.target}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Link:
        return cls(str(doc["kind"]), str(doc["target"]))


def _ends(kind: str) -> tuple[str | None, str | None]:
    if kind in ENDS:
        return ENDS[kind]
    source, target = ENDS[INVERSE[kind]]
    return target, source


def _problem(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed([{"field": field, "reason": reason}])


def check_kind(kind: str) -> None:
    if kind not in INVERSE:
        raise _problem("kind", f"must be one of {', '.join(KINDS)}")


def check_link(
    source_number: str,
    source_type: str,
    source_links: tuple[Link, ...],
    kind: str,
    target_number: str,
    target_type: str,
    target_links: tuple[Link, ...],
) -> tuple[Link, Link] | None:
    """The two halves of a new link (on the source, on the target), or None when it exists
    already; ``ValidationFailed`` naming the field when the link may not be made."""
    check_kind(kind)
    if source_number == target_number:
        raise _problem("target", "a ticket cannot link to itself")
    source_end, target_end = _ends(kind)
    if source_end is not None and source_type != source_end:
        raise _problem("kind", f"{kind} links a {source_end} to a {target_end}; {source_number} is a {source_type}")
    if target_end is not None and target_type != target_end:
        raise _problem("target", f"{kind} links a {source_end} to a {target_end}; {target_number} is a {target_type}")
    if kind == "duplicate_of" and source_type != target_type:
        raise _problem("target", f"a {source_type} duplicates only a {source_type}; {target_number} is a {target_type}")
    mine = Link(kind, target_number)
    theirs = Link(INVERSE[kind], source_number)
    if mine in source_links:
        return None
    if any(link.target == target_number for link in source_links):
        raise _problem("target", f"{source_number} is already linked to {target_number}")
    for number, links, half in ((source_number, source_links, mine), (target_number, target_links, theirs)):
        if len(links) >= MAX_LINKS:
            raise _problem("target", f"{number} already has {MAX_LINKS} links, the most a ticket keeps")
        if half.kind in SINGLE and any(link.kind == half.kind for link in links):
            raise _problem("kind", f"{number} already has a {half.kind} link")
    return mine, theirs


def inverse_of(link: Link, source_number: str) -> Link:
    """The half of ``link`` its target keeps."""
    return Link(INVERSE[link.kind], source_number)
