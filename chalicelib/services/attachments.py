"""Attachments: an upload form for S3, a ticket's files, and short-lived download links.

Whoever may see a ticket (its requester, staff) may attach files to it and download them; for
anyone else the ticket does not exist (404), exactly as ``GET /tickets/{number}`` answers. The
desk never carries a file's bytes: the browser posts the file to S3 with a presigned POST
(limited to one key, the declared type and the size limit) and downloads it with a presigned GET
that lives :data:`DOWNLOAD_SECONDS`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.attachments import (
    Attachment,
    attachment_key,
    check_upload,
    is_attachment_id,
    parse_key,
    ticket_prefix,
)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identity import Identity
from chalicelib.services.ports import Clock

#: How long an upload form may be used.
UPLOAD_SECONDS = 300
#: How long a download link works.
DOWNLOAD_SECONDS = 60


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class ObjectStore(Protocol):
    """Where attachments are kept (S3: :class:`chalicelib.storage.attachments.S3ObjectStore`)."""

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_seconds: int) -> dict[str, Any]:
        """``{"url", "fields"}`` of a presigned POST for exactly ``key``, ``content_type`` and at
        most ``max_bytes``."""
        ...

    def list(self, prefix: str) -> Iterable[StoredObject]:
        """The objects under ``prefix``."""
        ...

    def download_url(self, key: str, filename: str, expires_seconds: int) -> str:
        """A presigned GET of ``key`` that saves it as ``filename``."""
        ...


class Attachments:
    def __init__(
        self, store: ObjectStore, see_ticket: Callable[[str, Identity], object], clock: Clock, *, max_bytes: int
    ) -> None:
        """``see_ticket(number, who)`` raises ``NotFound`` when ``who`` may not see the ticket."""
        self.store = store
        self.see_ticket = see_ticket
        self.clock = clock
        self.max_bytes = max_bytes

    def upload_form(self, number: str, who: Identity, filename: str, content_type: str, size: int) -> dict[str, Any]:
        self.see_ticket(number, who)
        stored_name = check_upload(filename, content_type, size, self.max_bytes)
        attachment_id = uuid.uuid4().hex
        key = attachment_key(number, attachment_id, stored_name)
        form = self.store.upload_form(key, content_type, self.max_bytes, UPLOAD_SECONDS)
        expires = self.clock() + timedelta(seconds=UPLOAD_SECONDS)
        return {
            "id": attachment_id,
            "filename": stored_name,
            "url": form["url"],
            "fields": form["fields"],
            "max_bytes": self.max_bytes,
            "expires_at": expires.isoformat(),
        }

    def listing(self, number: str, who: Identity) -> list[Attachment]:
        self.see_ticket(number, who)
        found = []
        for item in self.store.list(ticket_prefix(number)):
            parsed = parse_key(number, item.key)
            if parsed is not None:
                found.append(Attachment(parsed[0], parsed[1], item.size, item.modified))
        return sorted(found, key=lambda a: (a.uploaded_at, a.id))

    def download(self, number: str, attachment_id: str, who: Identity) -> dict[str, str]:
        self.see_ticket(number, who)
        if not is_attachment_id(attachment_id):
            raise NotFound(f"no attachment {attachment_id} on {number}", field="attachment")
        for item in self.store.list(f"{ticket_prefix(number)}{attachment_id}/"):
            parsed = parse_key(number, item.key)
            if parsed is not None:
                url = self.store.download_url(item.key, parsed[1], DOWNLOAD_SECONDS)
                expires = self.clock() + timedelta(seconds=DOWNLOAD_SECONDS)
                return {"url": url, "filename": parsed[1], "expires_at": expires.isoformat()}
        raise NotFound(f"no attachment {attachment_id} on {number}", field="attachment")
