"""Assignment within a support group by expertise and current workload. Pure, no I/O.

Seed 003: "Tickets can then be assigned to an appropriate staff member or department based on their
expertise and current workload." Seed 002 asks how responsibility is assigned and transferred; the
answer here is one deterministic rule, whose reasoning is returned with the decision so the audit
trail (and the Service Manager) can read why a ticket went to whom.

An agent is *eligible* for a ticket of ``group`` when all of these hold, checked in this order:

1. ``active``;
2. a member of ``group``;
3. on shift ``now``: the calendar named by the agent's ``shift`` is working (an unknown calendar
   counts as off shift);
4. below capacity: fewer open tickets than ``max_open``.

Eligible agents are ranked by, in order:

1. skill match, most first: how many of the ticket's service name and tags are among the agent's
   skills (compared case-insensitively);
2. workload, lowest first (see :func:`workload_of`);
3. fairness: the agent assigned least recently first (never assigned counts as longest ago);
4. name, alphabetically, so the same inputs always give the same agent.

When nobody is eligible the ticket stays with the group (``assignee=None``) and the reason says
why: ``"nobody on shift in network"`` when members are active but none is on shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.catalog.documents import Agent
from chalicelib.domain.classification import RoutingDecision

#: Weight of one open ticket in an agent's workload, by priority: a P1 weighs as much as five P4s.
PRIORITY_WEIGHTS: Mapping[str, float] = {"P1": 5.0, "P2": 3.0, "P3": 2.0, "P4": 1.0, "P5": 0.5}
#: Weight of an open ticket whose priority is missing or unknown.
UNKNOWN_PRIORITY_WEIGHT = 1.0


class ShiftCalendar(Protocol):
    """What routing needs of a calendar (``BusinessCalendar`` provides it)."""

    def is_working(self, moment: datetime) -> bool: ...


def workload_of(open_tickets: Iterable[tuple[str | None, str | None]]) -> dict[str, float]:
    """Weighted open work per assignee from ``(assignee, priority)`` pairs of open tickets.

    Each ticket adds its :data:`PRIORITY_WEIGHTS` weight (P1 5, P2 3, P3 2, P4 1, P5 0.5; an
    unknown priority 1) to its assignee; unassigned tickets are skipped.
    """
    out: dict[str, float] = {}
    for assignee, priority in open_tickets:
        if not assignee:
            continue
        weight = PRIORITY_WEIGHTS.get(priority or "", UNKNOWN_PRIORITY_WEIGHT)
        out[assignee] = out.get(assignee, 0.0) + weight
    return out


def open_counts_of(open_tickets: Iterable[tuple[str | None, str | None]]) -> dict[str, int]:
    """Number of open tickets per assignee from the same ``(assignee, priority)`` pairs."""
    out: dict[str, int] = {}
    for assignee, _priority in open_tickets:
        if assignee:
            out[assignee] = out.get(assignee, 0) + 1
    return out


def _wanted_skills(service: str | None, tags: Sequence[str]) -> list[str]:
    wanted: list[str] = []
    for term in (service, *tags):
        if term:
            key = term.strip().lower()
            if key and key not in wanted:
                wanted.append(key)
    return wanted


def _excluded(
    agent: Agent,
    group: str,
    calendars: Mapping[str, ShiftCalendar],
    now: datetime,
    open_count: float,
) -> str | None:
    if not agent.active:
        return "inactive"
    if group not in agent.groups:
        return f"not a member of {group}"
    calendar = calendars.get(agent.shift)
    if calendar is None:
        return f"off shift (unknown shift calendar {agent.shift!r})"
    if not calendar.is_working(now):
        return f"off shift ({agent.shift})"
    if open_count >= agent.max_open:
        return f"at capacity ({open_count:g} of {agent.max_open} open)"
    return None


def choose_assignee(
    group: str,
    candidates: Sequence[Agent],
    *,
    service: str | None,
    tags: Sequence[str],
    workload: Mapping[str, float],
    calendars: Mapping[str, ShiftCalendar],
    now: datetime,
    last_assigned: Mapping[str, datetime] | None = None,
    open_counts: Mapping[str, int] | None = None,
) -> RoutingDecision:
    """The agent of ``group`` who should get a ticket about ``service`` with ``tags`` (module rules).

    ``workload`` is the weighted open work per agent (:func:`workload_of`). Capacity compares
    ``open_counts`` (:func:`open_counts_of`) with each agent's ``max_open``; without ``open_counts``
    the weighted workload stands in for the count. ``now`` must be timezone-aware.
    """
    last_assigned = last_assigned or {}
    wanted = _wanted_skills(service, tags)
    eligible: list[tuple[tuple[int, float, int, float, str], dict[str, Any]]] = []
    passed_over: list[dict[str, Any]] = []
    seen: set[str] = set()
    for agent in candidates:
        if agent.name in seen:
            continue
        seen.add(agent.name)
        load = float(workload.get(agent.name, 0.0))
        count: float = open_counts.get(agent.name, 0) if open_counts is not None else load
        skills = {s.lower() for s in agent.skills}
        matched = [term for term in wanted if term in skills]
        previous = last_assigned.get(agent.name)
        entry: dict[str, Any] = {
            "agent": agent.name,
            "eligible": False,
            "excluded": None,
            "skills_matched": matched,
            "skill_score": len(matched),
            "workload": load,
            "open": count if open_counts is not None else None,
            "last_assigned": previous.isoformat() if previous is not None else None,
            "rank": None,
        }
        why = _excluded(agent, group, calendars, now, count)
        if why is not None:
            entry["excluded"] = why
            passed_over.append(entry)
            continue
        entry["eligible"] = True
        # Never assigned sorts before any instant; instants compare as UTC timestamps.
        fairness = (0, 0.0) if previous is None else (1, previous.timestamp())
        eligible.append(((-len(matched), load, fairness[0], fairness[1], agent.name), entry))

    eligible.sort(key=lambda pair: pair[0])
    for rank, (_key, entry) in enumerate(eligible, start=1):
        entry["rank"] = rank
    passed_over.sort(key=lambda entry: entry["agent"])
    scores = [entry for _key, entry in eligible] + passed_over

    if not eligible:
        return RoutingDecision(None, group, _nobody(group, passed_over), scores)

    best_key, best = eligible[0]
    reason = f"{best['agent']}: " + _explain(best_key, best, [key for key, _ in eligible[1:]])
    return RoutingDecision(best["agent"], group, reason, scores)


def _nobody(group: str, passed_over: Sequence[Mapping[str, Any]]) -> str:
    reasons = [str(entry["excluded"]) for entry in passed_over]
    members = [r for r in reasons if r != "inactive" and not r.startswith("not a member")]
    if not members:
        return f"no active agent in {group}"
    if all(r.startswith("off shift") for r in members):
        return f"nobody on shift in {group}"
    return f"nobody available in {group}: everyone on shift is at capacity"


def _explain(
    best_key: tuple[int, float, int, float, str],
    best: Mapping[str, Any],
    others: Sequence[tuple[int, float, int, float, str]],
) -> str:
    skills = ", ".join(best["skills_matched"]) or "none matched"
    parts = [f"skills {skills}"]
    load = f"workload {best['workload']:g}"
    if not others or all(best_key[1] < other[1] for other in others):
        load += " (lowest)"
    parts.append(load)
    parts.append("on shift")
    tied = [other for other in others if other[:2] == best_key[:2]]
    if tied:
        if any(other[2:4] != best_key[2:4] for other in tied):
            when = best["last_assigned"] or "never"
            parts.append(f"least recently assigned (last: {when})")
        else:
            parts.append("tie broken by name")
    return "; ".join(parts)
