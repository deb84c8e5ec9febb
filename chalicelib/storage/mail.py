"""What the desk keeps of mail, in the tables and buckets it already has.

* :class:`DynamoMailLedger`: in the claims table, a message's action claim (``mail#...``, written
  by intake) and, per message the desk sent about a ticket, ``mail-sent#<Message-ID>`` naming the
  ticket, so a reply's ``In-Reply-To`` or ``References`` finds its ticket again (one
  ``BatchGetItem`` per reply).
* :class:`S3MailFiles`: a message's files, put into the attachments bucket under the ticket.
* :func:`read_inbound`: the raw message SES stored in the inbound-mail bucket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.config import Settings, get_settings
from chalicelib.services.ports import Claim
from chalicelib.storage.models import ClaimModel, bind_models

SENT_PREFIX = "mail-sent#"
#: The longest Message-ID kept (RFC 5322 lines are at most 998 characters).
MAX_MESSAGE_ID = 900


def sent_key(message_id: str) -> str:
    return SENT_PREFIX + message_id.strip("<>")[:MAX_MESSAGE_ID]


class DynamoMailLedger:
    def __init__(self, settings: Settings | None = None) -> None:
        bind_models(settings or get_settings())

    def claim_of(self, claim_id: str) -> Claim | None:
        try:
            item = ClaimModel.get(claim_id, consistent_read=True)
        except DoesNotExist:
            return None
        return Claim(item.claim_id, item.at, item.ticket, item.detail)

    def ticket_of(self, message_ids: Sequence[str]) -> str | None:
        keys = [sent_key(m) for m in message_ids]
        if not keys:
            return None
        found = {item.claim_id: item.ticket for item in ClaimModel.batch_get(list(dict.fromkeys(keys)))}
        return next((found[k] for k in keys if found.get(k)), None)

    def remember_sent(self, message_id: str, ticket: str, now: datetime) -> None:
        """Remember that the desk sent ``message_id`` about ``ticket`` (written again, unchanged,
        when a notice is retried)."""
        ClaimModel(sent_key(message_id), at=now, ticket=ticket).save()


class S3MailFiles:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)


def read_inbound(s3: Any, bucket: str, key: str) -> bytes:
    """The raw message SES stored as ``key``."""
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body
