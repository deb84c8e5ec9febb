"""The rating service on in-memory fakes: who may rate, once per resolution (the claim holds even
when the events said it was free), a reopen opens a new resolution, the rate link's refusals, a
ticket changing under the rating, the completion notice's rate link and the patrol's recent ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.domain.notice import COMPLETION
from chalicelib.domain.satisfaction import claim_id
from chalicelib.services.action_links import ActionLinks, LinkInvalid, LinkUsed
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Claim
from chalicelib.services.satisfaction import AlreadyRated, NotRateable, RecentRatings, SatisfactionService
from chalicelib.services.tickets import OpenTicket, TicketService, event_view
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
ANN = Identity("ann", "agent")
MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
LINKS = ActionLinks("secret", "https://desk.example/api")


class Desk:
    def __init__(self) -> None:
        self.repo = InMemoryTicketRepository()
        self.clock = FakeClock(MONDAY)
        factory = NoticeFactory(channels=(), public_url="https://desk.example/api", links=LINKS)
        self.tickets = TicketService(self.repo, self.clock, notices=factory)
        self.ratings = SatisfactionService(self.tickets, self.repo, self.clock)

    def resolved(self, kind: str = "incident") -> str:
        number = self.tickets.open_ticket(OpenTicket(kind, "Printer jam", "Tray 2"), ALICE).number
        self.move(number, "resolved", ANN)
        return number

    def move(self, number: str, to: str, who: Identity) -> None:
        self.clock.advance(minutes=10)
        ticket = self.repo.get(number)
        assert ticket is not None
        self.tickets.transition(number, to, ticket.version, who)

    def resolution(self, number: str) -> int:
        return max(e.seq for e in self.repo.events(number) if e.kind == "status_changed"
                   and e.after["status"] == "resolved")


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_the_requester_rates_once_and_the_state_says_so(desk: Desk) -> None:
    number = desk.resolved()
    assert desk.ratings.state(number, ALICE).can_rate is True
    assert desk.ratings.state(number, ANN).can_rate is False  # staff read it, never rate it
    rated = desk.ratings.rate(number, ALICE, 4, "  fine  ")
    assert (rated.rating, rated.comment) == (4, "fine")
    event = desk.repo.events(number)[-1]
    assert (event.kind, event.actor) == ("rated", "alice")
    assert event.after == {"rating": 4, "comment": "fine", "resolution": desk.resolution(number), "source": "portal"}
    assert event_view(event, ALICE)["after"] == event.after  # the requester reads their own rating back
    assert claim_id(number, desk.resolution(number)) in desk.repo.claims
    with pytest.raises(AlreadyRated) as again:
        desk.ratings.rate(number, ALICE, 1, None)
    assert again.value.status == 409 and again.value.field == "rating"
    view = desk.ratings.state(number, ALICE).to_dict()
    assert view["can_rate"] is False and view["rating"]["rating"] == 4 and len(view["ratings"]) == 1


def test_who_may_rate_and_what(desk: Desk) -> None:
    number = desk.resolved()
    with pytest.raises(Forbidden):
        desk.ratings.rate(number, ANN, 5, None)
    with pytest.raises(NotFound):
        desk.ratings.rate(number, Identity("bob", "requester"), 5, None)
    with pytest.raises(ValidationFailed) as bad:
        desk.ratings.rate(number, ALICE, 6, "x" * 1001)
    assert [p["field"] for p in bad.value.errors] == ["rating", "comment"]
    fresh = desk.tickets.open_ticket(OpenTicket("incident", "Mouse", "Dead"), ALICE).number
    with pytest.raises(NotRateable) as still_open:
        desk.ratings.rate(fresh, ALICE, 5, None)
    assert still_open.value.status == 409 and still_open.value.field == "rating"
    assert [e.kind for e in desk.repo.events(number)].count("rated") == 0


def test_the_claim_holds_when_another_rating_got_there_first(desk: Desk) -> None:
    number = desk.resolved()
    # another request claimed the resolution's rating after this one read the events
    key = claim_id(number, desk.resolution(number))
    desk.repo.claims[key] = Claim(key, MONDAY, number)
    with pytest.raises(AlreadyRated):
        desk.ratings.rate(number, ALICE, 2, None)
    assert "rated" not in [e.kind for e in desk.repo.events(number)]


def test_a_ticket_changing_under_the_rating_is_read_again(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    number = desk.resolved()
    save = desk.repo.save
    calls = {"n": 0}

    def racing(ticket: Any, expected_version: int, events: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise StaleVersion(expected_version, expected_version + 1)
        return save(ticket, expected_version, events, **kw)

    monkeypatch.setattr(desk.repo, "save", racing)
    assert desk.ratings.rate(number, ALICE, 3, None).rating == 3
    assert calls["n"] == 2


def test_a_reopen_opens_a_new_resolution_to_rate(desk: Desk) -> None:
    number = desk.resolved()
    first = desk.resolution(number)
    desk.ratings.rate(number, ALICE, 1, "still jammed")
    desk.move(number, "reopen", ALICE)
    assert desk.ratings.state(number, ALICE).can_rate is False
    with pytest.raises(NotRateable):
        desk.ratings.rate(number, ALICE, 3, None)
    desk.move(number, "resolved", ANN)
    assert desk.resolution(number) != first
    desk.ratings.rate(number, ALICE, 5, None)
    assert [r.rating for r in desk.ratings.state(number, ALICE).history] == [1, 5]


def test_the_completion_notice_carries_a_rate_link_for_support_work_only(desk: Desk) -> None:
    number = desk.resolved()
    [completion] = [n for n in desk.repo.outbox if n.kind == COMPLETION and n.ticket == number]
    token = completion.data["rate_link"].rsplit("/", 1)[1]
    link = LINKS.read(token, MONDAY)
    assert (link.action, link.seq, link.requester) == ("rate", desk.resolution(number), "alice")
    assert link.claim_id == claim_id(number, link.seq)
    assert "Rate it from 1 to 5" in completion.text


def _link(desk: Desk, number: str, action: str = "rate", seq: int | None = None) -> Any:
    return LINKS.issue(number, "alice", seq or desk.resolution(number), action, MONDAY)


def test_the_rate_link_rates_once_and_is_spent_by_a_reopen(desk: Desk) -> None:
    number = desk.resolved()
    link = _link(desk, number)
    assert desk.ratings.rate_by_link(link, 2, None).rating == 2
    assert desk.repo.events(number)[-1].after["source"] == "link"
    with pytest.raises(LinkUsed):
        desk.ratings.rate_by_link(link, 2, None)
    with pytest.raises(AlreadyRated):
        desk.ratings.rate(number, ALICE, 5, None)  # the portal shares the once
    other = desk.resolved()
    old = _link(desk, other)
    desk.move(other, "reopen", ALICE)
    desk.move(other, "resolved", ANN)
    with pytest.raises(LinkUsed):
        desk.ratings.rate_by_link(old, 5, None)
    with pytest.raises(LinkInvalid):
        desk.ratings.rate_by_link(_link(desk, other, "confirm"), 5, None)
    stranger = LINKS.issue(other, "mallory", desk.resolution(other), "rate", MONDAY)
    with pytest.raises(LinkInvalid):
        desk.ratings.rate_by_link(stranger, 5, None)


def test_the_rate_link_works_after_the_ticket_closed(desk: Desk) -> None:
    number = desk.resolved()
    desk.move(number, "confirm", ALICE)
    assert desk.repo.get(number).status == "closed"  # type: ignore[union-attr]
    assert desk.ratings.rate_by_link(_link(desk, number), 5, "thanks").rating == 5


def test_a_problem_is_not_rated(desk: Desk) -> None:
    number = desk.tickets.open_ticket(OpenTicket("problem", "Disk", "Full"), ANN).number
    assert desk.ratings.state(number, ANN).can_rate is False
    with pytest.raises(NotRateable) as refused:
        desk.ratings.rate(number, ANN, 3, None)  # ann opened it: its requester
    assert "a problem is not rated" in refused.value.message


class Lists:
    """The rollups' ticket lists of a few days."""

    def __init__(self, cells: list[tuple[str, str, dict[str, int]]]) -> None:
        self.cells = cells
        self.asked: list[tuple[Any, Any]] = []

    def daily(self, dim: str, first: Any, last: Any, family: str = "daily") -> list[tuple[str, str, dict[str, int]]]:
        self.asked.append((first, last))
        return [c for c in self.cells if first.isoformat() <= c[1] <= last.isoformat()]


def test_recent_ratings_are_read_from_the_rated_tickets_events(desk: Desk) -> None:
    from zoneinfo import ZoneInfo

    low, high = desk.resolved(), desk.resolved()
    desk.clock.advance(hours=1)
    desk.ratings.rate(low, ALICE, 1, "slow")
    desk.ratings.rate(high, ALICE, 5, None)
    lists = Lists([("all", "2026-11-23", {f"rated.1.{low}": 1, f"rated.5.{high}": 1, "reopened.INC-000009": 1})])
    recent = RecentRatings(lists, desk.repo, ZoneInfo("America/Chicago"))
    now = desk.clock()
    [seen] = recent.low(now - timedelta(days=1), now, 2)
    assert (seen.number, seen.rating, seen.comment, seen.resolved_by) == (low, 1, "slow", "ann")
    assert recent.low(now, now + timedelta(hours=1), 2) == []  # rated before the span
    assert [s.number for s in recent.low(None, now, 5)] == [low, high]
