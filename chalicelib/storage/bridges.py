"""Which desk ticket each bridged issue belongs to: one claim per issue (``bridge#<system>:<key>``)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.config import get_settings
from chalicelib.domain.bridges import Bridge
from chalicelib.storage.models import ClaimModel, bind_models


def _id(bridge: Bridge) -> str:
    return f"bridge#{bridge.system}:{bridge.key}"


class DynamoBridges:
    def __init__(self) -> None:
        bind_models(get_settings())

    def attach(self, bridge: Bridge, ticket: str, now: datetime) -> str:
        """Bridge the issue to ``ticket`` unless it is bridged already; the ticket it belongs to."""
        try:
            ClaimModel(_id(bridge), at=now, ticket=ticket, detail=bridge.to_dict()).save(
                condition=ClaimModel.claim_id.does_not_exist()
            )
        except PutError as exc:
            if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
                raise
            found = self.ticket_of(bridge)
            return found or ticket
        return ticket

    def ticket_of(self, bridge: Bridge) -> str | None:
        try:
            return ClaimModel.get(_id(bridge)).ticket
        except DoesNotExist:
            return None
