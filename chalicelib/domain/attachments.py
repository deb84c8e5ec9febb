"""Files attached to a ticket: which kinds and sizes are accepted, and how they are named.

A file goes from the browser straight to S3 through a presigned POST whose conditions repeat
these rules (the exact key, the declared type, a size range), so S3 refuses what the desk would.
Only document and image types that a browser shows as data are accepted: no HTML, SVG or
scripts, which would run if opened from the bucket. The stored key is
``tickets/<number>/<id>/<file name>``: listing a ticket's files is a prefix listing, and the id
keeps two files of the same name apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import ValidationFailed

#: Accepted content types and the extensions a file of that type may carry.
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".log"),
    "text/csv": (".csv",),
    "application/zip": (".zip",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
}
MAX_FILENAME_LENGTH = 120
KEY_PREFIX = "tickets"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Attachment:
    """One stored file of a ticket."""

    id: str
    filename: str
    size: int
    uploaded_at: datetime

    def to_dict(self) -> dict[str, object]:
        uploaded = self.uploaded_at.isoformat()
        return {"id": self.id, "filename": self.filename, "size": self.size, "uploaded_at": uploaded}


def safe_filename(raw: str) -> str:
    """``raw`` as a stored file name: ASCII letters, digits, dot, dash and underscore only (other
    runs become ``_``), no leading dots, at most :data:`MAX_FILENAME_LENGTH` characters with the
    extension kept."""
    ascii_name = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    name = _UNSAFE.sub("_", ascii_name).strip("._") or "file"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = (dot + ext) if stem and len(ext) <= 10 else ""
        name = name[: MAX_FILENAME_LENGTH - len(ext)] + ext
    return name


def check_upload(filename: str, content_type: str, size: int, max_bytes: int) -> str:
    """The stored name of a file the desk accepts; else :class:`ValidationFailed` naming every
    field that is wrong (``filename``, ``content_type``, ``size``)."""
    problems: list[dict[str, str]] = []
    extensions = ACCEPTED_TYPES.get(content_type)
    if extensions is None:
        problems.append(
            {"field": "content_type", "reason": "must be one of " + ", ".join(sorted(ACCEPTED_TYPES))}
        )
    name = safe_filename(filename)
    if extensions is not None and not name.lower().endswith(extensions):
        endings = " or ".join(extensions)
        problems.append({"field": "filename", "reason": f"a {content_type} file must end in {endings}"})
    if not 0 < size <= max_bytes:
        problems.append({"field": "size", "reason": f"must be from 1 to {max_bytes} bytes"})
    if problems:
        raise ValidationFailed(problems)
    return name


def attachment_key(number: str, attachment_id: str, filename: str) -> str:
    return f"{ticket_prefix(number)}{attachment_id}/{filename}"


def ticket_prefix(number: str) -> str:
    return f"{KEY_PREFIX}/{number}/"


def parse_key(number: str, key: str) -> tuple[str, str] | None:
    """``(id, file name)`` of a stored key under ``number``'s prefix; None for anything else."""
    prefix = ticket_prefix(number)
    if not key.startswith(prefix):
        return None
    attachment_id, _, filename = key[len(prefix):].partition("/")
    if not _ID.match(attachment_id) or not filename or "/" in filename:
        return None
    return attachment_id, filename


def is_attachment_id(value: str) -> bool:
    return bool(_ID.match(value))
