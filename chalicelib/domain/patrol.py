"""The Service Manager's morning patrol digest. Pure: no I/O, no ``datetime.now()``.

Seed 000 asks for a "Morning patrol by Service Manager of tickets" and to "Brief management on
exceptional tickets to investigate and understand". :func:`morning_patrol` reads ticket views (the
dicts ``chalicelib.services.tickets.ticket_view`` returns, plus the optional keys
``out_of_catalog``, ``triage`` and ``status_since``) and sorts what deserves a look into sections.
A ticket can appear in several sections.

Sections, in digest order (``key``: rule):

``breached``          a clock breached after the previous patrol and at or before ``now`` (every
                      breach up to ``now`` when there was no previous patrol); any status. The
                      instant is the clock's ``breached_at`` or else its ``due_at``.
``at_risk``           open, a ``running`` clock not breached and due after ``now`` and before the
                      horizon: the end of the patrol's local day, or ``now + at_risk_horizon``.
``open_p1_p2``        open and priority P1 or P2.
``unassigned``        open, no assignee, opened longer than ``unassigned_after`` ago.
``waiting_too_long``  ``waiting_on_requester`` for longer than ``waiting_too_long_after`` (since
                      ``status_since``, else ``updated_at``).
``reopened``          reopened at least once and not closed or cancelled.
``out_of_catalog``    open and flagged ``out_of_catalog``.
``awaiting_triage``   open and flagged ``triage``.
``vip``               open and ``vip``.
``change_conflicts``  an open change request whose window conflicts with another change's.
``low_ratings``       a requester rated a resolution ``low_rating_max`` (2) or less after the
                      previous patrol and at or before ``now`` (any status; the ratings come in
                      beside the views, ``low_ratings``), by rating instant.

"Open" means a status of the open or waiting phase of the ticket's lifecycle (for incidents:
new, assigned, in_progress, waiting_on_requester).

**Brief management** (``brief_management`` on every entry of the ticket, and one line per ticket
in ``management_brief``) when the ticket, as of the patrol, is any of:

* breached (a clock breached) at priority P1 or P2;
* breached and VIP;
* reopened two or more times;
* breached on more than one clock.

Ordering is deterministic: ``breached`` by breach instant, ``at_risk`` by due instant, every
other section by priority (P1 first), each then by ticket number; ``management_brief`` by
priority, then number. Times in reasons are local to ``settings.timezone`` and said relative to the
patrol date ("14:05 yesterday").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.instants import aware_instant, format_span, iso, require_aware, utc
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.processes import phase_of

BRIEF_PRIORITIES = ("P1", "P2")
_PRIORITY_ORDER = ("P1", "P2", "P3", "P4", "P5")

BREACHED = "breached"
AT_RISK = "at_risk"
OPEN_P1_P2 = "open_p1_p2"
UNASSIGNED = "unassigned"
WAITING_TOO_LONG = "waiting_too_long"
REOPENED = "reopened"
OUT_OF_CATALOG = "out_of_catalog"
AWAITING_TRIAGE = "awaiting_triage"
VIP = "vip"
CHANGE_CONFLICTS = "change_conflicts"
LOW_RATINGS = "low_ratings"
SECTION_KEYS = (
    BREACHED,
    AT_RISK,
    OPEN_P1_P2,
    UNASSIGNED,
    WAITING_TOO_LONG,
    REOPENED,
    OUT_OF_CATALOG,
    AWAITING_TRIAGE,
    VIP,
    CHANGE_CONFLICTS,
    LOW_RATINGS,
)


@dataclass(frozen=True)
class PatrolSettings:
    """Thresholds of the patrol."""

    unassigned_after: timedelta = timedelta(hours=4)
    waiting_too_long_after: timedelta = timedelta(days=3)
    #: None: at risk means due before the end of the patrol's local day; else due before ``now + horizon``.
    at_risk_horizon: timedelta | None = None
    #: The Service Manager's zone, for the local day and the times shown.
    timezone: str = "America/Chicago"
    #: Satisfaction ratings at or below this are listed (``LOW_RATING_MAX``).
    low_rating_max: int = 2

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class RatingSeen:
    """A requester's rating of one resolution, as the patrol lists it."""

    number: str
    title: str
    priority: str
    rating: int
    comment: str | None
    rated_at: datetime
    #: Who held the ticket when it was resolved (the assignee, else whoever resolved it).
    resolved_by: str | None = None


@dataclass(frozen=True)
class PatrolEntry:
    """One ticket in one section."""

    number: str
    title: str
    priority: str
    reason: str
    brief_management: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "priority": self.priority,
            "reason": self.reason,
            "brief_management": self.brief_management,
        }

    def line(self) -> str:
        flag = "  [brief management]" if self.brief_management else ""
        return f"{self.number} [{self.priority}] {self.title}: {self.reason}{flag}"


@dataclass(frozen=True)
class PatrolSection:
    key: str
    title: str
    entries: tuple[PatrolEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "count": len(self.entries),
            "entries": [entry.to_dict() for entry in self.entries],
        }


@dataclass(frozen=True)
class BriefItem:
    """One ticket to brief management on, with every reason it qualifies."""

    number: str
    title: str
    priority: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "priority": self.priority, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class PatrolDigest:
    patrol_date: date
    timezone: str
    generated_at: datetime
    previous_patrol: datetime | None
    sections: tuple[PatrolSection, ...]
    management_brief: tuple[BriefItem, ...] = field(default_factory=tuple)
    #: The problem candidates awaiting a decision (``chalicelib.domain.candidates``, their ``to_dict``).
    problem_candidates: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    #: What the patrolled Slack channels hold since the last patrol (``chalicelib.domain.channel_patrol``).
    slack: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    def section(self, key: str) -> PatrolSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def numbers(self, key: str) -> list[str]:
        """The ticket numbers of one section, in order."""
        return [entry.number for entry in self.section(key).entries]

    @property
    def ticket_count(self) -> int:
        """How many distinct tickets the digest mentions."""
        return len({entry.number for section in self.sections for entry in section.entries})

    def to_dict(self) -> dict[str, Any]:
        return {
            "patrol_date": self.patrol_date.isoformat(),
            "timezone": self.timezone,
            "generated_at": iso(self.generated_at),
            "previous_patrol": iso(self.previous_patrol),
            "ticket_count": self.ticket_count,
            "sections": [section.to_dict() for section in self.sections],
            "management_brief": [item.to_dict() for item in self.management_brief],
            "problem_candidates": [dict(c) for c in self.problem_candidates],
            "slack": [dict(m) for m in self.slack],
        }

    def to_text(self) -> str:
        """A plain-text digest for email or Slack."""
        zone = ZoneInfo(self.timezone)
        since = f", since {_when(self.previous_patrol, self.patrol_date, zone)}" if self.previous_patrol else ""
        lines = [
            f"Morning patrol, {self.patrol_date.strftime('%a %d %b %Y')} ({self.timezone}){since}",
            f"{self.ticket_count} ticket(s) to look at; {len(self.management_brief)} to brief management on.",
        ]
        for section in self.sections:
            lines.append("")
            lines.append(f"{section.title} ({len(section.entries)})")
            if not section.entries:
                lines.append("  none")
            lines.extend(f"  * {entry.line()}" for entry in section.entries)
        lines.append("")
        lines.append(f"Brief management ({len(self.management_brief)})")
        if not self.management_brief:
            lines.append("  none")
        for item in self.management_brief:
            lines.append(f"  * {item.number} [{item.priority}] {item.title}: {'; '.join(item.reasons)}")
        lines.append("")
        lines.append(f"New problem candidates ({len(self.problem_candidates)})")
        if not self.problem_candidates:
            lines.append("  none")
        for candidate in self.problem_candidates:
            why = candidate.get("why") or {}
            words = ", ".join(why.get("shared_words") or ())
            shared = f" (shared words: {words})" if words else ""
            incidents = ", ".join(candidate.get("incidents") or ())
            lines.append(f"  * {candidate.get('id')}: {why.get('reason', '')}{shared}: {incidents}")
        if self.slack:
            lines.append("")
            lines.append(f"Slack channels ({len(self.slack)})")
            for found in self.slack:
                lines.append(f"  * {found.get('line') or str(found.get('channel')) + ': ' + str(found.get('why'))}")
        return "\n".join(lines) + "\n"


# ============================================================================================
# Building the digest


def morning_patrol(
    tickets: Iterable[Mapping[str, Any]],
    *,
    patrol_date: date,
    previous_patrol: datetime | None,
    now: datetime,
    settings: PatrolSettings | None = None,
    candidates: Sequence[Mapping[str, Any]] = (),
    slack: Sequence[Mapping[str, Any]] = (),
    low_ratings: Sequence[RatingSeen] = (),
) -> PatrolDigest:
    """The digest of ``tickets`` for the patrol of ``patrol_date`` at ``now`` (rules: module docstring)."""
    require_aware(now, "now")
    if previous_patrol is not None:
        require_aware(previous_patrol, "previous_patrol")
    settings = settings or PatrolSettings()
    zone = settings.zone
    if settings.at_risk_horizon is None:
        horizon = utc(datetime.combine(patrol_date + timedelta(days=1), time(0), tzinfo=zone))
    else:
        horizon = now + settings.at_risk_horizon
    views = sorted((_View.of(doc) for doc in tickets), key=lambda v: v.number)
    found: dict[str, list[tuple[tuple[Any, ...], _View, str]]] = {key: [] for key in SECTION_KEYS}

    def say(moment: datetime) -> str:
        return _when(moment, patrol_date, zone)

    for view in views:
        phase = phase_of(view.type, view.status)
        is_open = phase.is_open

        breaches = [(name, at) for name, at in view.breaches() if at is None or at <= now]
        recent = [
            (name, at)
            for name, at in breaches
            if (at is None and previous_patrol is None)
            or (at is not None and (previous_patrol is None or at > previous_patrol))
        ]
        if recent:
            parts = [f"{_clock(name)} breached" + (f" at {say(at)}" if at else "") for name, at in recent]
            first = min((at for _, at in recent if at is not None), default=now)
            found[BREACHED].append(((first,), view, f"{'; '.join(parts)}, {view.assigned()}"))

        if is_open:
            risky = [(name, due) for name, due in view.running_dues() if now < due <= horizon]
            if risky:
                parts = [f"{_clock(name)} due at {say(due)} (in {_span(due - now)})" for name, due in risky]
                found[AT_RISK].append(((min(d for _, d in risky),), view, f"{'; '.join(parts)}, {view.assigned()}"))

            if view.priority in BRIEF_PRIORITIES:
                found[OPEN_P1_P2].append(
                    ((), view, f"{view.priority} {view.kind()}, {view.status_text(say)}, {view.assigned()}")
                )

            if view.assignee is None and view.created_at is not None:
                age = now - view.created_at
                if age > settings.unassigned_after:
                    group = f" (group {view.group})" if view.group else " (no group)"
                    found[UNASSIGNED].append(
                        ((), view, f"unassigned for {_span(age)} since opened at {say(view.created_at)}{group}")
                    )

            if phase == Phase.WAITING:
                since = view.status_since or view.updated_at
                if since is not None and now - since > settings.waiting_too_long_after:
                    who = f" ({view.requester})" if view.requester else ""
                    found[WAITING_TOO_LONG].append(
                        ((), view, f"waiting on the requester{who} for {_span(now - since)}, since {say(since)}")
                    )

            if view.out_of_catalog:
                detail = view.out_of_catalog if isinstance(view.out_of_catalog, str) else "no catalog service matched"
                found[OUT_OF_CATALOG].append(((), view, f"out of catalog: {detail}, {view.assigned()}"))

            if view.triage:
                found[AWAITING_TRIAGE].append(
                    ((), view, f"awaiting triage, opened at {say(view.created_at) if view.created_at else 'unknown'}")
                )

            if view.vip:
                who = f" from {view.requester}" if view.requester else ""
                found[VIP].append(((), view, f"VIP {view.kind()}{who}, {view.status_text(say)}, {view.assigned()}"))

            if view.conflicts:
                found[CHANGE_CONFLICTS].append(
                    ((), view, f"{_status(view.status)}, conflicts with {', '.join(view.conflicts)}")
                )

        if view.reopen_count >= 1 and not phase.is_terminal:
            times = "once" if view.reopen_count == 1 else f"{view.reopen_count} times"
            found[REOPENED].append(((), view, f"reopened {times}, now {_status(view.status)}, {view.assigned()}"))

    by_number = {view.number: view for view in views}
    for seen in low_ratings:
        if seen.rating > settings.low_rating_max or seen.rated_at > now:
            continue
        if previous_patrol is not None and seen.rated_at <= previous_patrol:
            continue
        view = by_number.get(seen.number) or _View.of(
            {"number": seen.number, "title": seen.title, "priority": seen.priority}
        )
        said = f": \u201c{_clip(seen.comment)}\u201d" if seen.comment else " (no comment)"
        who = f", handled by {seen.resolved_by}" if seen.resolved_by else ""
        found[LOW_RATINGS].append(
            ((utc(seen.rated_at),), view, f"rated {seen.rating}/5 at {say(seen.rated_at)}{said}{who}")
        )

    brief: dict[str, BriefItem] = {}
    sections: list[PatrolSection] = []
    for key in SECTION_KEYS:
        rows = sorted(found[key], key=lambda row: (*row[0], _rank(row[1].priority), row[1].number))
        entries: list[PatrolEntry] = []
        for _, view, reason in rows:
            reasons = view.brief_reasons()
            if reasons and view.number not in brief:
                brief[view.number] = BriefItem(view.number, view.title, view.priority, tuple(reasons))
            entries.append(PatrolEntry(view.number, view.title, view.priority, reason, bool(reasons)))
        sections.append(PatrolSection(key, _title(key, settings), tuple(entries)))

    return PatrolDigest(
        patrol_date=patrol_date,
        timezone=settings.timezone,
        generated_at=utc(now),
        previous_patrol=None if previous_patrol is None else utc(previous_patrol),
        sections=tuple(sections),
        management_brief=tuple(sorted(brief.values(), key=lambda item: (_rank(item.priority), item.number))),
        problem_candidates=tuple(candidates),
        slack=tuple(slack),
    )


def _title(key: str, settings: PatrolSettings) -> str:
    titles = {
        BREACHED: "Breached since the last patrol",
        AT_RISK: "At risk today"
        if settings.at_risk_horizon is None
        else f"At risk within {_span(settings.at_risk_horizon)}",
        OPEN_P1_P2: "Open P1/P2",
        UNASSIGNED: f"Unassigned for more than {_span(settings.unassigned_after)}",
        WAITING_TOO_LONG: f"Waiting on the requester for more than {_span(settings.waiting_too_long_after)}",
        REOPENED: "Reopened",
        OUT_OF_CATALOG: "Out of catalog",
        AWAITING_TRIAGE: "Awaiting triage",
        VIP: "VIP requests",
        CHANGE_CONFLICTS: "Changes in conflict",
        LOW_RATINGS: f"Rated {settings.low_rating_max} or less since the last patrol",
    }
    return titles[key]


@dataclass(frozen=True)
class _View:
    """The fields of a ticket view the patrol reads, parsed."""

    number: str
    title: str
    type: str
    status: str
    priority: str
    requester: str | None
    assignee: str | None
    group: str | None
    created_at: datetime | None
    updated_at: datetime | None
    status_since: datetime | None
    reopen_count: int
    vip: bool
    out_of_catalog: object
    triage: bool
    clocks: Mapping[str, Mapping[str, Any]]
    sla_breached: bool
    #: A change request's conflicting changes (numbers).
    conflicts: tuple[str, ...] = ()

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> _View:
        sla = doc.get("sla") if isinstance(doc.get("sla"), Mapping) else {}
        assert isinstance(sla, Mapping)
        clocks = sla.get("clocks") if isinstance(sla.get("clocks"), Mapping) else {}
        assert isinstance(clocks, Mapping)
        return cls(
            number=str(doc.get("number") or "?"),
            title=str(doc.get("title") or "(no title)"),
            type=str(doc.get("type") or "ticket"),
            status=str(doc.get("status") or "new"),
            priority=str(doc.get("priority") or "P?"),
            requester=doc.get("requester") or None,
            assignee=doc.get("assignee") or None,
            group=doc.get("group") or None,
            created_at=aware_instant(doc.get("created_at")),
            updated_at=aware_instant(doc.get("updated_at")),
            status_since=aware_instant(doc.get("status_since")),
            reopen_count=int(doc.get("reopen_count") or 0),
            vip=bool(doc.get("vip")),
            out_of_catalog=doc.get("out_of_catalog") or False,
            triage=bool(doc.get("triage")),
            clocks={str(k): v for k, v in clocks.items() if isinstance(v, Mapping)},
            sla_breached=bool(sla.get("breached")),
            conflicts=_conflicts(doc.get("change")),
        )

    def breaches(self) -> list[tuple[str, datetime | None]]:
        out = [
            (name, aware_instant(clock.get("breached_at")) or aware_instant(clock.get("due_at")))
            for name, clock in sorted(self.clocks.items())
            if clock.get("breached") or clock.get("state") == "breached"
        ]
        return sorted(out, key=lambda item: (item[1] or datetime.max.replace(tzinfo=UTC), item[0]))

    def running_dues(self) -> list[tuple[str, datetime]]:
        out: list[tuple[str, datetime]] = []
        for name, clock in sorted(self.clocks.items()):
            due = aware_instant(clock.get("due_at"))
            if clock.get("state") == "running" and not clock.get("breached") and due is not None:
                out.append((name, due))
        return sorted(out, key=lambda item: (item[1], item[0]))

    def brief_reasons(self) -> list[str]:
        breached = len(self.breaches())
        is_breached = breached > 0 or self.sla_breached
        reasons: list[str] = []
        if is_breached and self.priority in BRIEF_PRIORITIES:
            reasons.append(f"breached at {self.priority}")
        if is_breached and self.vip:
            reasons.append("breached VIP request")
        if self.reopen_count >= 2:
            reasons.append(f"reopened {self.reopen_count} times")
        if breached > 1:
            reasons.append(f"{breached} clocks breached")
        return reasons

    def assigned(self) -> str:
        if self.assignee and self.group:
            return f"assigned to {self.assignee} ({self.group})"
        if self.assignee:
            return f"assigned to {self.assignee}"
        if self.group:
            return f"unassigned in group {self.group}"
        return "unassigned"

    def kind(self) -> str:
        return self.type.replace("_", " ")

    def status_text(self, say: Callable[[datetime], str]) -> str:
        if self.status_since is not None:
            return f"{_status(self.status)} since {say(self.status_since)}"
        if self.created_at is not None:
            return f"{_status(self.status)}, opened at {say(self.created_at)}"
        return _status(self.status)


def _conflicts(change: object) -> tuple[str, ...]:
    found = change.get("conflicts") if isinstance(change, Mapping) else None
    if not isinstance(found, list):
        return ()
    return tuple(str(c["number"]) for c in found if isinstance(c, Mapping) and "number" in c)


def _clip(text: str, limit: int = 120) -> str:
    """A comment on one line, cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def _rank(priority: str) -> int:
    return _PRIORITY_ORDER.index(priority) if priority in _PRIORITY_ORDER else len(_PRIORITY_ORDER)


def _clock(name: str) -> str:
    return name.replace("_", " ")


def _status(status: str) -> str:
    return status.replace("_", " ")


def _when(moment: datetime, patrol_date: date, zone: ZoneInfo) -> str:
    """``"14:05 today"``, ``"14:05 yesterday"``, ``"09:00 tomorrow"`` or ``"09:00 on Thu 19 Nov"``."""
    local = moment.astimezone(zone)
    days = (local.date() - patrol_date).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return f"{clock} today"
    if days == -1:
        return f"{clock} yesterday"
    if days == 1:
        return f"{clock} tomorrow"
    day = local.strftime("%a %d %b") if local.year == patrol_date.year else local.strftime("%a %d %b %Y")
    return f"{clock} on {day}"


def _span(delta: timedelta) -> str:
    """``"45 min"``, ``"5 h 20 min"``, ``"3 d 2 h"``."""
    return format_span(delta.total_seconds())


def digest_sections(digest: PatrolDigest) -> Sequence[str]:
    """The section keys that hold at least one ticket."""
    return [section.key for section in digest.sections if section.entries]
