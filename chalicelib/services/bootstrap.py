"""Builds the services with their real collaborators, lazily and once per process."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from chalicelib.config import get_settings
from chalicelib.services.intake import IdempotentIntake
from chalicelib.services.tickets import TicketService


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


@lru_cache(maxsize=1)
def ticket_service() -> TicketService:
    from chalicelib.storage.repository import DynamoTicketRepository

    settings = get_settings()
    return TicketService(
        DynamoTicketRepository(),
        utc_now,
        reopen_window=timedelta(days=settings.reopen_window_days),
    )


@lru_cache(maxsize=1)
def intake() -> IdempotentIntake:
    from chalicelib.storage.aws import client

    settings = get_settings()
    return IdempotentIntake(
        ticket_service(),
        table_name=settings.idempotency_table,
        dynamodb_client=client("dynamodb"),
        ttl_seconds=settings.idempotency_ttl_seconds,
    )


def reset() -> None:
    """Forget the built services (tests switch settings between cases)."""
    ticket_service.cache_clear()
    intake.cache_clear()
