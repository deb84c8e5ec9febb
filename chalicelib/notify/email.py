"""The email channel: sends a notice as plain text through SES."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.notice import EMAIL, Notice
from chalicelib.notify.failures import DeliveryError, aws_failure
from chalicelib.notify.formatting import format_email


class SesEmailChannel:
    """Sends a plain-text email through SES (``format_email``); the recipient must be an email address."""

    name = EMAIL

    def __init__(self, ses_client: Any, sender: str, reply_to: str | None = None) -> None:
        self._ses = ses_client
        self.sender = sender
        self.reply_to = reply_to

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> SesEmailChannel | None:
        """From ``EMAIL_SENDER``; None when no sender is configured."""
        return cls(client("ses"), settings.email_sender) if settings.email_sender else None

    def send(self, notice: Notice) -> None:
        if "@" not in notice.recipient:
            raise DeliveryError(
                f"recipient {notice.recipient!r} is not an email address; resolve it before sending", retryable=False
            )
        subject, body = format_email(notice)
        request: dict[str, Any] = {
            "Source": self.sender,
            "Destination": {"ToAddresses": [notice.recipient]},
            "Message": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        }
        if self.reply_to:
            request["ReplyToAddresses"] = [self.reply_to]
        try:
            self._ses.send_email(**request)
        except Exception as exc:
            raise aws_failure("SES send_email", exc) from exc
