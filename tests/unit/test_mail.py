"""Reading mail (``chalicelib.domain.mail``): real-format raw messages from ``tests/fixtures/mail``."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.domain.mail import html_to_text, parse_mail, strip_quoted

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_plain_message_is_read_without_its_signature() -> None:
    mail = parse_mail(fixture("plain.eml"))
    assert mail.message_id == "CAF1x9Zq7+plain@mail.example.com"
    assert (mail.sender, mail.sender_name) == ("alice@example.com", "Alice Example")
    assert mail.recipients == ("desk@example.com",)
    assert mail.title == "VPN keeps dropping"
    assert mail.text.startswith("Hi,\n\nAnyConnect drops the VPN")
    assert mail.text.endswith("Thanks,\nAlice")
    assert "Finance" not in mail.text  # after the "-- " signature delimiter
    assert mail.automated is None and mail.ticket_number is None and mail.files == ()


def test_an_html_only_message_becomes_text() -> None:
    mail = parse_mail(fixture("html_only.eml"))
    assert mail.text == (
        "Hello desk,\n\nPlease order a laptop for Carol, who starts on Monday 7 Dec.\n\n"
        '- 14" screen\n- 32 GB RAM\n\nDetails are on the wiki (https://wiki.example.com/onboarding).'
    )
    assert "<" not in mail.text and "alert" not in mail.text and "color" not in mail.text
    assert mail.requested_type("desk@example.com") == "service_request"


def test_a_multipart_message_keeps_its_plain_text_and_every_file() -> None:
    mail = parse_mail(fixture("attachment.eml"))
    assert mail.text == "The printer on floor 3 shows error E-52, log and screenshot attached."
    assert [(f.filename, f.content_type) for f in mail.files] == [
        ("printer.log", "text/plain"), ("screen.png", "image/png"), ("setup.exe", "application/x-msdownload"),
    ]
    assert mail.files[1].data.startswith(b"\x89PNG")
    assert mail.requested_type("desk@example.com") == "incident"
    assert mail.requested_type("helpdesk@example.com") is None  # another address's plus tag asks nothing


def test_german_headers_in_encoded_words_and_a_latin_1_body_are_decoded() -> None:
    mail = parse_mail(fixture("german.eml"))
    assert mail.subject == "Drucker im Büro druckt nicht"
    assert mail.sender_name == "Jürgen Müller"
    assert "alle Aufträge hängen in der Warteschlange" in mail.text
    assert mail.text.endswith("Grüße\nJürgen")  # "Von meinem iPhone gesendet" cut off


def test_a_reply_loses_its_quoted_history_and_names_its_ticket() -> None:
    mail = parse_mail(fixture("reply_quoted.eml"))
    assert mail.text == "Yes, the backup gateway works. Thank you!"
    assert mail.ticket_number == "INC-000001"
    assert mail.title == "INC-000001: reply from the service desk"
    assert mail.thread_ids == ("placeholder-reply-target@example.com", "placeholder-thread-root@example.com")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "Auto-Submitted: auto-replied"),
        ("bounce.eml", "Auto-Submitted: auto-replied"),
    ],
    ids=["auto-reply", "bounce"],
)
def test_machine_mail_is_recognised(name: str, reason: str) -> None:
    mail = parse_mail(fixture(name))
    assert mail.automated == reason
    assert mail.text == "" and mail.files == ()


def _headers(*lines: str) -> bytes:
    head = ["From: Alice <alice@example.com>", "To: desk@example.com", "Subject: hi", "Message-ID: <x@y>", *lines]
    return ("\r\n".join(head) + "\r\n\r\nbody\r\n").encode()


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: list", "Precedence: list"),
        ("Precedence: junk", "Precedence: junk"),
        ("Return-Path: <>", "Return-Path: <> (a bounce)"),
        ("X-Autoreply: yes", "X-Autoreply (an automatic reply)"),
        ("X-Autorespond: yes", "X-Autorespond (an automatic reply)"),
        ("List-Id: <it.lists.example.com>", "mailing list mail (List-Id)"),
        ("X-SES-Spam-Verdict: FAIL", "X-SES-Spam-Verdict: FAIL"),
        ("Authentication-Results: amazonses.com;\r\n spf=pass smtp.mailfrom=x.example;\r\n"
         " dmarc=fail header.from=example.com;",
         "Authentication-Results: dmarc=fail (the sender's domain did not send it)"),
        ("Content-Type: multipart/report; report-type=disposition-notification; boundary=b",
         "a delivery or disposition report (multipart/report)"),
    ],
    ids=["auto-generated", "bulk", "list", "junk", "null-return-path", "x-autoreply", "x-autorespond",
         "list-id", "ses-spam", "dmarc-fail", "report"],
)
def test_each_kind_of_machine_mail_is_named(header: str, reason: str) -> None:
    assert parse_mail(_headers(header)).automated == reason


def test_a_person_saying_auto_submitted_no_is_a_person() -> None:
    assert parse_mail(_headers("Auto-Submitted: no", "Precedence: normal")).automated is None


def test_mail_that_passed_or_was_not_checked_by_ses_is_a_persons() -> None:
    passed = "Authentication-Results: amazonses.com; spf=pass; dkim=pass; dmarc=pass header.from=example.com"
    other = "Authentication-Results: mx.example.org; dmarc=fail header.from=example.com"
    assert parse_mail(_headers(passed)).automated is None
    assert parse_mail(_headers(other)).automated is None  # only SES's own verdict counts


def test_a_message_without_message_id_is_keyed_by_its_bytes() -> None:
    raw = b"From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n"
    assert parse_mail(raw).message_id == parse_mail(raw).message_id
    assert parse_mail(raw).message_id.startswith("sha256:")
    assert parse_mail(raw).message_id != parse_mail(raw + b"more\r\n").message_id


@pytest.mark.parametrize(
    "history",
    [
        "Am 30.11.2026 um 11:00 schrieb Service Desk <desk@example.com>:\n> alt",
        "-----Original Message-----\nFrom: desk@example.com\nold",
        "From: Service Desk <desk@example.com>\nSent: Monday, 30 November 2026 11:00\nTo: Alice\nold",
        "Von: Service Desk <desk@example.com>\nGesendet: Montag, 30. November 2026 11:00\nAn: Alice\nalt",
        "________________________________\nFrom: desk",
        "On Mon, 30 Nov 2026, Service Desk wrote:\n> old",
    ],
    ids=["german-attribution", "original-message", "outlook", "outlook-german", "underscores", "on-wrote"],
)
def test_quoted_history_is_cut_in_the_forms_clients_write(history: str) -> None:
    assert strip_quoted(f"The new words.\n\n{history}") == "The new words."


def test_quoted_lines_inside_a_reply_are_dropped_and_a_plain_from_line_is_kept() -> None:
    text = "> you asked\nIt works now.\nFrom: the log it looks fine."
    assert strip_quoted(text) == "It works now.\nFrom: the log it looks fine."


def test_html_entities_and_blocks() -> None:
    assert html_to_text("<div>a&amp;b</div><div>c<br>d</div>") == "a&b\n\nc\nd"


def test_control_characters_never_reach_a_ticket() -> None:
    raw = (b"From: a@example.com\r\nSubject: =?utf-8?q?bad=07_subject?=\r\nMessage-ID: <c@x>\r\n\r\n"
           b"line\x0c one\x00\r\n\ttwo\r\n")
    mail = parse_mail(raw)
    assert mail.subject == "bad subject"
    assert mail.text == "line one\n\ttwo"
