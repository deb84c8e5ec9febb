"""The outbox channel: keeps every notice (the local and test stand-in, and the audit copy)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.notice import OUTBOX, Notice
from chalicelib.notify.failures import DeliveryError


def _kept(notice: Notice) -> None:
    """The outbox table already holds every notice; delivering to it only records the delivery."""


class OutboxChannel:
    """Keeps every notice through ``store`` (a callable; DynamoDB in the stack, ``list.append`` in tests).

    Without a ``store`` the notices are kept in :attr:`notices`. A failing store is retryable.
    """

    name = OUTBOX

    def __init__(self, store: Callable[[Notice], object] | None = None) -> None:
        self.notices: list[Notice] = []
        self._store: Callable[[Notice], object] = store or self.notices.append

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> OutboxChannel:
        """The outbox table holds the notices already: delivering here records the delivery only."""
        return cls(store=_kept)

    def send(self, notice: Notice) -> None:
        try:
            self._store(notice)
        except DeliveryError:
            raise
        except Exception as exc:
            raise DeliveryError(f"outbox store failed: {exc}", retryable=True) from exc
