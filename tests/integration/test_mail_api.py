"""Email both ways through the real desk on moto: SES stores a message in the inbound-mail bucket,
the ``receive_mail`` function turns it into a ticket or a comment, the agent's public reply goes
out by SES as a threaded mail, and the requester's answer to that mail lands on the ticket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import auth
from tests.unit.fakes import FakeClock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
#: Monday 30 November 2026, 09:00 in Chicago.
MONDAY = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
INBOUND = "desk-dev-inbound-mail"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def mail_desk(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    """The dev stage on moto with its inbound-mail bucket, mail on as a channel, SES's sender
    verified, senders outside the domain allowed."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.attachments import create_bucket, s3_client
    from chalicelib.storage.aws import client as aws_client

    monkeypatch.setenv("NOTIFY_CHANNELS", "outbox,email")
    monkeypatch.setenv("EMAIL_SENDER", "desk@example.com")
    monkeypatch.setenv("MAIL_UNKNOWN_SENDERS", "true")
    get_settings.cache_clear()
    settings = get_settings()
    create_bucket(s3_client(settings), settings.inbound_mail_bucket, settings.region)
    aws_client("ses").verify_email_identity(EmailAddress="desk@example.com")
    fake = FakeClock(MONDAY)
    wiring.install(wiring.bootstrap(clock=fake))
    yield fake
    wiring.install(None)


def deliver(raw: bytes, key: str) -> list[dict[str, Any]]:
    """What SES and S3 do with a received message: store it, notify the function."""
    from app import app
    from chalicelib.inbound.mail import s3_event
    from chalicelib.storage.attachments import s3_client
    from chalicelib.wiring import desk

    s3_client(desk().settings).put_object(Bucket=INBOUND, Key=key, Body=raw)
    outcomes: list[dict[str, Any]] = app.handler_map["receive_mail"](s3_event(INBOUND, key), None)
    return outcomes


def sent_mail() -> list[EmailMessage]:
    """Every mail moto's SES sent, parsed, after the outbox was relayed."""
    from moto.ses.models import ses_backends

    from chalicelib.wiring import desk

    desk().outbox_relay.relay()
    backend = ses_backends["123456789012"]["us-east-1"]
    out = []
    for sent in backend.sent_messages:
        message = message_from_string(sent.raw_data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        out.append(message)
    return out


def test_a_mail_with_files_opens_a_ticket_whose_files_the_requester_downloads(
    client: Any, mail_desk: FakeClock
) -> None:
    (outcome,) = deliver(fixture("attachment.eml"), "mail/attachment")
    assert outcome["action"] == "opened"
    number = outcome["ticket"]
    ticket = client.http.get(f"/tickets/{number}", headers=auth("alice")).json_body
    assert ticket["type"] == "incident" and ticket["title"] == "Printer error screenshot"
    assert "- printer.log (68 bytes)" in ticket["description"] and "setup.exe (content_type" in ticket["description"]
    files = client.http.get(f"/tickets/{number}/attachments", headers=auth("alice")).json_body
    assert sorted(f["filename"] for f in files["attachments"]) == ["printer.log", "screen.png"]
    log = next(f for f in files["attachments"] if f["filename"] == "printer.log")
    link = client.http.get(f"/tickets/{number}/attachments/{log['id']}", headers=auth("alice")).json_body
    assert "printer.log" in link["url"]
    assert client.http.get(f"/tickets/{number}", headers=auth("bob")).status_code == 404
    (ack,) = [m for m in sent_mail() if m["To"] == "alice@example.com"]
    assert ack["Subject"].startswith(f"[{number}] received")


def test_the_same_message_delivered_twice_opens_one_ticket(client: Any, mail_desk: FakeClock) -> None:
    first = deliver(fixture("plain.eml"), "mail/one")
    again = deliver(fixture("plain.eml"), "mail/two")
    assert [o["action"] for o in first + again] == ["opened", "duplicate"]
    listing = client.http.get("/tickets", headers=auth("alice")).json_body
    assert [t["number"] for t in listing["tickets"]] == [first[0]["ticket"]]


def test_auto_replies_and_bounces_open_nothing_and_send_nothing(client: Any, mail_desk: FakeClock) -> None:
    outcomes = deliver(fixture("auto_reply.eml"), "mail/ooo") + deliver(fixture("bounce.eml"), "mail/bounce")
    assert [o["action"] for o in outcomes] == ["ignored", "ignored"]
    assert client.http.get("/tickets", headers=auth("ann", "agent")).json_body["tickets"] == []
    assert sent_mail() == []


def test_the_agents_reply_goes_out_threaded_and_the_requesters_answer_lands_on_the_ticket(
    client: Any, mail_desk: FakeClock
) -> None:
    (opened,) = deliver(fixture("german.eml"), "mail/de")
    number = opened["ticket"]
    ticket = client.http.get(f"/tickets/{number}", headers=auth("ann", "agent")).json_body
    r = client.http.post(f"/tickets/{number}/comments", headers=auth("ann", "agent"), body=json.dumps(
        {"body": "Bitte den Drucker einmal neu starten.", "visibility": "public", "version": ticket["version"]}))
    assert r.status_code in (200, 201), r.body
    reply = next(m for m in sent_mail() if "Bitte den Drucker" in m.get_content())
    assert reply["To"] == "juergen.mueller@example.com"
    assert reply["Subject"] == f"[{number}] reply from the service desk"
    assert reply["Reply-To"] == f"desk+{number}@example.com"
    assert reply["Auto-Submitted"] == "auto-generated"
    assert reply["References"] == f"<{number}@example.com>"

    # Jürgen answers from a client that keeps neither the subject's tag nor the plus address.
    answer = (
        "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen.mueller@example.com>\r\n"
        "To: desk@example.com\r\nSubject: AW: Antwort\r\n"
        f"Message-ID: <answer-1@mail.example.com>\r\nIn-Reply-To: {reply['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Neu gestartet, jetzt druckt er wieder. Danke!\r\n\r\n"
        "Am 30.11.2026 um 09:05 schrieb Service Desk <desk@example.com>:\r\n> Bitte den Drucker einmal neu starten.\r\n"
    ).encode()
    (commented,) = deliver(answer, "mail/answer")
    assert (commented["action"], commented["ticket"]) == ("commented", number)
    events = client.http.get(f"/tickets/{number}/events", headers=auth("ann", "agent")).json_body
    bodies = [e["after"]["body"] for e in events["events"] if e["kind"] == "commented"]
    assert bodies[-1] == "Neu gestartet, jetzt druckt er wieder. Danke!"


def test_a_stranger_replying_is_refused_by_mail_and_the_ticket_is_untouched(client: Any, mail_desk: FakeClock) -> None:
    (opened,) = deliver(fixture("plain.eml"), "mail/plain")
    assert opened["ticket"] == "INC-000001"
    (refused,) = deliver(fixture("unknown_sender.eml"), "mail/stranger")
    assert refused["action"] == "refused"
    events = client.http.get("/tickets/INC-000001/events", headers=auth("ann", "agent")).json_body
    assert not [e for e in events["events"] if e["kind"] == "commented"]
    (notice,) = [m for m in sent_mail() if m["To"] == "mallory@elsewhere.example.net"]
    assert notice["Subject"].startswith("Not delivered to the service desk")
    assert notice["Auto-Submitted"] == "auto-generated"
    assert "INC-000001" not in notice["Reply-To"]
