"""Mail in: each message the desk receives becomes one desk action, exactly once.

SES stores every message sent to the desk's address in the inbound-mail bucket; the
``receive_mail`` function hands its bytes to :meth:`MailIntake.receive`, which decides:

* **machine mail** (auto-replies, bounces, list mail: :func:`chalicelib.domain.mail.automated_reason`)
  is dropped: it opens nothing and is never answered, so two robots cannot loop through the desk;
* **a reply** (a ticket number in the subject or plus address, or ``In-Reply-To``/``References``
  naming a message the desk sent about a ticket) becomes a public comment on that ticket when the
  sender is its requester or staff; anyone else gets a notice saying it was refused, and nothing
  is attached silently;
* **a new message** opens a ticket for the sender: a known user (an address of the desk's own
  ``EMAIL_DOMAIN``, whose local part is the user id; staff when an agent of that name exists),
  else, when the stage allows it (``MAIL_UNKNOWN_SENDERS``), a requester identified by the
  address; else the sender is told the desk takes mail from known addresses only. The type comes
  from the plus address (``desk+incident@``, ``+request``, ``+change``), else the classifier.

The files of a message are kept beside the ticket's uploads in the attachments bucket (the same
types and size limit as ``POST /tickets/{number}/attachments``) under ids derived from the
message, and listed in the ticket's description or comment; a file the limits refuse is listed as
not kept, with the reason.

Exactly once: the action's claim (``mail#`` and a hash of the ``Message-ID``) is written in the
same transaction as the ticket, the comment or the refusal notice, so a message SES or S3
delivers twice acts once, and a delivery that failed half-way is simply retried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.attachments import attachment_key, check_upload
from chalicelib.domain.errors import AlreadyClaimed, IntakeAlreadyStored, NotFound, ValidationFailed
from chalicelib.domain.identity import SYSTEM, Identity
from chalicelib.domain.mail import InboundMail, MailFile, parse_mail
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.patrol import Claims
from chalicelib.services.ports import Claim, Clock, IntakeKey
from chalicelib.services.tickets import OpenTicket, TicketService

#: The longest description a ticket takes (the API's limit).
MAX_DESCRIPTION = 20_000
#: The type of a new message when neither the plus address nor the classifier names one.
DEFAULT_TYPE = "incident"

OPENED = "opened"
COMMENTED = "commented"
REFUSED = "refused"
IGNORED = "ignored"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class MailOutcome:
    """What one message did: ``action`` (opened, commented, refused, ignored, duplicate), the
    ticket it acted on, and why (for the log and the local runner)."""

    action: str
    message_id: str
    ticket: str | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, str | None]:
        return {"action": self.action, "message_id": self.message_id, "ticket": self.ticket, "reason": self.reason}


class MailLedger(Protocol):
    """What the desk remembers of mail (``chalicelib.storage.mail``)."""

    def claim_of(self, claim_id: str) -> Claim | None:
        """A message's action claim, when it was made already (with the ticket it acted on)."""
        ...

    def ticket_of(self, message_ids: Sequence[str]) -> str | None:
        """The ticket of the first of ``message_ids`` the desk sent a notice as, if any."""
        ...


class FileStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...


class Senders(Protocol):
    def identify(self, address: str) -> Identity | None:
        """The desk identity of a sender's address; None for an unknown sender the stage does
        not take mail from."""
        ...


def mail_claim_id(message_id: str) -> str:
    """The claim of one message's action."""
    return "mail#" + hashlib.sha256(message_id.encode()).hexdigest()[:40]


def file_id(message_id: str, index: int) -> str:
    """The attachment id of a message's ``index``-th file: the same on every delivery, so a
    message delivered twice stores its files once."""
    return hashlib.sha256(f"{message_id}\0{index}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class KnownSenders:
    """Addresses of ``domain`` are the desk's users (``alice@example.com`` is ``alice``); those
    ``is_agent`` knows are staff. Any other address is a requester of its own when
    ``unknown_allowed``, else unknown."""

    domain: str
    is_agent: Callable[[str], bool]
    unknown_allowed: bool

    def identify(self, address: str) -> Identity | None:
        local, _, domain = address.lower().partition("@")
        user = local.partition("+")[0]
        if domain == self.domain.lower() and user:
            return Identity(user, "agent" if self.is_agent(user) else "requester")
        if self.unknown_allowed and local and domain:
            return Identity(address.lower(), "requester")
        return None


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


class MailIntake:
    def __init__(
        self,
        tickets: TicketService,
        *,
        senders: Senders,
        ledger: MailLedger,
        claims: Claims,
        files: FileStore,
        notices: NoticeFactory,
        clock: Clock,
        desk_address: str,
        guess_type: Callable[[str], str | None],
        max_bytes: int,
    ) -> None:
        self.tickets = tickets
        self.senders = senders
        self.ledger = ledger
        self.claims = claims
        self.files = files
        self.notices = notices
        self.clock = clock
        self.desk_address = desk_address
        self.guess_type = guess_type
        self.max_bytes = max_bytes

    def receive(self, raw: bytes) -> MailOutcome:
        """Act on one raw message (see the module's docstring)."""
        mail = parse_mail(raw)
        outcome = self._act(mail)
        logger.info("mail received", extra={**outcome.to_dict(), "sender": mail.sender})
        return outcome

    def _act(self, mail: InboundMail) -> MailOutcome:
        if mail.automated:
            return MailOutcome(IGNORED, mail.message_id, reason=mail.automated)
        if not mail.sender or mail.sender == self.desk_address.lower():
            return MailOutcome(IGNORED, mail.message_id, reason="no sender, or the desk's own address")
        claim_id = mail_claim_id(mail.message_id)
        done = self.ledger.claim_of(claim_id)
        if done is not None:
            if done.ticket and mail.files:  # a delivery that failed after its ticket or comment was written
                self._store_files(done.ticket, mail.message_id, self._check_files(mail.files)[0])
            return MailOutcome(DUPLICATE, mail.message_id, done.ticket, "this message was acted on before")
        who = self.senders.identify(mail.sender)
        number = mail.ticket_number or self.ledger.ticket_of(mail.thread_ids)
        ticket = self._ticket(number) if number else None
        if ticket is not None:
            return self._reply(mail, ticket, who, claim_id)
        if who is None:
            return self._refuse(mail, claim_id, "the desk takes mail from known addresses only", None)
        return self._open(mail, who, claim_id)

    def _ticket(self, number: str) -> Ticket | None:
        try:
            return self.tickets.get_ticket(number, SYSTEM)
        except NotFound:
            return None  # a number that names nothing: a new message

    # -- a new ticket --------------------------------------------------------------------------

    def _open(self, mail: InboundMail, who: Identity, claim_id: str) -> MailOutcome:
        text = mail.text.strip()
        ticket_type = mail.requested_type(self.desk_address) or self.guess_type(f"{mail.title}\n{text}")
        kept, refused = self._check_files(mail.files)
        description = _with_files(text or mail.title, kept, refused)
        request = OpenTicket(type=ticket_type or DEFAULT_TYPE, title=mail.title, description=description)
        intake = IntakeKey(claim_id=claim_id, fingerprint=hashlib.sha256(mail.message_id.encode()).hexdigest())
        try:
            ticket = self.tickets.open_ticket(request, who, intake)
        except IntakeAlreadyStored as stored:  # the same message, delivered twice at once
            return MailOutcome(DUPLICATE, mail.message_id, stored.number, "this message opened the ticket before")
        self._store_files(ticket.number, mail.message_id, kept)
        return MailOutcome(OPENED, mail.message_id, ticket.number, f"{ticket.type} for {who.user}")

    # -- a reply -------------------------------------------------------------------------------

    def _reply(self, mail: InboundMail, ticket: Ticket, who: Identity | None, claim_id: str) -> MailOutcome:
        if who is None or not (who.is_staff or who.user == ticket.requester):
            reason = f"only the requester of {ticket.number} and the desk's staff may reply to it by mail"
            return self._refuse(mail, claim_id, reason, ticket.number)
        kept, refused = self._check_files(mail.files)
        body = _with_files(mail.text.strip(), kept, refused)
        if not body:
            return MailOutcome(IGNORED, mail.message_id, ticket.number, "the reply holds no new text")
        claim = Claim(claim_id, self.clock(), ticket.number, {"message_id": mail.message_id[:500]})
        try:
            self.tickets.comment(ticket.number, who, body=body[:MAX_DESCRIPTION], visibility="public", claim=claim)
        except AlreadyClaimed:  # the same reply, delivered twice at once
            return MailOutcome(DUPLICATE, mail.message_id, ticket.number, "this reply was added before")
        except ValidationFailed as refused_move:  # e.g. a closed ticket takes no comments
            reason = refused_move.errors[0]["reason"] if refused_move.errors else str(refused_move)
            why = f"{ticket.number}: {reason}; write a new message instead"
            return self._refuse(mail, claim_id, why, ticket.number)
        self._store_files(ticket.number, mail.message_id, kept)  # only once the comment is on the ticket
        return MailOutcome(COMMENTED, mail.message_id, ticket.number, f"public comment by {who.user}")

    # -- refusals --------------------------------------------------------------------------------

    def _refuse(self, mail: InboundMail, claim_id: str, reason: str, number: str | None) -> MailOutcome:
        now = self.clock()
        subject = mail.subject or "(no subject)"
        notices = self.notices.mail_refused(mail.sender, subject, reason, claim_id, now)
        detail = {"message_id": mail.message_id[:500], "refused": reason}
        if not self.claims.claim(claim_id, now, detail, notices):
            return MailOutcome(DUPLICATE, mail.message_id, number, "this message was refused before")
        logger.warning("mail refused", extra={"sender": mail.sender, "ticket": number, "reason": reason})
        return MailOutcome(REFUSED, mail.message_id, number, reason)

    # -- files -------------------------------------------------------------------------------------

    def _check_files(self, files: Sequence[MailFile]) -> tuple[list[tuple[int, str, MailFile]], list[str]]:
        """The files within the limits (index, stored name, file) and the others, each with why."""
        kept: list[tuple[int, str, MailFile]] = []
        refused: list[str] = []
        for index, file in enumerate(files):
            try:
                name = check_upload(file.filename, file.content_type, len(file.data), self.max_bytes)
            except ValidationFailed as exc:
                why = "; ".join(f"{e['field']} {e['reason']}" for e in exc.errors)
                refused.append(f"{file.filename} ({why})")
                continue
            kept.append((index, name, file))
        return kept, refused

    def _store_files(self, number: str, message_id: str, kept: Sequence[tuple[int, str, MailFile]]) -> None:
        for index, name, file in kept:
            key = attachment_key(number, file_id(message_id, index), name)
            self.files.put(key, file.data, file.content_type)


def _with_files(text: str, kept: Sequence[tuple[int, str, MailFile]], refused: Sequence[str]) -> str:
    """``text`` with the message's files listed under it."""
    lines = [text] if text else []
    if kept:
        lines += ["", "Attached by mail:", *(f"- {name} ({_size(len(f.data))})" for _, name, f in kept)]
    if refused:
        lines += ["", "Not kept (the desk's attachment limits):", *(f"- {why}" for why in refused)]
    return "\n".join(lines).strip()[:MAX_DESCRIPTION]
