"""Problems: the record, its root causes and known error, and the gates their lifecycle and the
closure of major incidents depend on. Pure, no I/O.

A problem (seed 000: problem management, "deciding from the backlog of unresolved issues what
needs to be done") keeps a :class:`ProblemRecord`: its statement, the catalog services it
touches, the **root causes** (a list: seed 001 warns "do not assume that a single root cause
exists"; each with a configurable category and the evidence for it), the **workaround**, the
**symptoms** (the words incidents show, matched against new incidents), the **tasks** (owner, due
date, done-ness) and, once a manager accepted the risk, the date of the review.

The problem lifecycle (``chalicelib.domain.processes.problem_lifecycle``) gates on this record:

* entering ``known_error`` needs a root cause and a workaround;
* entering ``resolved`` needs a root cause and either a linked change that implemented
  successfully (``fixed_by``) or a written justification (the move's ``reason``);
* ``risk_accepted`` is a manager's decision with a review date;
* ``duplicate`` needs a ``duplicate_of`` link to the problem it duplicates.

**The closure gate** (seed 001, "The Response Process": an incident with significant business
impact "can only be closed once the root cause ... is identified and addressed"): an incident of
a gated priority (default P1, P2) may be resolved, but closes only once a linked problem has a
root cause and is ``resolved``, ``closed`` or ``risk_accepted`` (:class:`ProblemAddressed`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.instants import iso, parse_instant
from chalicelib.domain.lifecycle import MoveFacts
from chalicelib.domain.validation import Problems

#: The problem lifecycle's states.
NEW = "new"
ANALYSIS = "analysis"
KNOWN_ERROR = "known_error"
RESOLVED = "resolved"
CLOSED = "closed"
RISK_ACCEPTED = "risk_accepted"
CANCELLED = "cancelled"
DUPLICATE = "duplicate"

#: The states in which a problem counts as addressed: its incidents may close.
ADDRESSED = (RESOLVED, CLOSED, RISK_ACCEPTED)
#: The incident priorities the closure gate holds by default (setting ``PROBLEM_GATE_PRIORITIES``).
DEFAULT_GATE_PRIORITIES: frozenset[str] = frozenset({"P1", "P2"})
#: Root cause categories when the desk configures none (setting ``ROOT_CAUSE_CATEGORIES``).
DEFAULT_ROOT_CAUSE_CATEGORIES: tuple[str, ...] = (
    "software",
    "hardware",
    "network",
    "configuration",
    "capacity",
    "change",
    "supplier",
    "process",
    "human-error",
    "security",
    "unknown",
)

#: The record's fields a ``PUT /tickets/{number}/problem`` may set.
RECORD_FIELDS = ("statement", "services", "root_causes", "workaround", "symptoms", "tasks", "review_at")
STATEMENT_MAX = 2_000
TEXT_MAX = 20_000
SYMPTOM_MAX = 200
MAX_SYMPTOMS = 30
MAX_ROOT_CAUSES = 10
MAX_TASKS = 30
MAX_SERVICES = 20


@dataclass(frozen=True)
class RootCause:
    description: str
    category: str
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"description": self.description, "category": self.category, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RootCause:
        return cls(str(doc["description"]), str(doc["category"]), doc.get("evidence"))


@dataclass(frozen=True)
class Task:
    """One piece of work towards the fix: who does it, by when, and whether it is done."""

    title: str
    owner: str
    due: datetime | None = None
    done: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "owner": self.owner, "due": iso(self.due), "done": self.done}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Task:
        due = doc.get("due")
        return cls(
            str(doc["title"]), str(doc["owner"]), datetime.fromisoformat(due) if due else None, bool(doc.get("done"))
        )

    def overdue(self, now: datetime) -> bool:
        return not self.done and self.due is not None and self.due <= now


@dataclass(frozen=True)
class ProblemRecord:
    """A problem ticket's typed state; see the module docstring."""

    statement: str | None = None
    services: tuple[str, ...] = ()
    root_causes: tuple[RootCause, ...] = ()
    workaround: str | None = None
    symptoms: tuple[str, ...] = ()
    tasks: tuple[Task, ...] = ()
    review_at: datetime | None = None
    #: The incidents whose workaround was published (``POST .../workaround/publish``), once each.
    published_to: tuple[str, ...] = ()

    def evolve(self, **changes: Any) -> ProblemRecord:
        return replace(self, **changes)

    @property
    def has_root_cause(self) -> bool:
        return bool(self.root_causes)

    def field_value(self, name: str) -> Any:
        value = getattr(self, name)
        if name in ("root_causes", "tasks"):
            return [item.to_dict() for item in value]
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, datetime):
            return iso(value)
        return value

    def to_dict(self) -> dict[str, Any]:
        out = {name: self.field_value(name) for name in RECORD_FIELDS}
        out["published_to"] = list(self.published_to)
        return out

    def view(self, now: datetime | None = None) -> dict[str, Any]:
        """The ticket view's ``problem``: the record, whether it has a root cause, and the tasks
        overdue at ``now``."""
        out = {**self.to_dict(), "has_root_cause": self.has_root_cause}
        if now is not None:
            out["overdue_tasks"] = [t.title for t in self.tasks if t.overdue(now)]
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ProblemRecord:
        review = doc.get("review_at")
        return cls(
            statement=doc.get("statement"),
            services=tuple(doc.get("services") or ()),
            root_causes=tuple(RootCause.from_dict(c) for c in doc.get("root_causes") or ()),
            workaround=doc.get("workaround"),
            symptoms=tuple(doc.get("symptoms") or ()),
            tasks=tuple(Task.from_dict(t) for t in doc.get("tasks") or ()),
            review_at=datetime.fromisoformat(review) if review else None,
            published_to=tuple(doc.get("published_to") or ()),
        )


# ============================================================================================
# Editing the record


@dataclass(frozen=True)
class RecordEdit:
    """A validated ``PUT /tickets/{number}/problem``: the version read and the fields to set
    (``None`` clears a field)."""

    version: int
    values: Mapping[str, Any] = field(default_factory=dict)


def parse_record_edit(
    doc: object, *, services: Collection[str], categories: Collection[str], now: datetime
) -> RecordEdit:
    """Validate a record edit against the catalog's ``services`` and the configured root cause
    ``categories``; raise ``ValidationFailed`` naming every problem."""
    body = check.require_mapping(doc, "body")
    problems = Problems()
    check.unknown_fields(body, ("version", *RECORD_FIELDS), problems)
    version = 1
    if "version" not in body:
        problems.fail("version", "is required")
    else:
        version = check.positive_int(body["version"], "version", problems)
    values: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name not in body:
            continue
        raw = body[name]
        if raw is None:
            values[name] = () if name in ("services", "root_causes", "symptoms", "tasks") else None
            continue
        values[name] = _READERS[name](raw, name, problems, services, categories, now)
    if not values and not len(problems):
        problems.fail("body", f"name at least one of {', '.join(RECORD_FIELDS)}")
    problems.check()
    return RecordEdit(version, values)


def _statement(raw: object, path: str, problems: Problems, *_: Any) -> str | None:
    return check.text(raw, path, problems, required=True, max_length=STATEMENT_MAX)


def _long_text(raw: object, path: str, problems: Problems, *_: Any) -> str | None:
    return check.text(raw, path, problems, required=True, max_length=TEXT_MAX)


def _services(raw: object, path: str, problems: Problems, services: Collection[str], *_: Any) -> tuple[str, ...]:
    names = check.name_list(raw, path, problems)
    if len(names) > MAX_SERVICES:
        problems.fail(path, f"names more than {MAX_SERVICES} services")
    for index, name in enumerate(names):
        if name not in services:
            problems.fail(f"{path}[{index}]", f"{name} is not a service of the catalog")
    return names


def _symptoms(raw: object, path: str, problems: Problems, *_: Any) -> tuple[str, ...]:
    words = check.string_list(raw, path, problems, max_length=SYMPTOM_MAX)
    if len(words) > MAX_SYMPTOMS:
        problems.fail(path, f"lists more than {MAX_SYMPTOMS} symptoms")
    return tuple(dict.fromkeys(words))


def _bounded(raw: object, path: str, problems: Problems, most: int) -> Sequence[Any]:
    if not isinstance(raw, list):
        problems.fail(path, "must be a list of objects")
        return []
    if len(raw) > most:
        problems.fail(path, f"holds at most {most} entries")
        return []
    return raw


def _root_causes(
    raw: object, path: str, problems: Problems, _s: Any, categories: Collection[str], *_: Any
) -> tuple[RootCause, ...]:
    out: list[RootCause] = []
    for index, item in enumerate(_bounded(raw, path, problems, MAX_ROOT_CAUSES)):
        at = problems.at(f"{path}[{index}]")
        if not isinstance(item, Mapping):
            problems.fail(f"{path}[{index}]", 'must be an object {"description", "category", "evidence"}')
            continue
        check.unknown_fields(item, ("description", "category", "evidence"), at)
        description = check.text(item.get("description"), "description", at, required=True, max_length=STATEMENT_MAX)
        category = check.choice(item.get("category"), "category", at, tuple(categories))
        evidence = check.text(item.get("evidence"), "evidence", at, required=False, max_length=TEXT_MAX)
        if description is not None and category is not None:
            out.append(RootCause(description, category, evidence))
    return tuple(out)


def _tasks(raw: object, path: str, problems: Problems, *_: Any) -> tuple[Task, ...]:
    out: list[Task] = []
    for index, item in enumerate(_bounded(raw, path, problems, MAX_TASKS)):
        at = problems.at(f"{path}[{index}]")
        if not isinstance(item, Mapping):
            problems.fail(f"{path}[{index}]", 'must be an object {"title", "owner", "due", "done"}')
            continue
        check.unknown_fields(item, ("title", "owner", "due", "done"), at)
        title = check.text(item.get("title"), "title", at, required=True, max_length=STATEMENT_MAX)
        owner = check.text(item.get("owner"), "owner", at, required=True, max_length=128)
        due = parse_instant(item["due"], "due", at) if item.get("due") is not None else None
        done = check.flag(item.get("done"), "done", at, False)
        if title is not None and owner is not None:
            out.append(Task(title, owner, due, done))
    return tuple(out)


def _review_at(raw: object, path: str, problems: Problems, _s: Any, _c: Any, now: datetime) -> datetime | None:
    moment = parse_instant(raw, path, problems)
    if moment is not None and moment <= now:
        problems.fail(path, "must lie in the future")
        return None
    return moment


_READERS: dict[str, Any] = {
    "statement": _statement,
    "services": _services,
    "root_causes": _root_causes,
    "workaround": _long_text,
    "symptoms": _symptoms,
    "tasks": _tasks,
    "review_at": _review_at,
}


@dataclass(frozen=True)
class RecordChange:
    """What an edit did: the new record and the changed fields' before/after."""

    record: ProblemRecord
    before: dict[str, Any]
    after: dict[str, Any]


def apply_record_edit(record: ProblemRecord | None, edit: RecordEdit) -> RecordChange:
    """The record after ``edit``; only the fields whose value changes count."""
    current = record or ProblemRecord()
    changed = {name: value for name, value in edit.values.items() if getattr(current, name) != value}
    updated = current.evolve(**changed)
    return RecordChange(
        updated,
        before={name: current.field_value(name) for name in changed},
        after={name: updated.field_value(name) for name in changed},
    )


# ============================================================================================
# The checks the problem lifecycle gates on


def record_of(ticket: Any) -> ProblemRecord | None:
    record = getattr(ticket, "problem", None)
    return record if isinstance(record, ProblemRecord) else None


def _links(ticket: Any, kind: str) -> list[str]:
    return [link.target for link in getattr(ticket, "links", ()) or () if getattr(link, "kind", None) == kind]


@dataclass(frozen=True)
class HasRootCause:
    """At least one root cause is recorded (``problem.root_causes``)."""

    def missing(self, facts: MoveFacts) -> str | None:
        record = record_of(facts.ticket)
        return (
            None if record is not None and record.has_root_cause else "a root cause is required (problem.root_causes)"
        )


@dataclass(frozen=True)
class HasWorkaround:
    def missing(self, facts: MoveFacts) -> str | None:
        record = record_of(facts.ticket)
        return None if record is not None and record.workaround else "a workaround is required (problem.workaround)"


#: The outcomes of a change that count as a fix.
FIXING_OUTCOMES = ("successful", "successful_with_issues")


def successful_fix(ticket: Any, linked: Mapping[str, Any]) -> str | None:
    """The number of a ``fixed_by`` change that implemented successfully, if any."""
    for number in _links(ticket, "fixed_by"):
        change = linked.get(number)
        plan = getattr(change, "change", None)
        if getattr(plan, "outcome", None) in FIXING_OUTCOMES:
            return number
    return None


@dataclass(frozen=True)
class FixedOrJustified:
    """Resolving needs a linked change that implemented successfully (``fixed_by``), or a written
    justification (the move's ``reason``)."""

    def missing(self, facts: MoveFacts) -> str | None:
        if successful_fix(facts.ticket, facts.linked) is not None:
            return None
        if facts.reason and facts.reason.strip():
            return None
        return "a fixed_by change that implemented successfully, or a justification (reason), is required"


@dataclass(frozen=True)
class ManagerDecides:
    """Only a manager (or an admin) makes this move."""

    def missing(self, facts: MoveFacts) -> str | None:
        return None if facts.role in ("manager", "admin") else "only a manager may accept the risk"


@dataclass(frozen=True)
class HasReviewDate:
    def missing(self, facts: MoveFacts) -> str | None:
        record = record_of(facts.ticket)
        if record is None or record.review_at is None:
            return "a review date is required (problem.review_at)"
        if record.review_at <= facts.now:
            return "the review date (problem.review_at) must lie in the future"
        return None


@dataclass(frozen=True)
class DuplicateLinked:
    """A duplicate names the problem it duplicates (a ``duplicate_of`` link)."""

    def missing(self, facts: MoveFacts) -> str | None:
        return None if _links(facts.ticket, "duplicate_of") else "a duplicate_of link to the other problem is required"


# ============================================================================================
# The closure gate of major incidents


def addressed(problem: Any) -> bool:
    """A problem whose incidents may close: a root cause and resolved, closed or risk accepted."""
    record = record_of(problem)
    return getattr(problem, "status", None) in ADDRESSED and record is not None and record.has_root_cause


def gated(ticket: Any, priorities: Collection[str]) -> bool:
    return getattr(ticket, "type", None) == "incident" and getattr(ticket, "priority", None) in priorities


def closure_refusal(ticket: Any, linked: Mapping[str, Any], priorities: Collection[str]) -> str | None:
    """Why the incident may not close yet (None: it may)."""
    if not gated(ticket, priorities):
        return None
    numbers = _links(ticket, "problem")
    if any(addressed(linked.get(number)) for number in numbers):
        return None
    why = (
        f"a {ticket.priority} incident closes only once a linked problem has a root cause and is "
        f"{', '.join(ADDRESSED[:-1])} or {ADDRESSED[-1]}"
    )
    if not numbers:
        return f"{why}; it has no linked problem"
    states = ", ".join(
        f"{n} is {getattr(linked.get(n), 'status', 'unknown')}"
        + ("" if (r := record_of(linked.get(n))) is not None and r.has_root_cause else " without a root cause")
        for n in numbers
    )
    return f"{why}; {states}"


@dataclass(frozen=True)
class ProblemAddressed:
    """The closure gate: see :func:`closure_refusal`."""

    def missing(self, facts: MoveFacts) -> str | None:
        return closure_refusal(facts.ticket, facts.linked, facts.gate_priorities)


#: The link kinds whose targets a move's requirements read (``MoveFacts.linked``).
LOOKED_UP_KINDS = ("problem", "fixed_by")


# ============================================================================================
# The trend after the fix

#: Weeks shown on either side of the fix.
TREND_WEEKS = 8


def incident_trend(
    opened: Sequence[datetime], fixed_at: datetime, now: datetime, weeks: int = TREND_WEEKS
) -> dict[str, Any]:
    """The linked incidents per week before and after the fix (seed 001: check afterwards that the
    trend shows "marked improvement"): ``weeks`` seven-day buckets on either side of ``fixed_at``
    (those after it only as far as ``now``), each with its count, and the weekly averages."""
    span = timedelta(days=7)
    buckets: list[dict[str, Any]] = []
    before: list[int] = []
    after: list[int] = []
    for offset in range(-weeks, weeks):
        start = fixed_at + offset * span
        if start >= now:
            break
        end = start + span
        count = sum(1 for moment in opened if start <= moment < end)
        buckets.append({"from": iso(start), "to": iso(end), "incidents": count, "after_fix": offset >= 0})
        (after if offset >= 0 else before).append(count)
    return {
        "fixed_at": iso(fixed_at),
        "weeks": buckets,
        "before_per_week": round(sum(before) / len(before), 2) if before else None,
        "after_per_week": round(sum(after) / len(after), 2) if after else None,
    }
