"""The morning patrol (seed 000: "Morning patrol by Service Manager of tickets"; "Brief
management on exceptional tickets") and the automatic closure of unanswered resolved tickets.

The digest is built from the open and resolved tickets (Queries on the status index: the desk's
working set, not its history). At the configured local time (default 08:00 in the Service
Manager's zone) the scheduled function claims ``patrol:<date>`` and sends the digest to the
Service Manager's channels once; ``GET /reports/patrol?date=`` answers the same digest as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import IllegalTransition
from chalicelib.domain.identity import SYSTEM
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.notice import PATROL, SERVICE_MANAGER, Notice
from chalicelib.domain.patrol import PatrolDigest, PatrolSettings, RatingSeen, morning_patrol
from chalicelib.domain.processes import ALL_OPEN_STATUSES, ALL_RESOLVED_STATUSES, AUTO_CLOSE_STATUSES, lifecycle_for
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Clock, TicketFilter, TicketRepository
from chalicelib.services.tickets import TicketService, ticket_view

PATROL_STATUSES = (*ALL_OPEN_STATUSES, *ALL_RESOLVED_STATUSES)


class Claims(Protocol):
    def claimed(self, claim_id: str) -> bool:
        """Whether ``claim_id`` was claimed before (so a run that finds its work done reads no more)."""
        ...

    def claim(
        self, claim_id: str, now: datetime, detail: dict[str, Any] | None = None, notices: Sequence[Notice] = ()
    ) -> bool:
        """Claim ``claim_id`` and queue ``notices`` together; False if it was claimed before."""
        ...


def tickets_with_status(repository: TicketRepository, status: str, page: int = 100) -> Iterator[Ticket]:
    cursor: str | None = None
    while True:
        result = repository.list(TicketFilter(status=status), page, cursor)
        yield from result.tickets
        cursor = result.cursor
        if cursor is None:
            return


def parse_clock_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class MorningPatrol:
    def __init__(
        self,
        repository: TicketRepository,
        claims: Claims,
        notices: NoticeFactory,
        clock: Clock,
        *,
        service_manager: str,
        timezone: str,
        patrol_time: str = "08:00",
        settings: PatrolSettings | None = None,
        candidates: Callable[[], Sequence[Mapping[str, Any]]] | None = None,
        channels: Callable[[datetime], Sequence[Mapping[str, Any]]] | None = None,
        low_ratings: Callable[[datetime | None, datetime, int], Sequence[RatingSeen]] | None = None,
    ) -> None:
        self.repository = repository
        #: What the patrolled Slack channels hold since a moment (``chalicelib.services.channel_patrol``).
        self.channels = channels
        #: The ratings at or below a threshold given in a span (``RecentRatings.low``).
        self.low_ratings = low_ratings
        #: The problem candidates awaiting a decision, listed in the digest.
        self.candidates = candidates
        self.claims = claims
        self.notices = notices
        self.clock = clock
        self.service_manager = service_manager
        self.zone = ZoneInfo(timezone)
        self.patrol_time = parse_clock_time(patrol_time)
        self.settings = settings or PatrolSettings(timezone=timezone)

    def patrol_instant(self, day: date) -> datetime:
        return datetime.combine(day, self.patrol_time, tzinfo=self.zone)

    def digest(self, day: date) -> PatrolDigest:
        """The digest of ``day`` as of now (or as of that day's patrol time, if it has passed)."""
        now = self.clock()
        views = [
            ticket_view(t, SYSTEM) for status in PATROL_STATUSES for t in tickets_with_status(self.repository, status)
        ]
        previous = self.patrol_instant(day - timedelta(days=1))
        ratings = self.low_ratings(previous, now, self.settings.low_rating_max) if self.low_ratings else ()
        return morning_patrol(
            views,
            patrol_date=day,
            previous_patrol=previous,
            now=now,
            settings=self.settings,
            candidates=self.candidates() if self.candidates is not None else (),
            slack=self.channels(previous) if self.channels is not None else (),
            low_ratings=ratings,
        )

    def send_if_due(self) -> bool:
        """Send today's digest once, after the patrol time; True if this call sent it."""
        now = self.clock()
        local = now.astimezone(self.zone)
        if local.time() < self.patrol_time:
            return False
        day = local.date()
        if self.claims.claimed(f"patrol:{day.isoformat()}"):
            return False  # sent already today: the schedule's later runs build nothing
        digest = self.digest(day)
        notices = self.notices.build(
            happened=f"patrol:{day.isoformat()}",
            kind=PATROL,
            ticket=None,
            recipient=self.service_manager,
            subject=f"Morning patrol {day.isoformat()}: {digest.ticket_count} tickets to look at",
            text=digest.to_text(),
            now=now,
            audience=SERVICE_MANAGER,
            data={"digest": digest.to_dict()},
            link=f"{self.notices.public_url.rstrip('/')}/reports/patrol?date={day.isoformat()}",
        )
        if not self.claims.claim(f"patrol:{day.isoformat()}", now, {"tickets": digest.ticket_count}, notices):
            return False
        logger.info("morning patrol sent", extra={"date": day.isoformat(), "tickets": digest.ticket_count})
        return True


class AutoCloser:
    """Closes resolved tickets the requester left unanswered for N business days."""

    def __init__(
        self,
        repository: TicketRepository,
        tickets: TicketService,
        clock: Clock,
        *,
        calendar: BusinessCalendar,
        business_days: int,
        business_day_seconds: float = 9 * 3600,
    ) -> None:
        self.repository = repository
        self.tickets = tickets
        self.clock = clock
        self.calendar = calendar
        self.business_days = business_days
        self.business_day_seconds = business_day_seconds

    def cutoff(self, now: datetime) -> datetime:
        """Resolved at or before this instant means N business days have passed unanswered."""
        return self.calendar.subtract(now, self.business_days * self.business_day_seconds)

    def run(self) -> list[str]:
        now = self.clock()
        cutoff = self.cutoff(now)
        closed = []
        due = [t for status in AUTO_CLOSE_STATUSES for t in tickets_with_status(self.repository, status)]
        for ticket in due:
            if ticket.resolved_at is None or ticket.resolved_at > cutoff:
                continue
            flow = lifecycle_for(ticket.type)
            closing = flow.desk_move_to(Phase.CLOSED)
            word = next(
                (m.word for m in closing if m.source == ticket.status and flow.phase(m.source) == Phase.RESOLVED), None
            )
            if word is None:  # this process closes only by hand
                continue
            reason = f"closed automatically: no answer for {self.business_days} business days after resolution"
            try:
                self.tickets.transition(ticket.number, word, ticket.version, SYSTEM, reason)
            except IllegalTransition:  # held (the closure gate): it closes with its problem
                continue
            except Exception:  # a concurrent change: the next run sees the ticket again
                logger.exception("auto-close skipped", extra={"ticket": ticket.number})
                continue
            closed.append(ticket.number)
        return closed
