"""Mail intake (``chalicelib.services.mail_in``) on in-memory fakes: which mail opens a ticket,
which becomes a comment, which is refused or ignored, and that every message acts once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.identity import Identity
from chalicelib.domain.notice import MAIL_REFUSED, Notice
from chalicelib.services.mail_in import KnownSenders, MailIntake, mail_claim_id
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Claim
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Ledger:
    """Claims and sent Message-IDs beside the fake repository's claims."""

    def __init__(self, repo: InMemoryTicketRepository) -> None:
        self.repo = repo
        self.sent: dict[str, str] = {}
        self.lookups: list[tuple[str, ...]] = []

    def claim_of(self, claim_id: str) -> Claim | None:
        return self.repo.claims.get(claim_id)

    def ticket_of(self, message_ids: Sequence[str]) -> str | None:
        self.lookups.append(tuple(message_ids))
        return next((self.sent[m] for m in message_ids if m in self.sent), None)

    def claimed(self, claim_id: str) -> bool:
        return claim_id in self.repo.claims

    def claim(
        self, claim_id: str, now: datetime, detail: dict[str, Any] | None = None, notices: Sequence[Notice] = ()
    ) -> bool:
        if claim_id in self.repo.claims:
            return False
        self.repo.claims[claim_id] = Claim(claim_id, now, None, detail)
        self.repo.outbox.extend(notices)
        return True


class Files:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)


class Desk:
    def __init__(self, *, unknown_allowed: bool = False, guess: str | None = None) -> None:
        self.repo = InMemoryTicketRepository()
        self.clock = FakeClock(NOW)
        factory = NoticeFactory(channels=("email",), public_url="https://desk.example")
        self.tickets = TicketService(self.repo, self.clock, notices=factory)
        self.ledger = Ledger(self.repo)
        self.files = Files()
        self.guessed: list[str] = []

        def guess_type(text: str) -> str | None:
            self.guessed.append(text)
            return guess

        self.intake = MailIntake(
            self.tickets,
            senders=KnownSenders("example.com", lambda user: user == "ann", unknown_allowed),
            ledger=self.ledger,
            claims=self.ledger,
            files=self.files,
            notices=factory,
            clock=self.clock,
            desk_address="desk@example.com",
            guess_type=guess_type,
            max_bytes=1024,
        )

    def refusals(self) -> list[Notice]:
        return [n for n in self.repo.outbox if n.kind == MAIL_REFUSED and n.channel == "email"]

    def comments(self, number: str) -> list[dict[str, Any]]:
        return [e.after for e in self.repo.events(number) if e.kind == "commented"]


def test_a_plain_message_opens_a_ticket_for_the_known_sender() -> None:
    desk = Desk(guess="service_request")
    outcome = desk.intake.receive(fixture("plain.eml"))
    assert (outcome.action, outcome.ticket) == ("opened", "REQ-000001")
    ticket = desk.repo.get("REQ-000001")
    assert ticket is not None
    assert (ticket.requester, ticket.title, ticket.type) == ("alice", "VPN keeps dropping", "service_request")
    assert "AnyConnect drops the VPN" in ticket.description and "Finance" not in ticket.description
    assert desk.guessed == [f"VPN keeps dropping\n{parse_text('plain.eml')}"]


def parse_text(name: str) -> str:
    from chalicelib.domain.mail import parse_mail

    return parse_mail(fixture(name)).text


def test_without_a_plus_address_or_a_classifier_guess_mail_is_an_incident() -> None:
    desk = Desk(guess=None)
    assert desk.intake.receive(fixture("german.eml")).ticket == "INC-000001"
    ticket = desk.repo.get("INC-000001")
    assert ticket is not None and ticket.title == "Drucker im Büro druckt nicht"
    assert ticket.requester == "juergen.mueller"


def test_the_plus_address_chooses_the_type_over_the_classifier() -> None:
    desk = Desk(guess="change_request")
    assert desk.intake.receive(fixture("html_only.eml")).ticket == "REQ-000001"
    assert desk.guessed == []


def test_the_same_message_twice_acts_once() -> None:
    desk = Desk()
    first = desk.intake.receive(fixture("plain.eml"))
    again = desk.intake.receive(fixture("plain.eml"))
    assert (first.action, again.action) == ("opened", "duplicate")
    assert [t.number for t in desk.repo.tickets.values()] == ["INC-000001"]


def test_a_retry_after_the_ticket_was_stored_stores_its_files_and_no_second_ticket() -> None:
    desk = Desk()
    desk.intake.receive(fixture("attachment.eml"))
    desk.files.objects.clear()  # the first attempt failed after the ticket was written
    outcome = desk.intake.receive(fixture("attachment.eml"))
    assert (outcome.action, outcome.ticket) == ("duplicate", "INC-000001")
    assert len(desk.files.objects) == 2 and len(desk.repo.tickets) == 1


def test_two_deliveries_at_once_open_one_ticket() -> None:
    desk = Desk()
    desk.intake.receive(fixture("plain.eml"))
    desk.ledger.claim_of = lambda claim_id: None  # type: ignore[method-assign]  # both looked before either wrote
    outcome = desk.intake.receive(fixture("plain.eml"))
    assert (outcome.action, outcome.ticket) == ("duplicate", "INC-000001")
    assert mail_claim_id("CAF1x9Zq7+plain@mail.example.com") in desk.repo.claims
    assert len(desk.repo.tickets) == 1


def test_two_replies_at_once_comment_once() -> None:
    desk = Desk()
    number = _open_for_alice(desk)
    desk.intake.receive(fixture("reply_quoted.eml"))
    desk.ledger.claim_of = lambda claim_id: None  # type: ignore[method-assign]
    assert desk.intake.receive(fixture("reply_quoted.eml")).action == "duplicate"
    assert len(desk.comments(number)) == 1


def test_attachments_within_the_limits_are_kept_and_listed_the_others_named() -> None:
    desk = Desk()
    desk.intake.receive(fixture("attachment.eml"))
    keys = sorted(desk.files.objects)
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == ["printer.log", "screen.png"]
    assert all(k.startswith("tickets/INC-000001/") for k in keys)
    ticket = desk.repo.get("INC-000001")
    assert ticket is not None
    assert "Attached by mail:\n- printer.log (68 bytes)\n- screen.png (70 bytes)" in ticket.description
    assert "Not kept (the desk's attachment limits):\n- setup.exe (content_type must be one of" in ticket.description


@pytest.mark.parametrize("name", ["auto_reply.eml", "bounce.eml"], ids=["auto-reply", "bounce"])
def test_machine_mail_opens_nothing_and_is_never_answered(name: str) -> None:
    desk = Desk(unknown_allowed=True)
    outcome = desk.intake.receive(fixture(name))
    assert outcome.action == "ignored"
    assert desk.repo.tickets == {} and desk.repo.outbox == [] and desk.repo.claims == {}


def _open_for_alice(desk: Desk) -> str:
    alice = Identity("alice", "requester")
    return desk.tickets.open_ticket(OpenTicket("incident", "VPN keeps dropping", "drops"), alice).number


def test_the_requesters_reply_becomes_a_public_comment_without_the_quoted_history() -> None:
    desk = Desk()
    number = _open_for_alice(desk)
    outcome = desk.intake.receive(fixture("reply_quoted.eml"))
    assert (outcome.action, outcome.ticket) == ("commented", number)
    (comment,) = desk.comments(number)
    assert comment["body"] == "Yes, the backup gateway works. Thank you!"
    assert comment["visibility"] == "public"
    again = desk.intake.receive(fixture("reply_quoted.eml"))
    assert again.action == "duplicate" and len(desk.comments(number)) == 1


def test_a_reply_threads_back_by_in_reply_to_alone() -> None:
    desk = Desk()
    number = _open_for_alice(desk)
    desk.ledger.sent["placeholder-thread-root@example.com"] = number
    raw = fixture("reply_quoted.eml").replace(b"[INC-000001] ", b"").replace(b"desk+INC-000001@", b"desk@")
    outcome = desk.intake.receive(raw)
    assert (outcome.action, outcome.ticket) == ("commented", number)
    assert desk.ledger.lookups[-1] == ("placeholder-reply-target@example.com", "placeholder-thread-root@example.com")


def test_staff_may_reply_by_mail() -> None:
    desk = Desk()
    number = _open_for_alice(desk)
    raw = fixture("reply_quoted.eml").replace(b"alice@example.com", b"ann@example.com")
    assert desk.intake.receive(raw).action == "commented"
    ticket = desk.repo.get(number)
    assert ticket is not None and ticket.first_response_at == NOW  # an agent's public reply


def test_a_stranger_replying_to_a_ticket_is_refused_with_a_notice_and_nothing_is_attached() -> None:
    desk = Desk(unknown_allowed=True)
    number = _open_for_alice(desk)
    outcome = desk.intake.receive(fixture("unknown_sender.eml"))
    assert (outcome.action, outcome.ticket) == ("refused", number)
    assert desk.comments(number) == []
    (refusal,) = desk.refusals()
    assert refusal.recipient == "mallory@elsewhere.example.net" and refusal.ticket is None
    assert "only the requester of INC-000001 and the desk's staff" in refusal.text
    assert desk.intake.receive(fixture("unknown_sender.eml")).action == "duplicate"
    assert len(desk.refusals()) == 1


def test_another_requester_of_the_domain_may_not_reply_to_alices_ticket() -> None:
    desk = Desk()
    _open_for_alice(desk)
    raw = fixture("reply_quoted.eml").replace(b"alice@example.com", b"bob@example.com")
    assert desk.intake.receive(raw).action == "refused"


def test_an_unknown_sender_opens_a_ticket_only_where_the_stage_allows_it() -> None:
    raw = fixture("unknown_sender.eml").replace(b"Re: [INC-000001] ", b"")
    refused = Desk(unknown_allowed=False)
    assert refused.intake.receive(raw).action == "refused"
    assert refused.repo.tickets == {}
    assert "known addresses only" in refused.refusals()[0].text
    allowed = Desk(unknown_allowed=True)
    outcome = allowed.intake.receive(raw)
    assert outcome.action == "opened"
    ticket = allowed.repo.get(str(outcome.ticket))
    assert ticket is not None and ticket.requester == "mallory@elsewhere.example.net"


def test_a_reply_to_a_closed_ticket_is_refused_with_the_reason_and_its_files_are_not_kept() -> None:
    desk = Desk()
    number = _open_for_alice(desk)
    ticket = desk.repo.get(number)
    assert ticket is not None
    desk.repo.tickets[number] = ticket.evolve(status="closed")
    raw = fixture("attachment.eml").replace(b"Subject: Printer error screenshot", b"Subject: Re: [INC-000001] more")
    outcome = desk.intake.receive(raw)
    assert outcome.action == "refused"
    assert "takes no comments" in desk.refusals()[0].text
    assert desk.files.objects == {}


def test_a_replys_files_are_kept_on_its_ticket_and_listed_in_the_comment() -> None:
    desk = Desk()
    number = _open_for_alice(desk)
    raw = fixture("attachment.eml").replace(b"Subject: Printer error screenshot", b"Subject: Re: [INC-000001] more")
    assert desk.intake.receive(raw).action == "commented"
    (comment,) = desk.comments(number)
    assert "Attached by mail:\n- printer.log (68 bytes)" in comment["body"]
    assert all(key.startswith(f"tickets/{number}/") for key in desk.files.objects) and len(desk.files.objects) == 2


def test_a_ticket_number_that_names_nothing_opens_a_new_ticket() -> None:
    desk = Desk()
    outcome = desk.intake.receive(fixture("reply_quoted.eml"))
    assert outcome.action == "opened" and outcome.ticket == "INC-000001"
