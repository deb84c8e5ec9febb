"""Change requests: the plan, its risk, its approval and the checks its lifecycle gates on. Pure, no I/O.

A change request (seed 000: "request for feature or functionality not currently provided") is
triaged first (seed 001, "Change Management": "the first step after registering it is to let it go
through *Triage*"): a staff member picks its **model**, and the model picks its lifecycle
(``chalicelib.domain.processes``):

* ``standard``: pre-approved, "implemented without additional approvals" (seed 001);
* ``normal``: assessed, authorized once, scheduled in its change window;
* ``emergency``: "deploy the change immediately. Afterwards, the regular steps would still need to
  be followed to document what has been done" (seed 001): its plan and authorization are recorded
  after the fact, before it closes.

The :class:`ChangePlan` is the typed state a change ticket keeps (one JSON attribute on the ticket
item): the model, the catalog services it touches, the change window, the implementation,
back-out and test plans, the communication, the expected outage, the :class:`Risk` (likelihood x
impact, seed 001 "Risk Management": "Risk Level = Likelihood x Impact", each on a 1-5 scale), the
implementer group, early-life support hours, the approvals and the outcome.

**One real approval** (seed 001: "only one real approval is needed for a change, which is the one
from the team actually deploying it"): :func:`approval_refusal` says who may decide.

The requirements at the end (:class:`HasApproval`, :class:`WindowStarted`...) are the checks the
change lifecycles declare on their moves, beside ``NeedsField`` and ``NeedsReason``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.conflicts import MAX_WINDOW, ConflictNote
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.instants import iso, parse_instant
from chalicelib.domain.lifecycle import MoveFacts
from chalicelib.domain.validation import Problems

STANDARD = "standard"
NORMAL = "normal"
EMERGENCY = "emergency"
MODELS = (STANDARD, NORMAL, EMERGENCY)

#: How an implementation ended, given with the move out of ``implementing``.
SUCCESSFUL = "successful"
SUCCESSFUL_WITH_ISSUES = "successful_with_issues"
FAILED = "failed"
BACKED_OUT = "backed_out"
OUTCOMES = (SUCCESSFUL, SUCCESSFUL_WITH_ISSUES, FAILED, BACKED_OUT)
#: The outcomes that count as a failure: the change goes to review and its template is flagged.
FAILURES = (FAILED, BACKED_OUT)
#: The status whose entry and exit are the actual start and end of the implementation.
IMPLEMENTING = "implementing"

APPROVE = "approve"
REJECT = "reject"
DECISIONS = (APPROVE, REJECT)

#: Likelihood and impact are each rated 1-5 (seed 001, "Risk Management").
RISK_SCALE = range(1, 6)
#: Longest plan text (implementation, back-out, test plan, communication).
PLAN_TEXT_MAX = 20_000
#: Services one change may name.
MAX_SERVICES = 20
#: Longest expected outage and early-life support: a week, in minutes and hours.
MAX_OUTAGE_MINUTES = 7 * 24 * 60
MAX_ELS_HOURS = 7 * 24

#: The plan's fields a ``PUT /tickets/{number}/change`` may set.
PLAN_FIELDS = (
    "model",
    "services",
    "window",
    "implementation_plan",
    "backout_plan",
    "test_plan",
    "communication",
    "outage_minutes",
    "risk",
    "implementer_group",
    "els_hours",
)
#: Editing one of these after an approval voids it: the approver judged the change as it was.
#: (Test plan, communication and early-life support hours do not change what was approved.)
MATERIAL_FIELDS = frozenset(
    {
        "model",
        "services",
        "window",
        "implementation_plan",
        "backout_plan",
        "outage_minutes",
        "risk",
        "implementer_group",
    }
)


@dataclass(frozen=True)
class RiskBands:
    """Where a risk level (1-25) turns from low to medium to high: ``level <= low_max`` is low,
    ``<= medium_max`` medium, above it high (settings ``CHANGE_RISK_LOW_MAX``, ``CHANGE_RISK_MEDIUM_MAX``)."""

    low_max: int = 6
    medium_max: int = 12

    def __post_init__(self) -> None:
        if not 1 <= self.low_max < self.medium_max < 25:
            raise ValueError(f"risk bands need 1 <= low_max < medium_max < 25, got {self.low_max}, {self.medium_max}")

    def band(self, level: int) -> str:
        if level <= self.low_max:
            return "low"
        return "medium" if level <= self.medium_max else "high"


@dataclass(frozen=True)
class Risk:
    """Likelihood and impact, each 1-5; ``band`` is the level's band under the thresholds in force
    when the risk was rated (kept with it, as a ticket keeps the versions it runs under)."""

    likelihood: int
    impact: int
    band: str

    @property
    def level(self) -> int:
        """Seed 001: "Risk Level = Likelihood x Impact"."""
        return self.likelihood * self.impact

    def to_dict(self) -> dict[str, Any]:
        return {"likelihood": self.likelihood, "impact": self.impact, "level": self.level, "band": self.band}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Risk:
        return cls(int(doc["likelihood"]), int(doc["impact"]), str(doc["band"]))


@dataclass(frozen=True)
class Window:
    """The change window: when the change may be deployed (seed 001: "agree a time period in which
    the change can be deployed (the Change Window)")."""

    start: datetime
    end: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"start": iso(self.start), "end": iso(self.end)}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Window:
        return cls(datetime.fromisoformat(doc["start"]), datetime.fromisoformat(doc["end"]))


@dataclass(frozen=True)
class Approval:
    """One decision on the change by someone allowed to make it (:func:`approval_refusal`)."""

    by: str
    decision: str
    at: datetime
    comment: str | None = None
    #: Made by a manager: it also stands as the CAB decision a conflicting change needs.
    cab: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {"by": self.by, "decision": self.decision, "at": iso(self.at), "comment": self.comment}
        return {**out, "cab": True} if self.cab else out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Approval:
        at = datetime.fromisoformat(doc["at"])
        return cls(str(doc["by"]), str(doc["decision"]), at, doc.get("comment"), bool(doc.get("cab")))


#: Where triage may send a change request instead of running it as a change (seed 001: the RFC
#: goes to request fulfilment when it is routine work, or becomes a project).
SENT_TO_PROCESSES = ("request_fulfilment", "project")


@dataclass(frozen=True)
class SentTo:
    """Where triage sent the change request: ``process`` (one of :data:`SENT_TO_PROCESSES`) and
    ``reference``: the service request it became, or where the project is run."""

    process: str
    reference: str

    def to_dict(self) -> dict[str, str]:
        return {"process": self.process, "reference": self.reference}


@dataclass(frozen=True)
class ChangePlan:
    """A change ticket's typed state; see the module docstring. ``approvals`` hold the decisions
    since the plan last changed materially."""

    model: str | None = None
    services: tuple[str, ...] = ()
    window: Window | None = None
    implementation_plan: str | None = None
    backout_plan: str | None = None
    test_plan: str | None = None
    communication: str | None = None
    outage_minutes: int | None = None
    risk: Risk | None = None
    implementer_group: str | None = None
    els_hours: int | None = None
    approvals: tuple[Approval, ...] = ()
    outcome: str | None = None
    #: The changes this one collides with (``chalicelib.domain.conflicts``), kept current by the
    #: conflict check, and the freezes its window falls in (their reasons).
    conflicts: tuple[ConflictNote, ...] = ()
    freezes: tuple[str, ...] = ()
    #: When implementation actually started and ended (the moves into and out of ``implementing``).
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    #: The standard change template it was made from (name and version), if any.
    template: str | None = None
    template_version: int | None = None
    #: Where triage sent it instead (then it is closed here).
    sent_to: SentTo | None = None

    def evolve(self, **changes: Any) -> ChangePlan:
        return replace(self, **changes)

    @property
    def approved(self) -> bool:
        return any(a.decision == APPROVE for a in self.approvals)

    @property
    def decided(self) -> bool:
        return bool(self.approvals)

    def field_value(self, name: str) -> Any:
        """One plan field in its JSON shape (events and views)."""
        value = getattr(self, name)
        if isinstance(value, Window | Risk):
            return value.to_dict()
        if isinstance(value, tuple):
            return list(value)
        return value

    def to_dict(self) -> dict[str, Any]:
        """The stored shape (and the view's, see :meth:`view`)."""
        out = {name: self.field_value(name) for name in PLAN_FIELDS}
        out["approvals"] = [a.to_dict() for a in self.approvals]
        out["outcome"] = self.outcome
        out["conflicts"] = [c.to_dict() for c in self.conflicts]
        out["freezes"] = list(self.freezes)
        out["actual_start"] = iso(self.actual_start) if self.actual_start else None
        out["actual_end"] = iso(self.actual_end) if self.actual_end else None
        out["template"] = self.template
        out["template_version"] = self.template_version
        out["sent_to"] = self.sent_to.to_dict() if self.sent_to else None
        return out

    def view(self) -> dict[str, Any]:
        """The ticket view's ``change``: the plan, ``risk.level``/``risk.band``, approvals, outcome,
        ``conflicts`` (each ``{"number", "reason"}``) and the ``freezes`` its window falls in."""
        return {**self.to_dict(), "approved": self.approved}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ChangePlan:
        window = doc.get("window")
        risk = doc.get("risk")
        return cls(
            model=doc.get("model"),
            services=tuple(doc.get("services") or ()),
            window=Window.from_dict(window) if window else None,
            implementation_plan=doc.get("implementation_plan"),
            backout_plan=doc.get("backout_plan"),
            test_plan=doc.get("test_plan"),
            communication=doc.get("communication"),
            outage_minutes=doc.get("outage_minutes"),
            risk=Risk.from_dict(risk) if risk else None,
            implementer_group=doc.get("implementer_group"),
            els_hours=doc.get("els_hours"),
            approvals=tuple(Approval.from_dict(a) for a in doc.get("approvals") or ()),
            outcome=doc.get("outcome"),
            conflicts=tuple(ConflictNote.from_dict(c) for c in doc.get("conflicts") or ()),
            freezes=tuple(str(f) for f in doc.get("freezes") or ()),
            actual_start=_instant(doc.get("actual_start")),
            actual_end=_instant(doc.get("actual_end")),
            template=doc.get("template"),
            template_version=doc.get("template_version"),
            sent_to=SentTo(str(sent["process"]), str(sent["reference"])) if (sent := doc.get("sent_to")) else None,
        )

    def els_end(self, default_hours: int) -> datetime | None:
        """When early-life support ends: ``els_hours`` (or ``default_hours``) after the actual end."""
        if self.actual_end is None:
            return None
        return self.actual_end + timedelta(hours=self.els_hours if self.els_hours is not None else default_hours)


#: Early-life support after implementation, when the plan names no ``els_hours`` (seed 000).
ELS_DEFAULT_HOURS = 72


def early_life_support_end(ticket: Any) -> datetime | None:
    """When a change request's early-life support ends: ``els_hours`` (default 72) after its
    implementation ended; None for any other ticket, or a change not implemented."""
    plan = getattr(ticket, "change", None)
    if getattr(ticket, "type", None) != "change_request" or not isinstance(plan, ChangePlan):
        return None
    return plan.els_end(ELS_DEFAULT_HOURS)


def in_early_life_support(ticket: Any, service: str | None, now: datetime) -> bool:
    """Whether an incident on ``service`` opened at ``now`` falls in the change's early-life support."""
    end = early_life_support_end(ticket)
    return end is not None and service is not None and service in ticket.change.services and now < end


def _instant(raw: object) -> datetime | None:
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def stamp_implementation(plan: ChangePlan | None, before: str, after: str, now: datetime) -> ChangePlan | None:
    """The plan with the actual start (entering ``implementing``) or end (leaving it) at ``now``."""
    if plan is None or before == after:
        return plan
    if after == IMPLEMENTING:
        return plan.evolve(actual_start=now, actual_end=None)
    if before == IMPLEMENTING:
        return plan.evolve(actual_end=now)
    return plan


# ============================================================================================
# Editing the plan


@dataclass(frozen=True)
class PlanEdit:
    """A validated ``PUT /tickets/{number}/change``: the version read and the fields to set
    (``None`` clears a field; ``model`` cannot be cleared)."""

    version: int
    values: Mapping[str, Any] = field(default_factory=dict)


def parse_plan_edit(
    doc: object,
    *,
    services: Collection[str],
    groups: Collection[str],
    bands: RiskBands,
) -> PlanEdit:
    """Validate a plan edit against the catalog's ``services`` and the desk's ``groups``; raise
    ``ValidationFailed`` naming every problem."""
    body = check.require_mapping(doc, "body")
    problems = Problems()
    check.unknown_fields(body, ("version", *PLAN_FIELDS), problems)
    version = 1
    if "version" not in body:
        problems.fail("version", "is required")
    else:
        version = check.positive_int(body["version"], "version", problems)
    values: dict[str, Any] = {}
    for name in PLAN_FIELDS:
        if name not in body:
            continue
        raw = body[name]
        if raw is None:
            if name == "model":
                problems.fail("model", f"must be one of {', '.join(MODELS)}")
            else:
                values[name] = () if name == "services" else None
            continue
        values[name] = _READERS[name](raw, name, problems, services, groups, bands)
    if not values and not len(problems):
        problems.fail("body", f"name at least one of {', '.join(PLAN_FIELDS)}")
    problems.check()
    return PlanEdit(version, values)


def _model(raw: object, path: str, problems: Problems, *_: Any) -> str | None:
    return check.choice(raw, path, problems, MODELS)


def _services(raw: object, path: str, problems: Problems, services: Collection[str], *_: Any) -> tuple[str, ...]:
    names = check.name_list(raw, path, problems)
    if len(names) > MAX_SERVICES:
        problems.fail(path, f"names more than {MAX_SERVICES} services")
    for index, name in enumerate(names):
        if name not in services:
            problems.fail(f"{path}[{index}]", f"{name} is not a service of the catalog")
    return names


def _window(raw: object, path: str, problems: Problems, *_: Any) -> Window | None:
    if not isinstance(raw, Mapping):
        problems.fail(path, 'must be an object {"start", "end"}')
        return None
    at = problems.at(path)
    check.unknown_fields(raw, ("start", "end"), at)
    start = parse_instant(raw.get("start"), "start", at) if "start" in raw else None
    end = parse_instant(raw.get("end"), "end", at) if "end" in raw else None
    for name in ("start", "end"):
        if name not in raw:
            at.fail(name, "is required")
    if start is None or end is None:
        return None
    if end <= start:
        at.fail("end", "must be after start")
        return None
    if end - start > MAX_WINDOW:
        at.fail("end", f"a change window lasts at most {MAX_WINDOW.days} days")
        return None
    return Window(start, end)


def _plan_text(raw: object, path: str, problems: Problems, *_: Any) -> str | None:
    return check.text(raw, path, problems, required=True, max_length=PLAN_TEXT_MAX)


def _bounded_int(most: int) -> Any:
    def read(raw: object, path: str, problems: Problems, *_: Any) -> int | None:
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= most:
            problems.fail(path, f"must be an integer from 0 to {most}")
            return None
        return raw

    return read


def _risk(raw: object, path: str, problems: Problems, _s: Any, _g: Any, bands: RiskBands) -> Risk | None:
    if not isinstance(raw, Mapping):
        problems.fail(path, 'must be an object {"likelihood", "impact"}')
        return None
    at = problems.at(path)
    check.unknown_fields(raw, ("likelihood", "impact"), at)
    rated: dict[str, int] = {}
    for name in ("likelihood", "impact"):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value not in RISK_SCALE:
            at.fail(name, "must be an integer from 1 to 5")
        else:
            rated[name] = value
    if len(rated) < 2:
        return None
    level = rated["likelihood"] * rated["impact"]
    return Risk(rated["likelihood"], rated["impact"], bands.band(level))


def _group(raw: object, path: str, problems: Problems, _s: Any, groups: Collection[str], *_: Any) -> str | None:
    name = check.name(raw, path, problems)
    if name is not None and name not in groups:
        problems.fail(path, f"{name} is not a group of the desk")
        return None
    return name


_READERS: dict[str, Any] = {
    "model": _model,
    "services": _services,
    "window": _window,
    "implementation_plan": _plan_text,
    "backout_plan": _plan_text,
    "test_plan": _plan_text,
    "communication": _plan_text,
    "outage_minutes": _bounded_int(MAX_OUTAGE_MINUTES),
    "risk": _risk,
    "implementer_group": _group,
    "els_hours": _bounded_int(MAX_ELS_HOURS),
}


@dataclass(frozen=True)
class PlanChange:
    """What an edit did: the new plan, the changed fields' before/after, and the approvals it voided."""

    plan: ChangePlan
    before: dict[str, Any]
    after: dict[str, Any]
    voided: tuple[Approval, ...] = ()


#: The statuses in which a change's model may still be chosen: triage, or reworking a rejection.
MODEL_STATUSES = ("new", "rejected")


#: Where a material edit voids the approvals: before implementation. Afterwards the plan is being
#: documented (an emergency change's, after the fact), not changed under its approver.
BEFORE_IMPLEMENTATION = ("new", "assessment", "authorization", "scheduled", "rejected")


def apply_edit(plan: ChangePlan | None, edit: PlanEdit, status: str) -> PlanChange:
    """The plan after ``edit`` (only the fields whose value changes count). A change of model
    outside triage is refused; a material change before implementation voids the approvals given
    so far."""
    current = plan or ChangePlan()
    changed = {name: value for name, value in edit.values.items() if getattr(current, name) != value}
    if "model" in changed and current.model is not None and status not in MODEL_STATUSES:
        raise ValidationFailed(
            [{"field": "model", "reason": f"is chosen in triage; a {status} change keeps its model {current.model}"}]
        )
    updated = current.evolve(**changed)
    voided: tuple[Approval, ...] = ()
    if current.approvals and status in BEFORE_IMPLEMENTATION and MATERIAL_FIELDS.intersection(changed):
        voided = current.approvals
        updated = updated.evolve(approvals=())
    return PlanChange(
        plan=updated,
        before={name: current.field_value(name) for name in changed},
        after={name: updated.field_value(name) for name in changed},
        voided=voided,
    )


def record_outcome(plan: ChangePlan | None, status: str, outcome: str) -> ChangePlan:
    """The plan with how its implementation ended; only a change leaving ``implementing`` has one."""
    if plan is None or status != "implementing":
        raise ValidationFailed(
            [{"field": "outcome", "reason": "only a change request leaving implementing takes an outcome"}]
        )
    if outcome not in OUTCOMES:
        raise ValidationFailed([{"field": "outcome", "reason": f"must be one of {', '.join(OUTCOMES)}"}])
    return plan.evolve(outcome=outcome)


# ============================================================================================
# The one approval

#: The statuses in which a change awaits its one decision, by model: a normal change in
#: authorization; an emergency one after the fact, once it is being (or has been) implemented.
AWAITS_DECISION_IN: dict[str, tuple[str, ...]] = {
    NORMAL: ("authorization",),
    EMERGENCY: ("implementing", "review"),
}


def awaits_approval(status: str, plan: ChangePlan | None) -> bool:
    """Whether the change waits for its implementer group's decision (and so is on its queue)."""
    if plan is None or plan.model is None or plan.implementer_group is None:
        return False
    if status not in AWAITS_DECISION_IN.get(plan.model, ()):
        return False
    return not (plan.model == EMERGENCY and plan.decided)


#: The states whose entry is the change's submission (for approval, or, for an emergency
#: change, into implementation): whoever makes that move may not approve it.
SUBMISSION_STATES: dict[str, str] = {NORMAL: "authorization", EMERGENCY: "implementing"}


@dataclass(frozen=True)
class Approver:
    """Who asks to decide: their user id, whether they are a manager (or above), their groups."""

    user: str
    manager: bool
    groups: tuple[str, ...] = ()


def approval_refusal(plan: ChangePlan, *, requester: str, submitter: str | None, approver: Approver) -> str | None:
    """Why ``approver`` may not decide on the change (None: they may). Seed 001: the approval
    comes "from the team actually deploying it": a member of the implementer group, or a
    manager; never the change's requester nor whoever submitted it."""
    if approver.user == requester:
        return "the requester of a change cannot approve or reject it"
    if submitter is not None and approver.user == submitter:
        return "whoever submitted a change cannot approve or reject it"
    if not approver.manager and plan.implementer_group not in approver.groups:
        return f"only a member of the implementer group {plan.implementer_group} or a manager may decide on this change"
    return None


def submitter_of(model: str | None, moves: Sequence[tuple[str, str]]) -> str | None:
    """Who submitted the change: the actor of the latest move into its model's submission state,
    from ``moves`` as (actor, target status) in order."""
    state = SUBMISSION_STATES.get(model or "")
    found = None
    for actor, target in moves:
        if target == state:
            found = actor
    return found


# ============================================================================================
# The checks the change lifecycles gate on


def _plan(facts: MoveFacts) -> ChangePlan | None:
    plan = getattr(facts.ticket, "change", None)
    return plan if isinstance(plan, ChangePlan) else None


@dataclass(frozen=True)
class HasApproval:
    """The implementer group approved the plan as it stands."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        return None if plan is not None and plan.approved else "an approval by the implementer group is required"


@dataclass(frozen=True)
class ConflictChecked:
    """Scheduling needs a clean conflict check, or a CAB decision (an approval by a manager) when
    the change collides with another; a freeze refuses it outright."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        if plan is None:
            return None
        problems = [f"the window falls in the change freeze: {reason}" for reason in plan.freezes]
        cab = any(a.cab and a.decision == APPROVE for a in plan.approvals)
        if plan.conflicts and not cab:
            numbers = ", ".join(c.number for c in plan.conflicts)
            problems.append(f"the window conflicts with {numbers}: a CAB decision by a manager is required")
        return "; ".join(problems) or None


@dataclass(frozen=True)
class FreezeJustified:
    """Only an emergency change may go ahead inside a change freeze, and it says why: the move
    into implementation carries the justification as its ``reason`` (recorded with the move)."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        if plan is None or not plan.freezes or (facts.reason and facts.reason.strip()):
            return None
        hit = "; ".join(plan.freezes)
        why = "an emergency change in one needs a justification (reason)"
        return f"the window falls in the change freeze: {hit}; {why}"


@dataclass(frozen=True)
class HasDecision:
    """An emergency change's authorization is recorded (after the fact) before it closes."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        if plan is not None and plan.decided:
            return None
        return "the implementer group's decision on the emergency change must be recorded"


@dataclass(frozen=True)
class WindowStarted:
    """Implementation starts within the change window, not before it."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        if plan is None or plan.window is None:
            return "change.window is required"
        if facts.now < plan.window.start:
            return f"the change window starts at {iso(plan.window.start)}"
        return None


def review_of(plan: ChangePlan, links: Sequence[Any]) -> dict[str, Any]:
    """What a change's review looks at (seed 001, Release step 5): how the implementation went
    (outcome, actual start and end), the incidents linked as caused by it (early-life support
    links them), and the problems and incidents it was meant to resolve (its ``fixes`` links),
    to be closed now that it is in."""
    return {
        "outcome": plan.outcome,
        "actual_start": iso(plan.actual_start) if plan.actual_start else None,
        "actual_end": iso(plan.actual_end) if plan.actual_end else None,
        "caused_incidents": [link.target for link in links if getattr(link, "kind", None) == "caused"],
        "to_close": [link.target for link in links if getattr(link, "kind", None) == "fixes"],
    }


def caused_incidents(ticket: Any) -> bool:
    """Whether an incident is linked as caused by this change."""
    return any(getattr(link, "kind", None) == "caused" for link in getattr(ticket, "links", ()) or ())


@dataclass(frozen=True)
class Succeeded:
    """A standard change closes straight from implementation only when it succeeded and caused no
    incident; otherwise it goes to review."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        if plan is None or plan.outcome is None:
            return "change.outcome is required"
        if plan.outcome in FAILURES:
            return f"a {plan.outcome} change goes to review"
        if caused_incidents(facts.ticket):
            return "a change that caused an incident goes to review"
        return None


@dataclass(frozen=True)
class NeedsReview:
    """A standard change is reviewed only when it failed or caused an incident."""

    def missing(self, facts: MoveFacts) -> str | None:
        plan = _plan(facts)
        if plan is None or plan.outcome is None:
            return "change.outcome is required"
        if plan.outcome not in FAILURES and not caused_incidents(facts.ticket):
            return f"a {plan.outcome} standard change that caused no incident closes without review"
        return None
