"""Builds the services with their real collaborators, lazily and once per process."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from chalicelib.config import get_settings
from chalicelib.services.classification import IntakeClassifier
from chalicelib.services.configuration import ConfigService
from chalicelib.services.delivery import NoticeQueue, Notifier, OutboxRelay, OutboxStore, SqsNoticeQueue
from chalicelib.services.directory import Directory
from chalicelib.services.escalation import TicketEscalations
from chalicelib.services.intake import IdempotentIntake
from chalicelib.services.learning import Learning, ModelCache
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.patrol import AutoCloser, MorningPatrol
from chalicelib.services.ports import Clock
from chalicelib.services.sla import SlaClockKeeper
from chalicelib.services.sweep import SlaSweep
from chalicelib.services.tickets import TicketService


def real_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


_clock: Clock = real_now


def utc_now() -> datetime:
    """The clock every service gets; :func:`use_clock` swaps it (replays, tests, what-ifs)."""
    return _clock()


def use_clock(clock: Clock | None) -> None:
    """Make every service read time from ``clock`` (None: the real clock again)."""
    global _clock
    _clock = clock or real_now


@lru_cache(maxsize=1)
def config_service() -> ConfigService:
    from chalicelib.storage.config_repository import DynamoConfigRepository

    return ConfigService(DynamoConfigRepository(), utc_now, cache_seconds=get_settings().config_cache_seconds)


@lru_cache(maxsize=1)
def directory() -> Directory:
    settings = get_settings()
    return Directory(config_service(), service_manager=settings.service_manager, on_call=settings.on_call)


@lru_cache(maxsize=1)
def escalations() -> TicketEscalations:
    return TicketEscalations(config_service(), notice_factory(), directory())


@lru_cache(maxsize=1)
def clock_keeper() -> SlaClockKeeper:
    return SlaClockKeeper(config_service(), escalations())


@lru_cache(maxsize=1)
def intake_classifier() -> IntakeClassifier:
    from chalicelib.storage.repository import read_workloads

    return IntakeClassifier(
        config_service(),
        threshold=get_settings().triage_confidence,
        models=current_models,
        workloads=read_workloads,
    )


@lru_cache(maxsize=1)
def model_cache() -> ModelCache:
    from chalicelib.storage.learning_store import DynamoModelStore

    return ModelCache(DynamoModelStore(get_settings()), ttl_seconds=get_settings().model_cache_seconds)


def current_models() -> dict[str, Any]:
    """The latest trained model of each field (cached; see ``chalicelib.services.learning``)."""
    return dict(model_cache().current())


def learning() -> Learning:
    from chalicelib.storage.learning_store import DynamoExampleStore, DynamoModelStore

    settings = get_settings()
    return Learning(DynamoExampleStore(settings), DynamoModelStore(settings), utc_now)


@lru_cache(maxsize=1)
def ticket_service() -> TicketService:
    from chalicelib.storage.repository import DynamoTicketRepository

    settings = get_settings()
    return TicketService(
        DynamoTicketRepository(),
        utc_now,
        reopen_window=timedelta(days=settings.reopen_window_days),
        clocks=clock_keeper(),
        enricher=intake_classifier(),
        notices=notice_factory(),
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
    clock_keeper.cache_clear()
    config_service.cache_clear()
    for built in (
        notice_factory,
        sla_sweep,
        outbox,
        notice_queue,
        notifier,
        outbox_relay,
        directory,
        escalations,
        morning_patrol,
        intake_classifier,
        model_cache,
    ):
        built.cache_clear()


@lru_cache(maxsize=1)
def notice_factory() -> NoticeFactory:
    settings = get_settings()
    return NoticeFactory(
        channels=settings.notify_channels, public_url=settings.public_url, email_domain=settings.email_domain
    )


@lru_cache(maxsize=1)
def sla_sweep() -> SlaSweep:
    from chalicelib.storage.outbox import DeadlineIndex
    from chalicelib.storage.repository import DynamoTicketRepository

    return SlaSweep(DynamoTicketRepository(), DeadlineIndex(), clock_keeper(), notice_factory(), utc_now, escalations())


@lru_cache(maxsize=1)
def outbox() -> OutboxStore:
    from chalicelib.storage.outbox import DynamoOutbox

    return DynamoOutbox()


@lru_cache(maxsize=1)
def notice_queue() -> NoticeQueue | None:
    from chalicelib.storage.aws import client

    url = get_settings().notices_queue_url
    return SqsNoticeQueue(client("sqs"), url) if url else None


@lru_cache(maxsize=1)
def notifier() -> Notifier:
    from chalicelib.notify.senders import build_senders

    return Notifier(outbox(), build_senders(get_settings()), utc_now, queue=notice_queue())


@lru_cache(maxsize=1)
def outbox_relay() -> OutboxRelay:
    return OutboxRelay(outbox(), notice_queue(), utc_now, notifier())


@lru_cache(maxsize=1)
def morning_patrol() -> MorningPatrol:
    from chalicelib.storage.outbox import DynamoClaims
    from chalicelib.storage.repository import DynamoTicketRepository

    settings = get_settings()
    return MorningPatrol(
        DynamoTicketRepository(),
        DynamoClaims(),
        notice_factory(),
        utc_now,
        service_manager=settings.service_manager,
        timezone=settings.service_manager_timezone,
        patrol_time=settings.patrol_time,
    )


def auto_closer() -> AutoCloser:
    from chalicelib.domain.sla.calendar import BusinessCalendar
    from chalicelib.storage.repository import DynamoTicketRepository

    settings = get_settings()
    calendar = config_service().get("calendar", settings.closure_calendar)
    return AutoCloser(
        DynamoTicketRepository(),
        ticket_service(),
        utc_now,
        calendar=BusinessCalendar.from_dict(calendar.body),
        business_days=settings.auto_close_business_days,
    )
