"""The weekly steering report: built from the rollups on demand, and every Monday morning in the
Service Manager's zone kept and sent to the Service Manager's channels, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.instants import aware_instant
from chalicelib.domain.measures import ALL, TICKETS
from chalicelib.domain.notice import SERVICE_MANAGER, STEERING
from chalicelib.domain.reports import satisfaction_summary
from chalicelib.domain.steering import parse_week, to_text, week_name, weeks_back
from chalicelib.observability import logger
from chalicelib.services.patrol import parse_clock_time
from chalicelib.services.ports import Clock, TicketRepository
from chalicelib.services.reports import ReportService


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


class SteeringReports:
    def __init__(
        self,
        reports: ReportService,
        store: Any,
        tickets: TicketRepository,
        claims: Any,
        notices: Any,
        clock: Clock,
        *,
        service_manager: str,
        timezone: str,
        send_time: str = "08:00",
        found_candidates: Callable[[datetime, datetime], Sequence[Mapping[str, Any]]] | None = None,
        low_rating_max: int = 2,
    ) -> None:
        self.reports = reports
        self.store = store
        self.tickets = tickets
        self.claims = claims
        self.notices = notices
        self.clock = clock
        self.service_manager = service_manager
        self.zone = ZoneInfo(timezone)
        self.send_time = parse_clock_time(send_time)
        #: The problem candidates first found in ``[from, to)`` (``CandidateStore.found_between``).
        self.found_candidates = found_candidates
        self.low_rating_max = low_rating_max

    # -- building ---------------------------------------------------------------------------

    def _week_figures(
        self, name: str, first: date, last: date, candidates: Sequence[Mapping[str, Any]] = ()
    ) -> dict[str, Any]:
        measures = self.reports.measures(first, last, None)["rows"]
        row = measures[0] if measures else None
        by_type = self.reports.measures(first, last, "type")["rows"]
        by_model = self.reports.measures(first, last, "model")["rows"]
        sla = self.reports.sla(first, last, None)["rows"]
        return {
            "week": name,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "opened": row["opened"] if row else 0,
            "resolved": row["resolved"] if row else 0,
            "fcr_rate": row["fcr_rate"] if row else None,
            "reopen_rate": row["reopen_rate"] if row else None,
            "median_respond_s": row["time_to_respond"]["median_s"] if row else None,
            "median_resolve_s": row["time_to_resolve"]["median_s"] if row else None,
            "backlog": row["backlog"]["total"] if row and row["backlog"] else 0,
            "opened_by_process": {r["key"]: r["opened"] for r in by_type if r["opened"]},
            "sla": {r["clock"]: r["compliance"] for r in sla},
            "sla_without_pauses": {r["clock"]: r["compliance_without_pauses"] for r in sla},
            "changes": row["changes"] if row else {"count": 0, "success_rate": None},
            "changes_by_model": {r["key"]: r["changes"] for r in by_model if r["changes"]["count"]},
            "problems": row["problems"] if row else {},
            "known_errors_added": row["problems"]["known_errors_added"] if row else 0,
            "problem_candidates_added": len(candidates),
            "satisfaction": row["satisfaction"] if row else satisfaction_summary({}),
            "corrections": row["corrections"] if row else {"count": 0, "fields": {}},
        }

    def _lists(self, first: date, last: date) -> dict[str, list[str]]:
        names: dict[str, set[str]] = {}
        for _, _, values in self.store.daily(ALL, first, last, family=TICKETS):
            for name, count in values.items():
                if count > 0:
                    kind, _, rest = name.partition(".")
                    names.setdefault(kind, set()).add(rest)
        return {kind: sorted(items) for kind, items in names.items()}

    def _reason(self, kind: str, entry: str) -> str:
        """One line about a listed ticket (``entry``: ``<clock>.<number>`` or ``<number>``)."""
        clock, _, number = entry.rpartition(".")
        ticket = self.tickets.get(number)
        if ticket is None:
            return f"{number}: no longer stored"
        who = f"{ticket.priority}, {ticket.group or 'no group'}, {ticket.assignee or 'unassigned'}"
        title = ticket.title if len(ticket.title) <= 60 else ticket.title[:59] + "…"
        if kind == "breached":
            used = (ticket.sla or {}).get("clocks", {}).get(clock, {})
            target = used.get("target") or "its target"
            return f"{number} {title}: {clock.replace('_', ' ')} breached, {target} ({who}; now {ticket.status})"
        if kind == "long_paused":
            return f"{number} {title}: {clock.replace('_', ' ')} paused longer than the governance share ({who})"
        if kind == "reopened":
            return f"{number} {title}: reopened ({who}; reopened {ticket.reopen_count}x, now {ticket.status})"
        if kind == "known_error":
            return f"{number} {title}: became a known error ({ticket.status})"
        if kind == "rated":
            return f"{number} {title}: rated {clock}/5 ({who}; now {ticket.status})"
        return f"{number} {title}: classification corrected ({who})"

    def _candidates_by_week(self, weeks: Sequence[tuple[str, date, date]]) -> dict[str, list[Mapping[str, Any]]]:
        """The problem candidates first found in each week (days in the reports' zone): one read
        over the five weeks."""
        out: dict[str, list[Mapping[str, Any]]] = {name: [] for name, _, _ in weeks}
        if self.found_candidates is None:
            return out
        zone = self.reports.zone
        start = datetime.combine(weeks[0][1], time(0), tzinfo=zone)
        end = datetime.combine(weeks[-1][2] + timedelta(days=1), time(0), tzinfo=zone)
        for candidate in self.found_candidates(start, end):
            span = (candidate.get("why") or {}).get("span") or {}
            found = aware_instant(candidate.get("found_at")) or aware_instant(span.get("to"))
            if found is None:
                continue
            day = found.astimezone(zone).date()
            for name, first, last in weeks:
                if first <= day <= last:
                    out[name].append(candidate)
        return out

    def build(self, monday: date) -> dict[str, Any]:
        weeks = weeks_back(monday)
        name, first, last = weeks[-1]
        lists = self._lists(first, last)
        candidates = self._candidates_by_week(weeks)
        figures = [self._week_figures(*week, candidates=candidates[week[0]]) for week in weeks]
        low = [e for e in lists.get("rated", []) if int(e.split(".", 1)[0]) <= self.low_rating_max]
        return {
            "week": name,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "zone": self.reports.zone.key,
            "weeks": figures,
            "sla_by_business_unit": self.reports.sla(first, last, "business_unit")["rows"],
            "sla_by_service": self.reports.sla(first, last, "service")["rows"],
            "breaches": [self._reason("breached", e) for e in lists.get("breached", [])],
            "reopened": [self._reason("reopened", e) for e in lists.get("reopened", [])],
            "long_paused": [self._reason("long_paused", e) for e in lists.get("long_paused", [])],
            "known_errors_added": [self._reason("known_error", e) for e in lists.get("known_error", [])],
            "problem_candidates_added": [
                f"{c.get('id')}: {(c.get('why') or {}).get('reason', '')} ({c.get('state')}; "
                f"incidents {', '.join(c.get('incidents') or ())})"
                for c in candidates[name]
            ],
            "satisfaction": figures[-1]["satisfaction"],
            "low_ratings": [self._reason("rated", e) for e in sorted(low)],
            "corrections": {
                **figures[-1]["corrections"],
                "tickets": [self._reason("corrected", e) for e in lists.get("corrected", [])],
            },
        }

    def report(self, week: str | None) -> dict[str, Any]:
        """The week's report: as kept when it was sent, else built now."""
        monday = parse_week(week)
        kept = self.store.kept_report(f"steering#{week_name(monday)}")
        if kept is not None:
            return dict(kept)
        return self.build(monday)

    # -- the Monday run ---------------------------------------------------------------------

    def send_if_due(self) -> bool:
        """On Monday after the send time (the Service Manager's zone): build last week's report,
        keep it and send it once; True if this call sent it."""
        now: datetime = self.clock()
        local = now.astimezone(self.zone)
        if local.isoweekday() != 1 or local.time() < self.send_time:
            return False
        monday = local.date() - timedelta(days=7)
        name = week_name(monday)
        claim_id = f"steering:{name}"
        if self.claims.claimed(claim_id):
            return False  # kept and sent already: the schedule's later runs build nothing
        report = self.build(monday)
        self.store.keep_report(f"steering#{name}", report)
        notices = self.notices.build(
            happened=claim_id,
            kind=STEERING,
            ticket=None,
            recipient=self.service_manager,
            subject=f"Steering report {name}",
            text=to_text(report),
            now=now,
            audience=SERVICE_MANAGER,
            data={"week": name},
            link=f"{self.notices.public_url.rstrip('/')}/reports/steering?week={name}&format=html",
        )
        if not self.claims.claim(claim_id, now, {"week": name}, notices):
            return False
        logger.info("steering report sent", extra={"week": name})
        return True
