"""Satisfaction ratings: the requester rates a resolution once, from the portal
(``POST /tickets/{n}/rating``) or from the completion notice's signed rate link.

Both ways end in :meth:`SatisfactionService.record`: the ``rated`` event is appended through
:meth:`TicketService.amend` (guarded by the ticket's version) with the claim
``rating:<ticket>:<resolution>`` in the same transaction, so a resolution is rated once whichever
way, however often a link is followed or a form sent. The rules are
:mod:`chalicelib.domain.satisfaction`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import AlreadyClaimed, Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import Identity
from chalicelib.domain.instants import iso
from chalicelib.domain.measures import ALL, TICKETS
from chalicelib.domain.patrol import RatingSeen
from chalicelib.domain.satisfaction import (
    COMMENT_MAX,
    RATED_TYPES,
    RATING_MAX,
    RATING_MIN,
    Resolution,
    claim_id,
    current_resolution,
    rating_problems,
    resolutions,
)
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger
from chalicelib.services.action_links import RATE, ActionLink, LinkInvalid, LinkUsed
from chalicelib.services.ports import Claim, Clock, TicketRepository

if TYPE_CHECKING:
    from chalicelib.services.tickets import TicketService


class AlreadyRated(Conflict):
    code = "already_rated"


class NotRateable(Conflict):
    code = "not_rateable"


@dataclass(frozen=True)
class RatingState:
    """What the portal shows: whether the requester may rate now, and the ratings given."""

    ticket: str
    status: str
    can_rate: bool
    resolution: int | None
    rating: Resolution | None
    history: tuple[Resolution, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "status": self.status,
            "can_rate": self.can_rate,
            "resolution": self.resolution,
            "rating": _rating_view(self.rating) if self.rating is not None and self.rating.rated else None,
            "ratings": [_rating_view(r) for r in self.history if r.rated],
            "scale": {"min": RATING_MIN, "max": RATING_MAX},
            "comment_max": COMMENT_MAX,
        }


def _rating_view(resolution: Resolution) -> dict[str, Any]:
    return {
        "resolution": resolution.seq,
        "resolved_at": iso(resolution.at),
        "rating": resolution.rating,
        "comment": resolution.comment,
        "rated_at": iso(resolution.rated_at),
    }


class SatisfactionService:
    #: A rating is retried this often when the ticket changes under it (another write in between).
    ATTEMPTS = 3

    def __init__(self, tickets: TicketService, repository: TicketRepository, clock: Clock) -> None:
        #: Who may see the ticket, and the version-guarded write (``amend``).
        self.tickets = tickets
        self.repository = repository
        self.clock = clock

    def state(self, number: str, caller: Identity) -> RatingState:
        """The ticket's ratings as ``caller`` may see them, and whether ``caller`` may rate now."""
        ticket = self.tickets.get_ticket(number, caller)
        events = self.repository.events(number)
        current = current_resolution(events, ticket.type) if ticket.type in RATED_TYPES else None
        can_rate = caller.user == ticket.requester and current is not None and not current.rated
        return RatingState(
            ticket=ticket.number,
            status=ticket.status,
            can_rate=can_rate,
            resolution=current.seq if current is not None else None,
            rating=current,
            history=tuple(resolutions(events, ticket.type)),
        )

    def rate(self, number: str, caller: Identity, rating: Any, comment: Any) -> Resolution:
        """The requester's rating of the ticket's current resolution, from the portal."""
        ticket = self.tickets.get_ticket(number, caller)
        if caller.user != ticket.requester:
            raise Forbidden("only the ticket's requester rates its resolution", field="rating")
        return self.record(number, ticket.requester, rating, comment, source="portal", read=ticket)

    def rate_by_link(self, link: ActionLink, rating: Any, comment: Any) -> Resolution:
        """The rating a rate link carries to its resolution (refused once that is rated, or when
        the ticket was reopened since the notice was sent)."""
        if link.action != RATE:
            raise LinkInvalid("this link does not rate a ticket", field="token")
        ticket = self.link_target(link)
        try:
            return self.record(
                link.ticket, link.requester, rating, comment, source="link", resolution=link.seq, read=ticket
            )
        except AlreadyRated:
            raise LinkUsed(f"this link was already used: {link.ticket} is rated", field="token") from None

    def link_target(self, link: ActionLink) -> Ticket:
        """The ticket a rate link may still rate, or the refusal saying why not."""
        ticket = self.repository.get(link.ticket)
        if ticket is None or ticket.requester != link.requester:
            raise LinkInvalid(f"this link does not fit ticket {link.ticket}", field="token")
        current = current_resolution(self.repository.events(link.ticket), ticket.type)
        if current is None or current.seq != link.seq:
            raise LinkUsed(
                f"this link can no longer be used: {ticket.number} is {ticket.status.replace('_', ' ')} now "
                "(it was reopened since the link was sent)",
                field="token",
            )
        if current.rated:
            raise LinkUsed(f"this link was already used: {ticket.number} is rated {current.rating}/5", field="token")
        return ticket

    def record(
        self, number: str, requester: str, rating: Any, comment: Any, *, source: str, resolution: int | None = None,
        read: Ticket | None = None,
    ) -> Resolution:
        """Append the ``rated`` event for the current resolution (``resolution``: the one it must
        be), with its claim; retried (reading the ticket again) when it changed in between.
        ``read``: the ticket as the caller just read it, used for the first attempt."""
        problems = rating_problems(rating, comment)
        if problems:
            raise ValidationFailed(problems)
        text = comment.strip() if isinstance(comment, str) and comment.strip() else None
        for _ in range(self.ATTEMPTS):
            ticket = read or self.repository.get(number)
            read = None
            if ticket is None:
                raise NotFound(f"no ticket {number}", field="number")
            events = self.repository.events(number)
            current = self._rateable(ticket, events, resolution)
            now = self.clock()
            after = {"rating": int(rating), "comment": text, "resolution": current.seq, "source": source}

            def write(draft: Any, after: dict[str, Any] = after) -> None:
                draft.add(EventKind.RATED, {}, after)

            claim = Claim(claim_id(number, current.seq), now, number, {"rating": int(rating)})
            try:
                self.tickets.amend(ticket, Identity(requester, "requester"), write, claims=[claim])
            except AlreadyClaimed:
                raise AlreadyRated(f"{number}'s resolution is rated already", field="rating") from None
            except StaleVersion:
                continue
            logger.info("resolution rated", extra={"ticket": number, "rating": int(rating), "source": source})
            return Resolution(current.seq, current.at, current.actor, int(rating), text, now)
        raise Conflict(f"{number} kept changing; rate it again", field="rating")

    @staticmethod
    def _rateable(ticket: Ticket, events: list[TicketEvent], resolution: int | None) -> Resolution:
        if ticket.type not in RATED_TYPES:
            raise NotRateable(f"a {ticket.type.replace('_', ' ')} is not rated", field="rating")
        current = current_resolution(events, ticket.type)
        if current is None or (resolution is not None and current.seq != resolution):
            raise NotRateable(
                f"{ticket.number} is {ticket.status.replace('_', ' ')}: only a resolved or closed ticket is rated",
                field="rating",
            )
        if current.rated:
            raise AlreadyRated(
                f"{ticket.number}'s resolution is rated already ({current.rating}/5); "
                "a resolution is rated once",
                field="rating",
            )
        return current


class RatingLists(Protocol):
    """The rollups' daily ticket lists (``rated.<rating>.<number>`` on the day of the rating)."""

    def daily(self, dim: str, first: Any, last: Any, family: str = ...) -> list[tuple[str, str, dict[str, int]]]: ...


class RecentRatings:
    """The ratings given in a span, found through the rollups' lists (a Query per month) and read
    back from the rated tickets' events, so the instants and comments are exact."""

    #: How far back a first patrol (no previous one) looks.
    FIRST_LOOK_BACK = timedelta(days=7)

    def __init__(self, lists: RatingLists, repository: TicketRepository, zone: ZoneInfo) -> None:
        self.lists = lists
        self.repository = repository
        #: The rollups' days are days in this zone (the reports' zone).
        self.zone = zone

    def low(self, since: datetime | None, until: datetime, at_most: int) -> list[RatingSeen]:
        """The ratings of ``at_most`` or less given after ``since`` and at or before ``until``."""
        start = since if since is not None else until - self.FIRST_LOOK_BACK
        first, last = start.astimezone(self.zone).date(), until.astimezone(self.zone).date()
        numbers: set[str] = set()
        for _, _, values in self.lists.daily(ALL, first, last, family=TICKETS):
            for name, count in values.items():
                kind, _, rest = name.partition(".")
                rating, _, number = rest.partition(".")
                if kind == "rated" and count > 0 and rating.isdigit() and int(rating) <= at_most:
                    numbers.add(number)
        out = []
        for number in sorted(numbers):
            ticket = self.repository.get(number)
            if ticket is None:
                continue
            events = self.repository.events(number)
            for resolved in resolutions(events, ticket.type):
                if resolved.rating is None or resolved.rated_at is None or resolved.rating > at_most:
                    continue
                if not start < resolved.rated_at <= until:
                    continue
                out.append(RatingSeen(
                    number=ticket.number, title=ticket.title, priority=ticket.priority, rating=resolved.rating,
                    comment=resolved.comment, rated_at=resolved.rated_at,
                    resolved_by=_holder(events, resolved),
                ))
        return out


def _holder(events: list[TicketEvent], resolved: Resolution) -> str:
    """The assignee when ``resolved`` happened, else whoever resolved it."""
    holder = None
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq > resolved.seq:
            break
        if event.kind == EventKind.ASSIGNED and "assignee" in event.after:
            holder = event.after.get("assignee")
    return str(holder) if holder else resolved.actor
