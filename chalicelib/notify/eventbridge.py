"""The events channel: puts a desk event (``chalicelib.domain.published``) on the EventBridge bus."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.notice import EVENTS, Notice
from chalicelib.domain.published import SOURCE
from chalicelib.notify.failures import DeliveryError


class EventBridgeChannel:
    """``events:PutEvents`` of one entry per notice; a failed entry is retryable (the outbox
    marks the notice delivered only after the bus took it, so it is published once)."""

    name = EVENTS

    def __init__(self, events_client: Any, bus_name: str) -> None:
        self.events = events_client
        self.bus_name = bus_name

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> EventBridgeChannel | None:
        """On ``EVENT_BUS_NAME`` (default ``desk-<stage>-bus``)."""
        return cls(client("events"), settings.event_bus_name) if settings.event_bus_name else None

    def send(self, notice: Notice) -> None:
        detail_type = notice.data.get("detail_type")
        detail = notice.data.get("detail")
        if not isinstance(detail_type, str) or not isinstance(detail, dict):
            raise DeliveryError(f"{notice.notice_id} carries no desk event", retryable=False)
        answer = self.events.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, sort_keys=True),
                    "EventBusName": self.bus_name,
                    "Time": notice.created_at,
                    "Resources": [],
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            entry = (answer.get("Entries") or [{}])[0]
            raise DeliveryError(
                f"the bus refused the event: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}", retryable=True
            )
