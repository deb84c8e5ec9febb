"""Ticket search: the terms a ticket is indexed under, the query, and the search over fakes."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Forbidden, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.domain.search import MAX_QUERY_WORDS, MAX_TERMS, index_terms, parse_query
from chalicelib.services.ports import TicketFilter
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository, InMemoryTicketSearch

ALICE = Identity("alice", "requester")
BOB = Identity("bob", "requester")
ANN = Identity("ann", "agent")


def test_a_ticket_is_indexed_under_its_number_and_folded_words_title_first() -> None:
    terms = index_terms("INC-000042", "Drucker im Büro", "The VPN-Client fails; the printer is jammed")
    assert terms == (
        "inc-000042",
        "drucker",
        "buero",
        "buro",
        "vpn-client",
        "vpn",
        "client",
        "fails",
        "printer",
        "jammed",
    )  # "im", "the", "is": too short or stop words; "the" once


def test_a_long_text_is_indexed_under_at_most_max_terms_title_words_kept() -> None:
    description = " ".join(f"word{n:03d}" for n in range(200))
    terms = index_terms("REQ-000001", "Laptop replacement", description)
    assert len(terms) == MAX_TERMS and terms[:3] == ("req-000001", "laptop", "replacement")


def test_a_query_word_matches_the_terms_it_begins_under_either_folding() -> None:
    query = parse_query("Drucker Gerät")
    assert query.words == (("drucker",), ("geraet", "gerat"))
    assert query.matches(index_terms("INC-000001", "Druckerproblem", "das Gerät piept"))
    assert query.matches(index_terms("INC-000002", "Druckerproblem", "das Gerat piept"))
    assert not query.matches(index_terms("INC-000003", "Druckerproblem", "alles gut"))
    assert parse_query("the printer").words == (("printer",),)  # stop words are not asked for
    assert parse_query("inc-000042").matches(index_terms("INC-000042", "x", "y"))


@pytest.mark.parametrize(
    ("q", "reason"),
    [
        ("vp", "'vp' is too short: search words need 3 characters"),
        ("the and", "give at least one word to search for"),
        ("!!!", "give at least one word to search for"),
        (" ".join(f"word{n}" for n in range(MAX_QUERY_WORDS + 1)), f"at most {MAX_QUERY_WORDS} words"),
    ],
)
def test_a_query_asking_for_nothing_searchable_is_refused_naming_q(q: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_query(q)
    assert info.value.errors == [{"field": "q", "reason": reason}]


@pytest.fixture
def repo() -> InMemoryTicketRepository:
    return InMemoryTicketRepository()


@pytest.fixture
def tickets(repo: InMemoryTicketRepository) -> TicketService:
    clock = FakeClock()
    service = TicketService(repo, clock, search=InMemoryTicketSearch(repo))
    for who, title in [
        (ALICE, "VPN drops every hour"),
        (BOB, "VPN client will not install"),
        (ALICE, "Printer jammed"),
        (ALICE, "VPN slow from home"),
    ]:
        service.open_ticket(OpenTicket(type="incident", title=title, description="since Monday"), who)
        clock.advance(minutes=1)
    return service


def test_search_finds_newest_first_and_pages_with_a_cursor(tickets: TicketService) -> None:
    first = tickets.search_tickets("vpn", TicketFilter(), ANN, 2, None)
    assert [t.title for t in first.tickets] == ["VPN slow from home", "VPN client will not install"]
    rest = tickets.search_tickets("vpn", TicketFilter(), ANN, 2, first.cursor)
    assert [t.title for t in rest.tickets] == ["VPN drops every hour"] and rest.cursor is None
    assert [t.title for t in tickets.search_tickets("vpn hour", TicketFilter(), ANN, 10, None).tickets] == [
        "VPN drops every hour"
    ]


def test_a_requester_finds_only_their_own_tickets(tickets: TicketService) -> None:
    found = tickets.search_tickets("vpn", TicketFilter(), ALICE, 10, None)
    assert [t.title for t in found.tickets] == ["VPN slow from home", "VPN drops every hour"]
    with pytest.raises(Forbidden):
        tickets.search_tickets("vpn", TicketFilter(requester="bob"), ALICE, 10, None)


def test_search_filters_and_refuses_a_foreign_cursor(tickets: TicketService) -> None:
    bob_only = tickets.search_tickets("vpn", TicketFilter(requester="bob"), ANN, 10, None)
    assert [t.requester for t in bob_only.tickets] == ["bob"]
    assert tickets.search_tickets("vpn", TicketFilter(status="closed"), ANN, 10, None).tickets == []
    with pytest.raises(ValidationFailed) as info:
        tickets.search_tickets("vpn", TicketFilter(), ANN, 10, "bm90LWEtY3Vyc29y")
    assert info.value.errors[0]["field"] == "cursor"


def test_a_desk_without_a_search_index_says_so(repo: InMemoryTicketRepository) -> None:
    with pytest.raises(ValidationFailed) as info:
        TicketService(repo, FakeClock()).search_tickets("vpn", TicketFilter(), ANN, 10, None)
    assert info.value.errors == [{"field": "q", "reason": "this desk has no search index"}]


def test_search_and_listing_narrow_by_priority_and_service(repo: InMemoryTicketRepository) -> None:
    service = TicketService(repo, FakeClock(), search=InMemoryTicketSearch(repo))
    urgent = OpenTicket(
        type="incident", title="VPN down for the office", description="x", service="vpn", impact="high", urgency="high"
    )
    service.open_ticket(urgent, ALICE)
    service.open_ticket(OpenTicket(type="incident", title="VPN slow", description="x", service="vpn"), ALICE)
    service.open_ticket(OpenTicket(type="incident", title="VPN token lost", description="x", service="accounts"), BOB)
    p1 = service.search_tickets("vpn", TicketFilter(priority="P1"), ANN, 10, None).tickets
    assert [t.title for t in p1] == ["VPN down for the office"]
    on_vpn = service.search_tickets("vpn", TicketFilter(service="vpn"), ANN, 10, None).tickets
    assert sorted(t.title for t in on_vpn) == ["VPN down for the office", "VPN slow"]
    assert [t.title for t in service.list_tickets(TicketFilter(service="accounts"), ANN, 10, None).tickets] == [
        "VPN token lost"
    ]
    # A requester's narrowed listing stays their own.
    mine = service.list_tickets(TicketFilter(service="accounts"), ALICE, 10, None).tickets
    assert mine == []
