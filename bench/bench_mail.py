"""Mail in: how long reading a raw message takes, and the AWS requests one received message costs
(moto in-process, counted with ``infra.calls``).

A new message with two files opens its ticket (claim look-up, number, ticket with events and
notices in one transaction, known errors, the files put to S3) on a fresh desk, which also reads
its configuration documents and models the first time (cached afterwards); a reply is the claim look-up,
the thread look-up (one BatchGetItem when the subject names no ticket), the ticket and the
comment's transaction; a message delivered again stops at the claim look-up.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.bench_sweep import BenchClock, _desk

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mail"
ROUNDS = 200
AT = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def _parse_figures() -> dict[str, Any]:
    from chalicelib.domain.mail import parse_mail

    figures: dict[str, Any] = {}
    for name in ("plain.eml", "html_only.eml", "attachment.eml", "german.eml", "reply_quoted.eml"):
        raw = (FIXTURES / name).read_bytes()
        started = time.perf_counter()
        for _ in range(ROUNDS):
            parse_mail(raw)
        figures[f"parse {name} (ms)"] = (time.perf_counter() - started) * 1000 / ROUNDS
    return figures


def _requests(raw: bytes) -> int:
    from app import app
    from chalicelib.inbound.mail import s3_event
    from chalicelib.wiring import desk
    from infra.calls import record_calls

    settings = desk().settings
    key = f"mail/{abs(hash(raw))}"
    desk().s3.put_object(Bucket=settings.inbound_mail_bucket, Key=key, Body=raw)
    with record_calls() as log:
        app.handler_map["receive_mail"](s3_event(settings.inbound_mail_bucket, key), None)
    return len(log.calls)


def run() -> dict[str, Any]:
    figures = _parse_figures()
    with _desk(BenchClock(AT)):
        from chalicelib.storage.attachments import create_bucket
        from chalicelib.wiring import desk

        settings = desk().settings
        for bucket in (settings.attachments_bucket, settings.inbound_mail_bucket):
            create_bucket(desk().s3, bucket, settings.region)
        new = (FIXTURES / "attachment.eml").read_bytes()
        figures["AWS requests: a new message with 2 files"] = _requests(new)
        figures["AWS requests: the same message again"] = _requests(new)
        reply = (
            b"From: alice@example.com\r\nTo: desk@example.com\r\nSubject: Re: printer\r\n"
            b"Message-ID: <bench-reply@example.com>\r\nIn-Reply-To: <nothing-sent@example.com>\r\n\r\n"
            b"Still broken.\r\n"
        )
        desk().mail_ledger.remember_sent("nothing-sent@example.com", "INC-000001", AT)
        figures["AWS requests: a reply threaded by In-Reply-To"] = _requests(reply)
        ooo = (FIXTURES / "auto_reply.eml").read_bytes()
        figures["AWS requests: an auto-reply"] = _requests(ooo)
    return figures
