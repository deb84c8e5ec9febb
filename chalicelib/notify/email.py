"""The email channel: a notice as a threaded plain-text mail, sent raw through SES.

:func:`compose_email` (pure) writes the message. Every mail the desk sends carries:

* ``Message-ID`` derived from the notice id (a retried notice is the same message), remembered
  per ticket (:meth:`chalicelib.storage.mail.DynamoMailLedger.remember_sent`) so a reply's
  ``In-Reply-To`` finds the ticket again;
* ``In-Reply-To`` and ``References`` naming the ticket's thread (``<INC-000123@domain>``), so
  mail clients keep a ticket's mail in one conversation;
* the ticket number in the subject (``[INC-000123] ...``) and a ``Reply-To`` of the desk's
  address with the ticket as plus tag (``desk+INC-000123@``): any of the three threads a reply
  back to its ticket;
* ``Auto-Submitted: auto-generated`` (RFC 3834) and ``X-Auto-Response-Suppress: All``, so
  vacation responders stay quiet and the desk's own intake never takes its mail for a person's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.mail import TICKET_TAG
from chalicelib.domain.notice import EMAIL, Notice
from chalicelib.notify.failures import DeliveryError, aws_failure
from chalicelib.notify.formatting import format_email

#: ``remember(message_id, ticket, notice)``: keeps the Message-ID a ticket's mail went out as.
Remember = Callable[[str, str, Notice], None]


def message_id(notice: Notice, domain: str) -> str:
    """The notice's Message-ID: the same for every attempt to send it."""
    digest = hashlib.sha256(notice.notice_id.encode()).hexdigest()[:24]
    return f"<{digest}.{notice.ticket or 'desk'}@{domain}>"


def thread_id(ticket: str, domain: str) -> str:
    """The id every mail about ``ticket`` refers to."""
    return f"<{ticket}@{domain}>"


def tagged_subject(subject: str, ticket: str | None) -> str:
    """``subject`` carrying ``[INC-000123]`` once: a leading bare number becomes the tag."""
    if not ticket or TICKET_TAG.search(subject):
        return subject
    if subject.startswith(ticket):
        return f"[{ticket}] {subject[len(ticket):].lstrip(': ')}"
    return f"[{ticket}] {subject}"


def reply_address(desk_address: str, ticket: str | None) -> str:
    """The desk's address, with the ticket as plus tag when there is one."""
    if not ticket:
        return desk_address
    local, _, domain = desk_address.partition("@")
    return f"{local.partition('+')[0]}+{ticket}@{domain}"


def compose_email(notice: Notice, *, sender: str, desk_address: str) -> EmailMessage:
    """The mail of one notice (see the module's docstring)."""
    subject, body = format_email(notice)
    domain = parseaddr(desk_address)[1].partition("@")[2] or "desk.invalid"
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = notice.recipient
    message["Subject"] = tagged_subject(subject, notice.ticket)
    message["Date"] = format_datetime(notice.created_at)
    message["Message-ID"] = message_id(notice, domain)
    message["Reply-To"] = reply_address(desk_address, notice.ticket)
    if notice.ticket:
        message["In-Reply-To"] = thread_id(notice.ticket, domain)
        message["References"] = thread_id(notice.ticket, domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(body, charset="utf-8")
    return message


class SesEmailChannel:
    """Sends each notice as a raw mail through SES (``SendRawEmail``); the recipient must be an
    email address."""

    name = EMAIL

    def __init__(
        self, ses_client: Any, sender: str, desk_address: str | None = None, remember: Remember | None = None
    ) -> None:
        self._ses = ses_client
        self.sender = sender
        self.desk_address = desk_address or parseaddr(sender)[1]
        self.remember = remember

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> SesEmailChannel | None:
        """From ``EMAIL_SENDER`` (replies go to ``MAIL_ADDRESS``); None when no sender is configured."""
        if not settings.email_sender:
            return None
        from chalicelib.storage.mail import DynamoMailLedger

        ledger = DynamoMailLedger(settings)

        def remember(mid: str, ticket: str, notice: Notice) -> None:
            ledger.remember_sent(mid, ticket, notice.created_at)

        return cls(client("ses"), settings.email_sender, settings.mail_address, remember)

    def send(self, notice: Notice) -> None:
        if "@" not in notice.recipient:
            raise DeliveryError(
                f"recipient {notice.recipient!r} is not an email address; resolve it before sending", retryable=False
            )
        message = compose_email(notice, sender=self.sender, desk_address=self.desk_address)
        if self.remember is not None and notice.ticket:
            try:
                self.remember(str(message["Message-ID"]), notice.ticket, notice)
            except Exception as exc:
                raise DeliveryError(f"remembering the Message-ID failed: {exc}", retryable=True) from exc
        try:
            self._ses.send_raw_email(
                Source=parseaddr(self.sender)[1] or self.sender,
                Destinations=[notice.recipient],
                RawMessage={"Data": message.as_bytes()},
            )
        except Exception as exc:
            raise aws_failure("SES send_raw_email", exc) from exc
