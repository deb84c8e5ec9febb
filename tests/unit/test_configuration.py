from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.services.configuration import CALENDAR, SLA_POLICY, ConfigService
from chalicelib.services.ports import StoredDocument
from tests.unit.fakes import FakeClock

ADMIN = Identity("root", "admin")
AGENT = Identity("ann", "agent")
OFFICE = {
    "name": "office",
    "timezone": "America/Chicago",
    "weekly_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
}


class InMemoryConfigRepository:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, int], StoredDocument] = {}
        self.reads = 0

    def add_version(
        self, kind: str, name: str, version: int, body: dict[str, Any], actor: str, now: datetime
    ) -> StoredDocument:
        if (kind, name, version) in self.items:
            raise Conflict("exists")
        doc = StoredDocument(kind, name, version, body, now, actor)
        self.items[(kind, name, version)] = doc
        return doc

    def latest(self, kind: str, name: str) -> StoredDocument | None:
        self.reads += 1
        versions = [d for (k, n, _), d in self.items.items() if (k, n) == (kind, name)]
        return max(versions, key=lambda d: d.version, default=None)

    def get(self, kind: str, name: str, version: int) -> StoredDocument | None:
        self.reads += 1
        return self.items.get((kind, name, version))

    def list_latest(self, kind: str) -> list[StoredDocument]:
        self.reads += 1
        names = sorted({n for (k, n, _) in self.items if k == kind})
        return [d for d in (self.latest(kind, n) for n in names) if d is not None]


@pytest.fixture
def config() -> ConfigService:
    return ConfigService(InMemoryConfigRepository(), FakeClock())


def test_create_then_update_makes_versions_and_keeps_the_old(config: ConfigService) -> None:
    assert config.create(CALENDAR, OFFICE, ADMIN).version == 1
    changed = {**OFFICE, "holidays": ["2026-12-24"]}
    assert config.update(CALENDAR, "office", changed, ADMIN).version == 2
    assert config.get(CALENDAR, "office").body["holidays"] == ["2026-12-24"]
    assert config.get(CALENDAR, "office", 1).body["holidays"] == []


def test_create_twice_is_a_conflict(config: ConfigService) -> None:
    config.create(CALENDAR, OFFICE, ADMIN)
    with pytest.raises(Conflict):
        config.create(CALENDAR, OFFICE, ADMIN)


def test_update_with_a_stale_version_is_a_conflict(config: ConfigService) -> None:
    config.create(CALENDAR, OFFICE, ADMIN)
    config.update(CALENDAR, "office", OFFICE, ADMIN)
    with pytest.raises(Conflict):
        config.update(CALENDAR, "office", {**OFFICE, "version": 1}, ADMIN)


def test_update_of_a_missing_document_is_not_found(config: ConfigService) -> None:
    with pytest.raises(NotFound):
        config.update(CALENDAR, "nowhere", {**OFFICE, "name": "nowhere"}, ADMIN)


def test_name_in_body_must_match_path(config: ConfigService) -> None:
    config.create(CALENDAR, OFFICE, ADMIN)
    with pytest.raises(ValidationFailed) as err:
        config.update(CALENDAR, "office", {**OFFICE, "name": "other"}, ADMIN)
    assert err.value.field == "name"


def test_invalid_calendar_names_the_field(config: ConfigService) -> None:
    with pytest.raises(ValidationFailed) as err:
        config.create(CALENDAR, {**OFFICE, "timezone": "Mars/Olympus"}, ADMIN)
    assert err.value.field == "timezone"


def test_policy_must_name_known_calendars(config: ConfigService) -> None:
    from chalicelib.domain.sla.defaults import default_policies

    policy = default_policies()[0]
    with pytest.raises(ValidationFailed) as err:
        config.create(SLA_POLICY, policy, ADMIN)
    assert any(e["field"].endswith("calendar") for e in err.value.errors)


def test_only_admins_edit(config: ConfigService) -> None:
    with pytest.raises(Forbidden):
        config.create(CALENDAR, OFFICE, AGENT)


def test_latest_is_cached_and_exact_versions_forever(config: ConfigService) -> None:
    repo = config.repository
    assert isinstance(repo, InMemoryConfigRepository)
    config.create(CALENDAR, OFFICE, ADMIN)
    config.latest_all(CALENDAR)
    reads = repo.reads
    config.latest_all(CALENDAR)
    config.exact(CALENDAR, "office", 1)
    assert repo.reads == reads


def test_may_edit_follows_each_kinds_editors(config: ConfigService) -> None:
    import chalicelib.services.classification  # noqa: F401  (registers the catalog's kinds)
    from chalicelib.services.configuration import AGENT as AGENT_KIND
    from chalicelib.services.configuration import GROUP, SERVICE

    manager = Identity("meg", "manager")
    assert config.may_edit(SLA_POLICY, ADMIN) and config.may_edit(CALENDAR, ADMIN)
    assert not config.may_edit(SLA_POLICY, manager) and not config.may_edit(GROUP, manager)
    assert config.may_edit(SERVICE, manager) and config.may_edit(AGENT_KIND, manager)
    assert not config.may_edit(SERVICE, AGENT)


def test_preview_of_a_draft_names_its_problems_under_policy(config: ConfigService) -> None:
    from datetime import UTC

    from chalicelib.services.sla import SlaClockKeeper

    config.create(CALENDAR, OFFICE, ADMIN)
    keeper = SlaClockKeeper(config)
    draft = {
        "name": "draft",
        "calendar": "office",
        "targets": {"*": {"first_response": {"duration": "2h"}, "resolution": {"duration": "1bd"}}},
    }
    monday = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 09:00 in Chicago
    answer = keeper.preview({"type": "incident", "priority": "P3"}, monday, draft)
    assert answer["policy"]["name"] == "draft" and answer["policy"]["matches"] is True
    assert answer["clocks"]["first_response"]["due_at"] == "2026-11-23T17:00:00+00:00"
    # Nothing is stored: the stored policies (none) choose nothing for the same ticket.
    assert keeper.preview({"type": "incident", "priority": "P3"}, monday)["policy"] is None
    bad = {**draft, "calendar": "moon", "targets": {"*": {"first_response": {"duration": "soon"}}}}
    with pytest.raises(ValidationFailed) as caught:
        keeper.preview({"type": "incident", "priority": "P3"}, monday, bad)
    fields = {problem["field"] for problem in caught.value.errors}
    assert {"policy.calendar", "policy.targets.*.first_response.duration"} <= fields
