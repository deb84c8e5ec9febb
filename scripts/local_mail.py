"""Mail on the local desk (``make run``): an SMTP listener for mail in, the sent mail made visible.

Mail in: :func:`start_smtp` listens on 127.0.0.1 (``--smtp-port``, ``SMTP_PORT``; default 2525)
with aiosmtpd. Each message it accepts is handled as SES and S3 would on AWS: stored in the
inbound-mail bucket (moto's) under ``mail/``, then the ``receive_mail`` function is called with
the S3 event of that object, so the same code decides what the message does. Like a receiving
mail server, the listener adds ``Return-Path`` (the envelope sender, ``<>`` for a bounce) and
``X-Original-To`` (each envelope recipient) on top of the message.

Mail out: moto's SES keeps every message the desk sends. :func:`watch_sent_mail` writes each one
as it appears to ``<data-dir>/mail/sent/NNNN.eml`` (readable by any mail client) and prints who it
went to and its subject.
"""

from __future__ import annotations

import threading
import uuid
from email import message_from_string, policy
from pathlib import Path
from typing import Any

from chalicelib.observability import logger

DEFAULT_SMTP_PORT = 2525
#: moto's account when the local credentials name none.
MOTO_ACCOUNT = "123456789012"


def with_envelope(content: bytes, mail_from: str, recipients: list[str]) -> bytes:
    """``content`` as a receiving server stores it: ``Return-Path`` and ``X-Original-To`` first."""
    head = [f"Return-Path: <{mail_from.strip('<>')}>"] + [f"X-Original-To: {r}" for r in recipients]
    return ("\r\n".join(head) + "\r\n").encode() + content


class DeskMailHandler:
    """aiosmtpd's handler: each accepted message goes to the inbound bucket and the mail function."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from app import app
        from chalicelib.inbound.mail import s3_event
        from chalicelib.wiring import desk

        content = envelope.original_content or envelope.content
        raw = with_envelope(bytes(content), envelope.mail_from or "", list(envelope.rcpt_tos))
        settings = desk().settings
        key = f"mail/{uuid.uuid4().hex}"
        desk().s3.put_object(Bucket=settings.inbound_mail_bucket, Key=key, Body=raw)
        try:
            outcomes = app.handler_map["receive_mail"](s3_event(settings.inbound_mail_bucket, key), None)
        except Exception as exc:  # the message stays in the bucket; tell the client to retry
            logger.exception("mail not handled")
            return f"451 the desk could not handle the message: {type(exc).__name__}"
        for outcome in outcomes:
            ticket = f" {outcome['ticket']}" if outcome.get("ticket") else ""
            print(f"mail in: {outcome['action']}{ticket} ({outcome['reason']})", flush=True)
        return "250 Message accepted for delivery"


def start_smtp(port: int) -> Any:
    """Listen for SMTP on 127.0.0.1:``port``; returns the controller (``.stop()`` ends it)."""
    from aiosmtpd.controller import Controller

    controller = Controller(DeskMailHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def watch_sent_mail(stop: threading.Event, out_dir: Path, every_seconds: float = 1.0) -> threading.Thread:
    """Write each message moto's SES sent to ``out_dir`` as it appears (in this process: moto's
    server runs here)."""
    from moto.ses.models import ses_backends

    from chalicelib.config import get_settings

    out_dir.mkdir(parents=True, exist_ok=True)
    start = len(list(out_dir.glob("*.eml")))

    def loop() -> None:
        seen, written = 0, start
        while not stop.wait(every_seconds):
            for message in list(ses_backends[MOTO_ACCOUNT][get_settings().region].sent_messages)[seen:]:
                seen += 1
                raw = getattr(message, "raw_data", None)
                if raw is None:  # only raw mail is the desk's
                    continue
                written += 1
                path = out_dir / f"{written:04d}.eml"
                path.write_text(raw, encoding="utf-8")
                subject = message_from_string(raw, policy=policy.default)["Subject"]
                to = ", ".join(dict.fromkeys(message.destinations))
                print(f"mail out: to {to}: {subject} ({path})", flush=True)

    thread = threading.Thread(target=loop, name="sent-mail", daemon=True)
    thread.start()
    return thread
