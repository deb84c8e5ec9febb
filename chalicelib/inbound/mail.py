"""The inbound-mail bucket's notifications: read each stored message and hand it to mail intake.

An S3 ``ObjectCreated`` event names the bucket and the (URL-encoded) key of each message SES
stored. A message that fails raises, so Lambda's asynchronous retries run it again; intake is
idempotent per ``Message-ID``, so a retry never acts twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from chalicelib.wiring import Desk


def stored_objects(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(bucket, key)`` of every object an S3 event notification reports created."""
    for record in event.get("Records", []):
        if not str(record.get("eventName", "ObjectCreated")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3", {})
        yield s3["bucket"]["name"], unquote_plus(s3["object"]["key"])


def receive_s3_event(desk: Desk, event: dict[str, Any]) -> list[dict[str, str | None]]:
    """Each stored message of ``event`` handed to :attr:`Desk.mail_intake`; what each did. The
    notices a message caused (the acknowledgement, a refusal) wait in the outbox for the next
    relay (every minute, with the SLA sweep)."""
    from chalicelib.storage.mail import read_inbound

    outcomes = []
    for bucket, key in stored_objects(event):
        outcomes.append(desk.mail_intake.receive(read_inbound(desk.s3, bucket, key)).to_dict())
    return outcomes


def s3_event(bucket: str, key: str) -> dict[str, Any]:
    """The notification S3 sends when ``key`` was stored in ``bucket`` (the local SMTP listener and
    the tests call the handler with it, as S3 would)."""
    from urllib.parse import quote_plus

    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}},
            }
        ]
    }
