"""The everyday conversation: who hears of what, once, at a time they can read, in their zone."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.domain.identity import Identity
from chalicelib.domain.instants import for_reader
from chalicelib.domain.notice import AGENT_REPLY, ASSIGNMENT, REQUESTER_REPLY, Notice
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.defaults import default_calendars
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
ANN = Identity("ann", "agent")
OFFICE = BusinessCalendar.from_dict(next(c for c in default_calendars() if c["name"] == "office"))
# Tuesday 24 November 2026, 03:00 in Chicago: outside the office hours.
NIGHT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
# Monday 23 November 2026, 10:00 in Chicago.
DAY = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)


class Readers:
    """Nadia works office hours in Chicago; nobody else is known."""

    def calendar_of(self, user: str) -> BusinessCalendar | None:
        return OFFICE if user == "nadia" else None

    def zone_of(self, user: str | None, service: str | None) -> str | None:
        return "America/Chicago" if user == "nadia" else None

    def group_lead(self, group: str | None) -> str | None:
        return {"network": "nils"}.get(group or "")

    def members(self, group: str) -> tuple[str, ...]:
        return ()


@pytest.fixture
def repo() -> InMemoryTicketRepository:
    return InMemoryTicketRepository()


def service(repo: InMemoryTicketRepository, clock: FakeClock) -> TicketService:
    factory = NoticeFactory(
        channels=("email",), public_url="https://desk.example/api", readers=Readers(), default_zone="Europe/Berlin"
    )
    return TicketService(repo, clock, notices=factory)


def of_kind(repo: InMemoryTicketRepository, kind: str) -> list[Notice]:
    return [n for n in repo.outbox if n.kind == kind]


def open_assigned(svc: TicketService, assignee: str = "nadia", **kw: str) -> tuple[str, int]:
    number = svc.open_ticket(OpenTicket("incident", "VPN down", "Tunnel drops", **kw), ALICE).number  # type: ignore[arg-type]
    t = svc.assign(number, 1, ANN, assignee=assignee, group="network", monitor=None)
    return number, t.version


def test_the_assigned_agent_is_told_once_per_channel_with_a_deterministic_id(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(DAY))
    number, _ = open_assigned(svc)
    told = of_kind(repo, ASSIGNMENT)
    seq = repo.events(number)[-2].seq  # the assigned event (then the status change)
    happened = f"{number}:{seq}:assignment:nadia"
    assert {n.notice_id for n in told} == {f"{happened}#outbox", f"{happened}#email"}
    assert {n.recipient for n in told} == {"nadia@example.com"}
    assert "assigned to you by ann" in told[0].text and told[0].deliver_after is None


def test_nobody_is_told_of_their_own_assignment(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(DAY))
    open_assigned(svc, assignee="ann")
    assert of_kind(repo, ASSIGNMENT) == []


def test_the_requester_hears_the_agents_public_reply_with_its_text_but_not_internal_notes(
    repo: InMemoryTicketRepository,
) -> None:
    svc = service(repo, FakeClock(DAY))
    number, _ = open_assigned(svc)
    svc.comment(number, ANN, body="checking the firewall logs", visibility="internal")
    svc.comment(number, ANN, body="Please restart the client and tell me the error code.", visibility="public")
    replies = of_kind(repo, AGENT_REPLY)
    assert {n.recipient for n in replies} == {"alice@example.com"} and len(replies) == 2
    assert "Please restart the client and tell me the error code." in replies[0].text
    assert replies[0].data["body"] == "Please restart the client and tell me the error code."
    assert all("firewall" not in n.text for n in repo.outbox)


def test_the_assignee_hears_the_requesters_reply_with_its_text(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(DAY))
    number, _ = open_assigned(svc)
    svc.comment(number, ALICE, body="Error 412 after the restart.", visibility="public")
    told = of_kind(repo, REQUESTER_REPLY)
    assert {n.recipient for n in told} == {"nadia@example.com"}
    assert "Error 412 after the restart." in told[0].text
    assert of_kind(repo, AGENT_REPLY) == []


def test_without_an_assignee_the_group_lead_hears_the_requesters_reply(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(DAY))
    number = svc.open_ticket(OpenTicket("incident", "VPN down", "Tunnel drops"), ALICE).number
    svc.assign(number, 1, ANN, assignee=None, group="network", monitor=None)
    svc.comment(number, ALICE, body="Still down.", visibility="public")
    assert {n.recipient for n in of_kind(repo, REQUESTER_REPLY)} == {"nils@example.com"}


def test_quiet_hours_hold_an_agents_notice_until_their_working_window(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(NIGHT))
    open_assigned(svc)
    held = of_kind(repo, ASSIGNMENT)[0]
    assert held.deliver_after == OFFICE.next_open(NIGHT)[0] and held.deliver_after > NIGHT
    urgent, _ = open_assigned(svc, impact="high", urgency="high")  # a P1 incident interrupts
    assert [n.deliver_after for n in of_kind(repo, ASSIGNMENT) if n.ticket == urgent] == [None, None]


def test_times_in_notices_are_in_the_readers_zone_with_the_instant(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(DAY))
    open_assigned(svc)
    assert "Mon 23 Nov 10:00 CST (2026-11-23T16:00:00Z)" in of_kind(repo, ASSIGNMENT)[0].text
    assert of_kind(repo, ASSIGNMENT)[0].data["zone"] == "America/Chicago"


def test_a_reader_without_a_known_zone_reads_the_desks_default_zone(repo: InMemoryTicketRepository) -> None:
    svc = service(repo, FakeClock(DAY))
    number, _ = open_assigned(svc)
    svc.comment(number, ANN, body="On it.", visibility="public")
    reply = of_kind(repo, AGENT_REPLY)[0]
    assert "Mon 23 Nov 17:00 CET (2026-11-23T16:00:00Z)" in reply.text and reply.data["zone"] == "Europe/Berlin"


def test_for_reader_shows_local_time_zone_and_instant() -> None:
    moment = datetime(2026, 11, 24, 20, 0, tzinfo=timezone.utc)
    assert for_reader(moment, "America/Chicago") == "Tue 24 Nov 14:00 CST (2026-11-24T20:00:00Z)"
    assert for_reader(moment, None) == "Tue 24 Nov 20:00 UTC (2026-11-24T20:00:00Z)"
    assert for_reader(moment, "No/Such_Zone") == "Tue 24 Nov 20:00 UTC (2026-11-24T20:00:00Z)"


def test_a_ticket_the_desk_opened_for_itself_sends_no_requester_notice(repo: InMemoryTicketRepository) -> None:
    from chalicelib.domain.identity import SYSTEM
    from chalicelib.domain.notice import ACKNOWLEDGEMENT

    svc = service(repo, FakeClock(DAY))
    svc.open_ticket(OpenTicket("incident", "VPN down", "Tunnel drops"), ALICE)
    svc.open_ticket(OpenTicket("incident", "Problem behind INC-000001", "Tunnels drop"), SYSTEM)
    assert {n.recipient for n in of_kind(repo, ACKNOWLEDGEMENT)} == {"alice@example.com"}
