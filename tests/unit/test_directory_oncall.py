"""The directory's on-call: the group's rota at the directory's clock, else the ON_CALL fallback."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.identity import Identity
from chalicelib.domain.ticket import Ticket
from chalicelib.services.configuration import ONCALL_ROTA, ConfigService
from chalicelib.services.directory import FALLBACK, Directory
from tests.unit.fakes import FakeClock
from tests.unit.test_configuration import InMemoryConfigRepository

ADMIN = Identity("root", "admin")
ROTA = {
    "name": "network",
    "timezone": "UTC",
    "people": ["nadia", "noah"],
    "handover_weekday": "monday",
    "handover_time": "09:00",
    "start": "2025-01-06",
}


def ticket(group: str | None) -> Ticket:
    now = datetime(2025, 1, 6, tzinfo=UTC)
    return Ticket(
        number="INC-000001", type="incident", title="t", description="d", requester="alice", status="new",
        impact="high", urgency="high", priority="P1", group=group, created_at=now, updated_at=now,
    )


def test_escalations_to_on_call_reach_the_rota_person_of_the_ticket_group_now() -> None:
    clock = FakeClock(datetime(2025, 1, 13, 9, 0, tzinfo=UTC))
    config = ConfigService(InMemoryConfigRepository(), clock)
    config.create(ONCALL_ROTA, ROTA, ADMIN)
    directory = Directory(config, service_manager="sm", on_call="pager", clock=clock)
    assert directory.resolve("on_call", ticket("network")) == ["noah"]
    clock.advance(days=7)
    assert directory.resolve("on_call", ticket("network")) == ["nadia"]
    assert directory.resolve("on_call", ticket("erp")) == ["pager"]
    assert directory.on_call_at(None, clock()).source == FALLBACK
