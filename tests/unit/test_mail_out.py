"""The desk's own mail (``chalicelib.notify.email``): threaded, tagged, marked as automatic, and
read back by the desk's intake as a reply to its ticket, never as a person's mail."""

from __future__ import annotations

from datetime import datetime, timezone
from email import message_from_bytes, policy
from typing import Any

from chalicelib.domain.mail import parse_mail
from chalicelib.domain.notice import Notice
from chalicelib.notify.email import SesEmailChannel, compose_email, tagged_subject

AT = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)


def reply_notice(**changes: Any) -> Notice:
    fields: dict[str, Any] = {
        "notice_id": "INC-000123:7:agent_reply:alice#email",
        "kind": "agent_reply",
        "ticket": "INC-000123",
        "recipient": "alice@example.com",
        "channel": "email",
        "subject": "INC-000123: reply from the service desk",
        "text": "ann replied on INC-000123 (VPN down):\n\nPlease try vpn2.",
        "created_at": AT,
        "link": "https://desk/tickets/INC-000123",
    }
    return Notice(**{**fields, **changes})


def test_every_mail_carries_its_ticket_thread_and_automatic_marks() -> None:
    mail = compose_email(reply_notice(), sender="Service Desk <noreply@example.com>", desk_address="desk@example.com")
    assert mail["Subject"] == "[INC-000123] reply from the service desk"
    assert mail["Reply-To"] == "desk+INC-000123@example.com"
    assert mail["In-Reply-To"] == mail["References"] == "<INC-000123@example.com>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Message-ID"].endswith(".INC-000123@example.com>")
    assert mail["Date"] == "Mon, 30 Nov 2026 17:00:00 +0000"
    assert "Please try vpn2." in mail.get_content()


def test_the_message_id_is_the_same_for_every_attempt_and_differs_between_notices() -> None:
    first = compose_email(reply_notice(), sender="d@example.com", desk_address="desk@example.com")
    again = compose_email(reply_notice(), sender="d@example.com", desk_address="desk@example.com")
    other = compose_email(reply_notice(notice_id="INC-000123:9:agent_reply:alice#email"), sender="d@example.com",
                          desk_address="desk@example.com")
    assert first["Message-ID"] == again["Message-ID"] != other["Message-ID"]


def test_a_subject_gets_the_tag_once() -> None:
    resolved = tagged_subject("INC-000001 resolved: please confirm", "INC-000001")
    assert resolved == "[INC-000001] resolved: please confirm"
    assert tagged_subject("PAGE INC-000001 (P1)", "INC-000001") == "[INC-000001] PAGE INC-000001 (P1)"
    assert tagged_subject("[INC-000001] already", "INC-000001") == "[INC-000001] already"
    assert tagged_subject("Morning patrol", None) == "Morning patrol"


def test_a_notice_about_no_ticket_has_no_thread_and_replies_to_the_plain_address() -> None:
    mail = compose_email(reply_notice(ticket=None, subject="Morning patrol"), sender="d@example.com",
                         desk_address="desk@example.com")
    assert mail["Reply-To"] == "desk@example.com"
    assert mail["References"] is None and mail["In-Reply-To"] is None


def test_the_desks_own_mail_read_back_is_machine_mail_and_names_its_ticket() -> None:
    raw = compose_email(reply_notice(), sender="d@example.com", desk_address="desk@example.com").as_bytes()
    mail = parse_mail(raw)
    assert mail.automated == "Auto-Submitted: auto-generated"
    assert mail.ticket_number == "INC-000123"


def test_a_reply_to_the_desks_mail_threads_back_three_ways() -> None:
    sent = compose_email(reply_notice(), sender="d@example.com", desk_address="desk@example.com")
    reply = (
        f"From: alice@example.com\r\nTo: {sent['Reply-To']}\r\nSubject: Re: {sent['Subject']}\r\n"
        f"In-Reply-To: {sent['Message-ID']}\r\nReferences: {sent['References']} {sent['Message-ID']}\r\n"
        "Message-ID: <r1@example.com>\r\n\r\nThanks, it works.\r\n"
    ).encode()
    mail = parse_mail(reply)
    assert mail.automated is None and mail.ticket_number == "INC-000123"
    assert mail.thread_ids[0] == sent["Message-ID"].strip("<>")


class Ses:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_raw_email(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def test_the_channel_remembers_each_message_id_of_a_ticket_and_sends_it_raw() -> None:
    ses, remembered = Ses(), []
    channel = SesEmailChannel(ses, "Service Desk <noreply@example.com>", "desk@example.com",
                              lambda mid, ticket, notice: remembered.append((mid, ticket)))
    channel.send(reply_notice())
    (request,) = ses.sent
    assert request["Source"] == "noreply@example.com" and request["Destinations"] == ["alice@example.com"]
    sent = message_from_bytes(request["RawMessage"]["Data"], policy=policy.default)
    assert remembered == [(sent["Message-ID"], "INC-000123")]
