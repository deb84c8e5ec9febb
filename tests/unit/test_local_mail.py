"""The local SMTP listener stores a message as a receiving server does (``scripts/local_mail.py``)."""

from __future__ import annotations

import pytest

from chalicelib.domain.mail import parse_mail
from scripts.local_mail import with_envelope

MESSAGE = b"From: alice@example.com\r\nSubject: s\r\nMessage-ID: <m@x>\r\n\r\nbody\r\n"


@pytest.mark.parametrize("null_sender", ["", "<>"], ids=["empty", "brackets"])
def test_a_null_envelope_sender_is_a_bounce(null_sender: str) -> None:
    raw = with_envelope(MESSAGE, null_sender, ["desk@example.com"])
    assert raw.startswith(b"Return-Path: <>\r\n")
    assert parse_mail(raw).automated == "Return-Path: <> (a bounce)"


def test_the_envelope_recipient_names_the_type_of_a_blind_copy() -> None:
    raw = with_envelope(MESSAGE, "alice@example.com", ["desk+change@example.com"])
    mail = parse_mail(raw)
    assert mail.automated is None
    assert mail.requested_type("desk@example.com") == "change_request"
