"""Escalation rules: what the desk does when an SLA clock warns or breaches, or a ticket keeps reopening.

Pure: no I/O, no ``datetime.now()``.

Documents
=========
Escalation rules are versioned configuration attached to SLA policies (validate with
:meth:`EscalationRules.from_dict`)::

    {"name": "default", "version": 1, "description": "...",
     "policies": ["incident-default"],            # empty or omitted: every policy
     "steps": [
       {"on": "warning", "threshold": 0.75, "clocks": ["resolution"], "priorities": ["P1"],
        "types": ["incident"], "actions": [{"notify": "assignee"}]},
       {"on": "breach", "actions": [{"notify": "group_lead"}, {"reassign_group": "service-desk-tier2"}]},
       {"on": "breach", "after": "2h", "actions": [{"notify": "service_manager"}]},
       {"on": "breach", "priorities": ["P1"], "types": ["incident"], "actions": [{"page": "on_call"}]},
       {"on": "reopened", "count_at_least": 2, "actions": [{"notify": "service_manager"}]}]}

A step fires on a **trigger**:

* ``warning``: an SLA warning alert (``threshold`` picks one warning fraction; omitted: any);
* ``breach``: an SLA breach alert;
* ``reopened``: the ticket's ``reopen_count`` reaching ``count_at_least`` (default 1).

and only when every filter it gives holds: ``clocks`` (warning and breach steps), ``priorities``
and ``types`` (an omitted or empty list matches anything). ``after`` (warning and breach steps) is
a *wall-clock* delay after the alert instant: ``"30m"``, ``"2h"``, ``"1d"``, ``"1h30m"`` or integer
seconds; it is hierarchical escalation (up the management line as time passes), while
``reassign_group`` is functional escalation (to a group with more skill).

Actions, each an object with exactly one key:

* ``{"notify": recipient}``: a notice to the recipient;
* ``{"page": recipient}``: the same, marked urgent (it may interrupt; see ``quiet_hours``);
* ``{"reassign_group": group}``: move the ticket to the named support group.

A recipient is a role (:data:`RECIPIENT_ROLES`) or a literal user id written ``user:<id>``.
Turning roles into people (who leads the ticket's group, who is on call) is the services' job.

Firing
======
:func:`due_steps` matches the alerts a ticket has fired (``sla.clocks.Alert`` objects or their
``to_dict()`` form) against the rules. Every step has a deterministic :attr:`EscalationStep.step_id`
(see :func:`step_id`) built from the ticket, the rule name and version, the step index, the clock
and the clock's cycle; for ``reopened`` steps the reopen count reached takes the place of clock and
cycle. So the same inputs always give the same ids (a sweep claims the id with a conditional write
before acting, and a retried sweep cannot act twice), a reopen (new cycle) gives new ids, and each
further reopen past ``count_at_least`` fires the step again.

A step fires at most once per clock cycle: a ``warning`` step without ``threshold`` fires on the
first warning of the cycle only. A step is due at the alert instant plus ``after`` (the reopen
instant for ``reopened`` steps, else ``now``). :func:`next_escalation_at` tells the sweep when to
come back for steps not yet due.

When several versions of one rule set are given, only the highest version of each name takes part.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from chalicelib.domain import validation as check
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.instants import format_seconds, iso, require_aware, utc
from chalicelib.domain.sla.clocks import CLOCK_NAMES, format_threshold
from chalicelib.domain.sla.policy import PRIORITIES
from chalicelib.domain.ticket import TICKET_TYPES
from chalicelib.domain.validation import DOCUMENT_NAME_PATTERN, DOCUMENT_NAME_REASON, Problems

WARNING = "warning"
BREACH = "breach"
REOPENED = "reopened"
TRIGGERS = (WARNING, BREACH, REOPENED)

NOTIFY = "notify"
PAGE = "page"
REASSIGN_GROUP = "reassign_group"
ACTION_KINDS = (NOTIFY, PAGE, REASSIGN_GROUP)

#: Roles a notice can be addressed to; the services resolve them to people for each ticket.
RECIPIENT_ROLES = ("assignee", "monitor", "group_lead", "service_manager", "requester", "on_call")
USER_PREFIX = "user:"

RULES_FIELDS = frozenset({"name", "version", "description", "policies", "steps"})
STEP_FIELDS = frozenset(
    {"on", "description", "threshold", "clocks", "priorities", "types", "after", "count_at_least", "actions"}
)
_USER_RE = re.compile(r"^[^\s:][^\s]{0,199}$")
_AFTER_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_AT_LEAST_ONE = "must be an integer >= 1"
_GROUP = "must be a group name"


def parse_after(value: object) -> int:
    """Seconds of an ``after`` delay: ``"30m"``, ``"2h"``, ``"1d"``, ``"1h30m"``, ``"90s"`` or integer
    seconds (zero allowed). ``ValueError`` with the reason otherwise."""
    if isinstance(value, bool):
        raise ValueError("must be a duration such as '30m', '2h', '1d' or integer seconds")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if not isinstance(value, str):
        raise ValueError("must be a duration such as '30m', '2h', '1d' or integer seconds")
    text = value.strip()
    match = _AFTER_RE.match(text)
    if not text or match is None:
        raise ValueError(f"{value!r} is not a duration such as '30m', '2h', '1d', '1h30m' or '90s'")
    days, hours, minutes, seconds = (int(group) if group else 0 for group in match.groups())
    return days * 86_400 + hours * 3600 + minutes * 60 + seconds


def is_recipient(value: object) -> bool:
    """A role of :data:`RECIPIENT_ROLES` or ``user:<id>``."""
    if not isinstance(value, str):
        return False
    if value in RECIPIENT_ROLES:
        return True
    return value.startswith(USER_PREFIX) and bool(_USER_RE.match(value[len(USER_PREFIX) :]))


# ============================================================================================
# Documents


@dataclass(frozen=True)
class EscalationAction:
    """One action of a step: ``kind`` is notify, page or reassign_group; ``target`` the recipient or group."""

    kind: str
    target: str

    @property
    def urgent(self) -> bool:
        """A page may interrupt the recipient outside working hours."""
        return self.kind == PAGE

    @property
    def recipient(self) -> str | None:
        return None if self.kind == REASSIGN_GROUP else self.target

    def to_dict(self) -> dict[str, str]:
        return {self.kind: self.target}


@dataclass(frozen=True)
class StepRule:
    """One configured step; ``index`` is its position in the document (part of every step id)."""

    index: int
    on: str
    actions: tuple[EscalationAction, ...]
    description: str = ""
    threshold: float | None = None
    clocks: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    after: str | int | None = None
    count_at_least: int = 1

    @property
    def after_seconds(self) -> int:
        return 0 if self.after is None else parse_after(self.after)

    def matches_ticket(self, facts: EscalationFacts) -> bool:
        return (not self.priorities or facts.priority in self.priorities) and (
            not self.types or facts.type in self.types
        )

    def matches_alert(self, alert: AlertFacts) -> bool:
        if alert.kind != self.on or (self.clocks and alert.clock not in self.clocks):
            return False
        return self.threshold is None or format_threshold(alert.threshold) == format_threshold(self.threshold)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"on": self.on}
        if self.description:
            out["description"] = self.description
        if self.threshold is not None:
            out["threshold"] = self.threshold
        for key in ("clocks", "priorities", "types"):
            value: tuple[str, ...] = getattr(self, key)
            if value:
                out[key] = list(value)
        if self.after is not None:
            out["after"] = self.after
        if self.on == REOPENED:
            out["count_at_least"] = self.count_at_least
        out["actions"] = [action.to_dict() for action in self.actions]
        return out


@dataclass(frozen=True)
class EscalationRules:
    """A validated escalation rule set. Build with :meth:`from_dict`."""

    name: str
    steps: tuple[StepRule, ...]
    version: int = 1
    description: str = ""
    #: SLA policy names the rules attach to; empty: every policy.
    policies: tuple[str, ...] = ()

    def applies_to(self, policy: str | None) -> bool:
        return not self.policies or policy in self.policies

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> EscalationRules:
        """Validate a rules document; raise ``ValidationFailed`` listing every problem with its field path."""
        doc = check.require_mapping(doc, "rules")
        problems = Problems()
        check.unknown_fields(doc, RULES_FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems, pattern=DOCUMENT_NAME_PATTERN, reason=DOCUMENT_NAME_REASON)
        version = check.positive_int(doc.get("version", 1), "version", problems, reason=_AT_LEAST_ONE)
        description = check.string(doc.get("description", ""), "description", problems)
        policies = _names(
            doc.get("policies"), "policies", problems, pattern=DOCUMENT_NAME_PATTERN, reason="must be a policy name"
        )
        steps_doc = doc.get("steps")
        steps: list[StepRule] = []
        if steps_doc is None:
            problems.fail("steps", "is required")
        elif not isinstance(steps_doc, list):
            problems.fail("steps", "must be a list of steps")
        elif not steps_doc:
            problems.fail("steps", "must hold at least one step")
        else:
            for index, step_doc in enumerate(steps_doc):
                step = _parse_step(index, step_doc, problems)
                if step is not None:
                    steps.append(step)
        problems.check()
        assert name is not None
        return cls(name=name, steps=tuple(steps), version=version, description=description, policies=policies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "policies": list(self.policies),
            "steps": [step.to_dict() for step in self.steps],
        }


def _names(
    value: object,
    path: str,
    problems: Problems,
    *,
    choices: Sequence[str] = (),
    pattern: re.Pattern[str] | None = None,
    reason: str = "",
) -> tuple[str, ...]:
    """A list of unique strings from ``choices`` (or matching ``pattern``); omitted or null is empty."""
    seen: list[str] = []

    def read(item: object, item_path: str) -> str | None:
        if choices:
            if check.choice(item, item_path, problems, choices) is None:
                return None
        elif (
            pattern is not None
            and check.name(item, item_path, problems, pattern=pattern, missing=reason, reason=reason) is None
        ):
            return None
        if item in seen:
            problems.fail(item_path, f"{item!r} is listed twice")
            return None
        seen.append(str(item))
        return str(item)

    return tuple(check.items(value, path, problems, read))


def _parse_step(index: int, doc: object, problems: Problems) -> StepRule | None:
    if not isinstance(doc, Mapping):
        problems.fail(f"steps[{index}]", "must be an object")
        return None
    here = problems.at(f"steps[{index}]")
    before = len(problems)
    check.unknown_fields(doc, STEP_FIELDS, here)
    on = doc.get("on")
    if on is None:
        here.fail("on", f"is required: one of {', '.join(TRIGGERS)}")
    else:
        check.choice(on, "on", here, TRIGGERS)
    description = check.string(doc.get("description", ""), "description", here)

    threshold = doc.get("threshold")
    if threshold is not None:
        if on != WARNING:
            here.fail("threshold", "applies to warning steps only")
        elif isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
            here.fail("threshold", "must be a fraction between 0 and 1 (exclusive), such as 0.75")
    clocks = _names(doc.get("clocks"), "clocks", here, choices=CLOCK_NAMES)
    if clocks and on == REOPENED:
        here.fail("clocks", "applies to warning and breach steps only")
    priorities = _names(doc.get("priorities"), "priorities", here, choices=PRIORITIES)
    types = _names(doc.get("types"), "types", here, choices=TICKET_TYPES)

    after = doc.get("after")
    if after is not None:
        if on == REOPENED:
            here.fail("after", "applies to warning and breach steps only")
        else:
            try:
                parse_after(after)
            except ValueError as exc:
                here.fail("after", str(exc))
    count = doc.get("count_at_least")
    if count is not None:
        if on != REOPENED:
            here.fail("count_at_least", "applies to reopened steps only")
        else:
            count = check.positive_int(count, "count_at_least", here, reason=_AT_LEAST_ONE)

    actions = _parse_actions(doc.get("actions"), here)
    if len(problems) > before:
        return None
    return StepRule(
        index=index,
        on=str(on),
        actions=actions,
        description=description,
        threshold=None if threshold is None else float(threshold),
        clocks=clocks,
        priorities=priorities,
        types=types,
        after=after,
        count_at_least=1 if count is None else int(count),
    )


def _parse_actions(value: object, step: Problems) -> tuple[EscalationAction, ...]:
    if value is None:
        step.fail("actions", "is required")
        return ()
    if not isinstance(value, list) or not value:
        step.fail("actions", "must be a non-empty list of actions")
        return ()

    def read(doc: object, path: str) -> EscalationAction | None:
        if not isinstance(doc, Mapping) or len(doc) != 1:
            step.fail(path, f"must be an object with exactly one of {', '.join(ACTION_KINDS)}")
            return None
        ((kind, target),) = doc.items()
        here = f"{path}.{kind}"
        if kind not in ACTION_KINDS:
            step.fail(here, f"unknown action; use one of {', '.join(ACTION_KINDS)}")
            return None
        if kind == REASSIGN_GROUP:
            group = check.name(target, here, step, pattern=DOCUMENT_NAME_PATTERN, missing=_GROUP, reason=_GROUP)
            return None if group is None else EscalationAction(kind, group)
        if not is_recipient(target):
            step.fail(here, f"must be one of {', '.join(RECIPIENT_ROLES)} or 'user:<id>'")
            return None
        return EscalationAction(kind, str(target))

    return tuple(check.items(value, "actions", step, read))


# ============================================================================================
# Firing


@runtime_checkable
class AlertLike(Protocol):
    """What :func:`due_steps` reads of an alert; ``chalicelib.domain.sla.clocks.Alert`` fits."""

    @property
    def clock(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def threshold(self) -> float: ...

    @property
    def cycle(self) -> int: ...

    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True)
class AlertFacts:
    """An alert as escalation reads it."""

    clock: str
    kind: str
    threshold: float
    cycle: int
    at: datetime

    @classmethod
    def of(cls, alert: AlertLike | Mapping[str, Any]) -> AlertFacts:
        """From an ``sla.clocks.Alert`` (or anything alike) or its ``to_dict()`` form."""
        if isinstance(alert, Mapping):
            at = alert.get("at")
            moment = datetime.fromisoformat(at) if isinstance(at, str) else at
            if not isinstance(moment, datetime):
                raise ValueError("alert 'at' must be an ISO-8601 instant")
            return cls(
                clock=str(alert["clock"]),
                kind=str(alert["kind"]),
                threshold=float(alert.get("threshold", 1.0)),
                cycle=int(alert["cycle"]),
                at=require_aware(moment, "alert at"),
            )
        return cls(
            clock=alert.clock,
            kind=alert.kind,
            threshold=float(alert.threshold),
            cycle=int(alert.cycle),
            at=require_aware(alert.at, "alert at"),
        )


@dataclass(frozen=True)
class EscalationFacts:
    """What escalation looks at on a ticket. Build from a mapping (a ticket view works) with :meth:`of`."""

    number: str
    type: str | None = None
    priority: str | None = None
    #: The SLA policy the ticket runs under.
    policy: str | None = None
    reopen_count: int = 0
    #: When the ticket was last reopened; the due instant of ``reopened`` steps (``now`` if unknown).
    reopened_at: datetime | None = None

    @classmethod
    def of(cls, facts: EscalationFacts | Mapping[str, Any]) -> EscalationFacts:
        """Keys: ``number`` (or ``ticket``), ``type``, ``priority``, ``policy`` (else ``sla.policy``),
        ``reopen_count``, ``reopened_at`` (datetime or ISO string)."""
        if isinstance(facts, EscalationFacts):
            return facts
        number = facts.get("number", facts.get("ticket"))
        if not isinstance(number, str) or not number:
            raise ValueError("ticket facts need the ticket 'number'")
        policy = facts.get("policy")
        sla = facts.get("sla")
        if policy is None and isinstance(sla, Mapping):
            policy = sla.get("policy")
        reopened = facts.get("reopened_at")
        if isinstance(reopened, str):
            reopened = datetime.fromisoformat(reopened)
        count = facts.get("reopen_count") or 0
        return cls(
            number=number,
            type=facts.get("type"),
            priority=facts.get("priority"),
            policy=policy if isinstance(policy, str) else None,
            reopen_count=int(count),
            reopened_at=None if reopened is None else require_aware(reopened, "reopened_at"),
        )


def step_id(
    ticket: str, rules: str, version: int, index: int, clock: str | None, cycle: int | None, reopen_count: int = 0
) -> str:
    """``{ticket}:esc:{rules}:v{version}:{index}:{clock}:{cycle}`` for alert steps and
    ``{ticket}:esc:{rules}:v{version}:{index}:reopened:{reopen_count}`` for reopened steps."""
    if clock is None or cycle is None:
        return f"{ticket}:esc:{rules}:v{version}:{index}:{REOPENED}:{reopen_count}"
    return f"{ticket}:esc:{rules}:v{version}:{index}:{clock}:{cycle}"


@dataclass(frozen=True)
class EscalationStep:
    """One step to carry out for one ticket; claim :attr:`step_id` before acting."""

    step_id: str
    ticket: str
    rules: str
    rules_version: int
    index: int
    on: str
    actions: tuple[EscalationAction, ...]
    #: When the step is (or becomes) due: the alert instant plus ``after``, or the reopen instant.
    due_at: datetime
    clock: str | None = None
    cycle: int | None = None
    #: The instant of the alert that triggered it (None for reopened steps).
    alert_at: datetime | None = None
    threshold: float | None = None
    reopen_count: int | None = None
    after_seconds: int = 0
    description: str = ""

    @property
    def urgent(self) -> bool:
        return any(action.urgent for action in self.actions)

    @property
    def reassign_to(self) -> str | None:
        """The group of the last ``reassign_group`` action, if any."""
        groups = [action.target for action in self.actions if action.kind == REASSIGN_GROUP]
        return groups[-1] if groups else None

    @property
    def recipients(self) -> list[tuple[str, bool]]:
        """``(recipient, urgent)`` for every notify / page action, in order."""
        return [(action.target, action.urgent) for action in self.actions if action.kind != REASSIGN_GROUP]

    def describe(self) -> str:
        """A one-line account, e.g. ``"resolution breach (cycle 1) + 2h: notify service_manager"``."""
        if self.on == REOPENED:
            trigger = f"reopened {self.reopen_count} times"
        else:
            label = self.on if self.threshold is None or self.on == BREACH else f"warning at {self.threshold:g}"
            trigger = f"{self.clock} {label} (cycle {self.cycle})"
        if self.after_seconds:
            trigger += f" + {format_seconds(self.after_seconds, days=True)}"
        actions = ", ".join(f"{a.kind.replace('_', ' ')} {a.target}" for a in self.actions)
        return f"{trigger}: {actions}"

    def event_after(self) -> dict[str, Any]:
        """The ``after`` payload of the ``escalated`` event recording the step (read by :func:`done_from_events`)."""
        return {
            "step_id": self.step_id,
            "rules": self.rules,
            "rules_version": self.rules_version,
            "step": self.index,
            "on": self.on,
            "clock": self.clock,
            "cycle": self.cycle,
            "reopen_count": self.reopen_count,
            "due_at": iso(self.due_at),
            "actions": [action.to_dict() for action in self.actions],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.event_after(),
            "ticket": self.ticket,
            "alert_at": iso(self.alert_at),
            "threshold": self.threshold,
            "after_seconds": self.after_seconds,
            "urgent": self.urgent,
            "description": self.description,
            "summary": self.describe(),
        }


def done_from_events(events: Sequence[TicketEvent]) -> frozenset[str]:
    """Step ids recorded by ``escalated`` events (see :meth:`EscalationStep.event_after`)."""
    return frozenset(
        str(event.after["step_id"])
        for event in events
        if event.kind == EventKind.ESCALATED and isinstance(event.after.get("step_id"), str)
    )


def _latest(rules: EscalationRules | Sequence[EscalationRules]) -> list[EscalationRules]:
    given = [rules] if isinstance(rules, EscalationRules) else list(rules)
    latest: dict[str, EscalationRules] = {}
    for rule_set in given:
        held = latest.get(rule_set.name)
        if held is None or rule_set.version > held.version:
            latest[rule_set.name] = rule_set
    return [latest[name] for name in sorted(latest)]


def all_steps(
    rules: EscalationRules | Sequence[EscalationRules],
    *,
    ticket_facts: EscalationFacts | Mapping[str, Any],
    alerts_fired: Sequence[AlertLike | Mapping[str, Any]],
    now: datetime,
) -> list[EscalationStep]:
    """Every step the fired alerts and the reopen count call for, due or not yet due."""
    require_aware(now, "now")
    facts = EscalationFacts.of(ticket_facts)
    alerts = sorted((AlertFacts.of(alert) for alert in alerts_fired), key=lambda a: (a.at, a.clock, a.threshold))
    found: dict[str, EscalationStep] = {}
    for rule_set in _latest(rules):
        if not rule_set.applies_to(facts.policy):
            continue
        for step in rule_set.steps:
            if not step.matches_ticket(facts):
                continue
            if step.on == REOPENED:
                if facts.reopen_count >= step.count_at_least:
                    ident = step_id(
                        facts.number, rule_set.name, rule_set.version, step.index, None, None, facts.reopen_count
                    )
                    found.setdefault(
                        ident,
                        EscalationStep(
                            step_id=ident,
                            ticket=facts.number,
                            rules=rule_set.name,
                            rules_version=rule_set.version,
                            index=step.index,
                            on=step.on,
                            actions=step.actions,
                            due_at=utc(facts.reopened_at or now),
                            reopen_count=facts.reopen_count,
                            description=step.description,
                        ),
                    )
                continue
            delay = step.after_seconds
            for alert in alerts:  # earliest first: the first matching alert of a cycle wins
                if not step.matches_alert(alert):
                    continue
                ident = step_id(facts.number, rule_set.name, rule_set.version, step.index, alert.clock, alert.cycle)
                found.setdefault(
                    ident,
                    EscalationStep(
                        step_id=ident,
                        ticket=facts.number,
                        rules=rule_set.name,
                        rules_version=rule_set.version,
                        index=step.index,
                        on=step.on,
                        actions=step.actions,
                        due_at=utc(alert.at + timedelta(seconds=delay)),
                        clock=alert.clock,
                        cycle=alert.cycle,
                        alert_at=utc(alert.at),
                        threshold=alert.threshold if alert.kind == WARNING else None,
                        after_seconds=delay,
                        description=step.description,
                    ),
                )
    return sorted(found.values(), key=lambda s: (s.due_at, s.rules, s.index, s.clock or "", s.cycle or 0))


def due_steps(
    rules: EscalationRules | Sequence[EscalationRules],
    *,
    ticket_facts: EscalationFacts | Mapping[str, Any],
    alerts_fired: Sequence[AlertLike | Mapping[str, Any]],
    now: datetime,
    done: Collection[str] = (),
) -> list[EscalationStep]:
    """The steps to carry out at ``now``: due (``due_at <= now``) and not in ``done`` (step ids already
    claimed, e.g. :func:`done_from_events`). Sorted by due instant, then rule set, step index, clock."""
    return [
        step
        for step in all_steps(rules, ticket_facts=ticket_facts, alerts_fired=alerts_fired, now=now)
        if step.due_at <= now and step.step_id not in done
    ]


def next_escalation_at(
    rules: EscalationRules | Sequence[EscalationRules],
    *,
    ticket_facts: EscalationFacts | Mapping[str, Any],
    alerts_fired: Sequence[AlertLike | Mapping[str, Any]],
    now: datetime,
    done: Collection[str] = (),
) -> datetime | None:
    """When the sweep must come back: the earliest ``due_at`` of a step not in ``done``.

    With ``done`` given (the ids claimed so far, including this sweep's), a step left over from an
    interrupted sweep keeps its past instant, so the ticket stays due until it is carried out.
    Without ``done``, steps due at or before ``now`` count as carried out by the current sweep and
    only later ones are considered. ``None`` when nothing is left.
    """
    steps = all_steps(rules, ticket_facts=ticket_facts, alerts_fired=alerts_fired, now=now)
    if done:
        pending = [step.due_at for step in steps if step.step_id not in done]
    else:
        pending = [step.due_at for step in steps if step.due_at > now]
    return min(pending, default=None)
