"""Each ticket opened from Slack and its thread, kept as a claim (``slack-thread#<ticket>``)."""

from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.config import get_settings
from chalicelib.storage.models import ClaimModel, bind_models


class DynamoSlackThreads:
    def __init__(self) -> None:
        bind_models(get_settings())

    @staticmethod
    def _id(ticket: str) -> str:
        return f"slack-thread#{ticket}"

    def thread_of(self, ticket: str) -> tuple[str, str] | None:
        try:
            item = ClaimModel.get(self._id(ticket))
        except DoesNotExist:
            return None
        detail = item.detail or {}
        return str(detail["channel"]), str(detail["ts"])

    def remember(self, ticket: str, channel: str, ts: str) -> None:
        """Keep the first thread of ``ticket`` (a retried intake finds it already kept)."""
        item = ClaimModel(self._id(ticket), at=datetime.now(timezone.utc), ticket=ticket,
                          detail={"channel": channel, "ts": ts})
        try:
            item.save(condition=ClaimModel.claim_id.does_not_exist())
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise
