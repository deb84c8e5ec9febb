"""PynamoDB models: the tables and indexes of the desk.

Table names and the endpoint come from :mod:`chalicelib.config`; :func:`bind_models` applies
them (lazily, on first use) so importing this module never touches AWS. ``infra/tables.json``
declares the same tables for deployment, and a test checks the two agree.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timezone

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.config import Settings
from chalicelib.domain.instants import utc
from chalicelib.storage.aws import shared_connection

#: Instants in index keys: sortable UTC text with microseconds (``2026-11-22T08:00:00.000000Z``).
KEY_INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_instant(moment: datetime) -> str:
    """The index-key text of an instant (:data:`KEY_INSTANT_FORMAT`)."""
    return utc(moment).strftime(KEY_INSTANT_FORMAT)


def parse_instant(text: str) -> datetime:
    """The instant of an index-key text written by :func:`format_instant`."""
    return datetime.strptime(text, KEY_INSTANT_FORMAT).replace(tzinfo=timezone.utc)


class _ListIndex(GlobalSecondaryIndex["TicketModel"]):
    """Base of the list indexes: partition by one field, newest first by ``created_key``."""


class TicketsByRequester(_ListIndex):
    class Meta:
        index_name = "by_requester"
        projection = AllProjection()

    requester = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TicketsByAssignee(_ListIndex):
    class Meta:
        index_name = "by_assignee"
        projection = AllProjection()

    assignee = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TicketsByGroup(_ListIndex):
    class Meta:
        index_name = "by_group"
        projection = AllProjection()

    support_group = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TicketsByStatus(_ListIndex):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TicketsByType(_ListIndex):
    class Meta:
        index_name = "by_type"
        projection = AllProjection()

    type = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TicketsByKind(_ListIndex):
    """Every ticket under one key: the unfiltered, newest-first list."""

    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class TicketsByDeadline(GlobalSecondaryIndex["TicketModel"]):
    """Sparse: only tickets with a running clock carry ``deadline_shard``/``next_deadline``.

    The partition is sharded (``deadline_shard`` = ``"0"``..``"N-1"``) so no key is hot; the
    sweep queries each shard for ``next_deadline <= now``. It projects the whole ticket, so the
    query yields the due tickets themselves (the sweep saves the whole item back, so a partial
    projection would drop attributes); being sparse, it holds only tickets with a running clock.
    """

    class Meta:
        index_name = "by_deadline"
        projection = AllProjection()

    deadline_shard = UnicodeAttribute(hash_key=True)
    next_deadline = UnicodeAttribute(range_key=True)


class TicketsInTriage(GlobalSecondaryIndex["TicketModel"]):
    """Sparse: only tickets awaiting the Service Manager's triage carry ``triage_queue``."""

    class Meta:
        index_name = "by_triage"
        projection = AllProjection()

    triage_queue = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ChangesAwaitingApproval(GlobalSecondaryIndex["TicketModel"]):
    """Sparse: only change requests awaiting their implementer group's decision carry
    ``approval_group`` (that group), oldest first: ``GET /approvals`` reads it per group."""

    class Meta:
        index_name = "by_approval"
        projection = AllProjection()

    approval_group = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ChangesInEarlyLifeSupport(GlobalSecondaryIndex["TicketModel"]):
    """Sparse: only change requests whose implementation ended carry ``els_key`` and ``els_until``
    (when their early-life support ends). Intake reads ``els_until > now``: the changes still in
    support, whatever the number of changes stored."""

    class Meta:
        index_name = "by_els"
        projection = AllProjection()

    els_key = UnicodeAttribute(hash_key=True)
    els_until = UnicodeAttribute(range_key=True)


class TicketModel(Model):
    class Meta:
        table_name = "tickets"

    number = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute(default="ticket")
    type = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    requester = UnicodeAttribute()
    status = UnicodeAttribute()
    impact = UnicodeAttribute()
    urgency = UnicodeAttribute()
    priority = UnicodeAttribute()
    impact_defaulted = BooleanAttribute(default=False)
    urgency_defaulted = BooleanAttribute(default=False)
    service = UnicodeAttribute(null=True)
    tags = UnicodeSetAttribute(null=True)
    assignee = UnicodeAttribute(null=True)
    support_group = UnicodeAttribute(null=True)
    monitor = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    created_key = UnicodeAttribute()
    first_response_at = UTCDateTimeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    reopen_count = NumberAttribute(default=0)
    event_seq = NumberAttribute(default=0)
    vip = BooleanAttribute(default=False)
    business_unit = UnicodeAttribute(null=True)
    sla = JSONAttribute(null=True)
    #: Intake's classification, routing and triage state (``repository.intake_to_item``).
    intake = JSONAttribute(null=True, attr_name="extra")
    next_deadline = UnicodeAttribute(null=True)
    deadline_shard = UnicodeAttribute(null=True)
    triage_queue = UnicodeAttribute(null=True)
    #: The id of the write that stored this version (also its transaction's ClientRequestToken),
    #: so the desk recognises its own write when an SDK retry of it fails its conditions.
    write_id = UnicodeAttribute(null=True)
    #: A change request's plan (``repository``: ``ChangePlan.to_dict``) and the ticket's links.
    change = JSONAttribute(null=True)
    links = JSONAttribute(null=True)
    #: A problem's record (``ProblemRecord.to_dict``); an incident's held confirmation and the
    #: known errors intake matched.
    problem = JSONAttribute(null=True)
    confirmed_at = UTCDateTimeAttribute(null=True)
    matches = JSONAttribute(null=True)
    approval_group = UnicodeAttribute(null=True)
    els_key = UnicodeAttribute(null=True)
    els_until = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_requester = TicketsByRequester()
    by_assignee = TicketsByAssignee()
    by_group = TicketsByGroup()
    by_status = TicketsByStatus()
    by_type = TicketsByType()
    by_kind = TicketsByKind()
    by_deadline = TicketsByDeadline()
    by_triage = TicketsInTriage()
    by_approval = ChangesAwaitingApproval()
    by_els = ChangesInEarlyLifeSupport()


class EventModel(Model):
    """One immutable audit-trail entry; written only with ``attribute_not_exists``."""

    class Meta:
        table_name = "events"

    ticket = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    actor = UnicodeAttribute()
    kind = UnicodeAttribute()
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    note = UnicodeAttribute(null=True)


class CounterModel(Model):
    """Atomic counters: ticket numbers per type (``ticket-number#<type>``), and each agent's
    workload (``workload#<agent>``: ``value`` = open tickets weighted by priority, ``open_count``,
    ``last_assigned``), kept in step with every assignment in the ticket's own transaction."""

    class Meta:
        table_name = "counters"

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)
    open_count = NumberAttribute(null=True)
    last_assigned = UTCDateTimeAttribute(null=True)


class ConfigByKind(GlobalSecondaryIndex["ConfigModel"]):
    class Meta:
        index_name = "by_kind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    doc_key = UnicodeAttribute(range_key=True)


class ConfigModel(Model):
    """Versioned configuration documents (calendars, SLA policies, services, agents...).

    ``doc_id`` is ``"<kind>#<name>"``; every version is its own item, never rewritten.
    ``doc_key`` (``"<name>#<version:06d>"``) orders the versions of a kind for listing.
    """

    class Meta:
        table_name = "config"

    doc_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(range_key=True)
    kind = UnicodeAttribute()
    name = UnicodeAttribute()
    doc_key = UnicodeAttribute()
    body = JSONAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()

    by_kind = ConfigByKind()


class ClaimModel(Model):
    """A side effect claimed once: its deterministic id is written with ``attribute_not_exists``."""

    class Meta:
        table_name = "claims"

    claim_id = UnicodeAttribute(hash_key=True)
    at = UTCDateTimeAttribute()
    ticket = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)


class OutboxPending(GlobalSecondaryIndex["OutboxModel"]):
    """Sparse: notices not yet handed to the queue."""

    class Meta:
        index_name = "by_pending"
        projection = KeysOnlyProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OutboxByDay(GlobalSecondaryIndex["OutboxModel"]):
    """Every notice under its UTC day, newest first: ``GET /admin/outbox``."""

    class Meta:
        index_name = "by_day"
        projection = AllProjection()

    day = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OutboxModel(Model):
    """One notice for one recipient on one channel, from creation to delivery."""

    class Meta:
        table_name = "outbox"

    notice_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute()
    day = UnicodeAttribute()
    ticket = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()
    kind = UnicodeAttribute()
    notice = JSONAttribute()
    state = UnicodeAttribute(default="pending")
    pending_shard = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    queued_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)

    by_pending = OutboxPending()
    by_day = OutboxByDay()


class ExampleModel(Model):
    """One labelled example the classifier learns from. ``labels`` is ``{"type", "service", "group",
    "impact", "urgency"}``, any of them ``None`` (unknown); all examples share one partition
    (``label_set``) and ``example_key`` is ``"<UTC instant, microseconds>Z#<ticket>#<source>"``."""

    class Meta:
        table_name = "examples"

    label_set = UnicodeAttribute(hash_key=True)
    example_key = UnicodeAttribute(range_key=True)
    ticket = UnicodeAttribute()
    text = UnicodeAttribute()
    labels = JSONAttribute()
    source = UnicodeAttribute()
    at = UTCDateTimeAttribute()


class ChangeSlotModel(Model):
    """One change request's window on one catalog service (``chalicelib.domain.conflicts``):
    ``slot`` is ``"<window start, UTC>#<number>"``, so the changes that may collide with a window on
    a service are one Query on its partition over a bounded start range, never a Scan. Written and
    removed in the change's own transaction (``repository.save``)."""

    class Meta:
        table_name = "change_slots"

    service = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    number = UnicodeAttribute()
    start = UTCDateTimeAttribute()
    end = UTCDateTimeAttribute()
    status = UnicodeAttribute()


class SearchTermModel(Model):
    """The ticket search index (``chalicelib.domain.search``): one item per term of a ticket,
    keyed by the term's first characters so that a query word is one Query of one key (a
    ``begins_with`` on ``term#number``). Written in the ticket's own transaction."""

    class Meta:
        table_name = "search_terms"

    prefix = UnicodeAttribute(hash_key=True)
    #: ``{term}#{number}``.
    key = UnicodeAttribute(range_key=True)
    number = UnicodeAttribute()
    created = UTCDateTimeAttribute()
class CandidatesByState(GlobalSecondaryIndex["ProblemCandidateModel"]):
    """The candidates in one state (``new``, ``accepted``, ``dismissed``), newest found first."""

    class Meta:
        index_name = "by_state"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    found_key = UnicodeAttribute(range_key=True)


class ProblemCandidateModel(Model):
    """One problem candidate (``chalicelib.domain.candidates``): incidents that look alike and have
    no problem, under its stable id, with its state; ``GET /problems/candidates`` reads one state."""

    class Meta:
        table_name = "problem_candidates"

    candidate_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    found_key = UnicodeAttribute()
    body = JSONAttribute()
    version = VersionAttribute()

    by_state = CandidatesByState()


#: Every table of the desk (the idempotency table is Powertools', see ``tables.IDEMPOTENCY_SPEC``).
class RollupModel(Model):
    """The reports' daily rollups and each ticket's applied contribution (``chalicelib.storage.rollups``).

    Rollup cells: ``pk`` = ``<family>#<dimension>#<month>`` (daily) or ``backlog#<dimension>``,
    ``sk`` = ``<day>#<key>``, one number attribute per counter. A ticket's contribution:
    ``pk`` = ``ticket#<number>``, ``sk`` = ``contribution``. Counters are written with the
    low-level client (their names are data), so only the keys are declared here.
    """

    class Meta:
        table_name = "rollups"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


ALL_MODELS: tuple[type[Model], ...] = (
    TicketModel,
    EventModel,
    CounterModel,
    ConfigModel,
    ClaimModel,
    OutboxModel,
    ExampleModel,
    ChangeSlotModel,
    SearchTermModel,
    ProblemCandidateModel,
    RollupModel,
)


def table_names(settings: Settings) -> dict[type[Model], str]:
    return {
        TicketModel: settings.tickets_table,
        EventModel: settings.events_table,
        CounterModel: settings.counters_table,
        ConfigModel: settings.config_table,
        ClaimModel: settings.claims_table,
        OutboxModel: settings.outbox_table,
        ExampleModel: settings.examples_table,
        ChangeSlotModel: settings.change_slots_table,
        SearchTermModel: settings.search_terms_table,
        ProblemCandidateModel: settings.problem_candidates_table,
        RollupModel: settings.rollups_table,
    }


def bind_models(settings: Settings) -> None:
    """Point every model at this stage's table names, region and endpoint."""
    for model, name in table_names(settings).items():
        meta = model.Meta
        if (
            getattr(meta, "table_name", None) == name
            and getattr(meta, "host", None) == settings.dynamodb_endpoint
            and getattr(meta, "region", None) == settings.region
            and getattr(meta, "read_timeout_seconds", None) == settings.aws_read_timeout_seconds
            and getattr(meta, "connect_timeout_seconds", None) == settings.aws_connect_timeout_seconds
            and getattr(meta, "max_retry_attempts", None) == settings.aws_max_attempts - 1
        ):
            continue
        meta.table_name = name
        meta.host = settings.dynamodb_endpoint
        meta.region = settings.region
        # Timeouts and attempts per call from the settings (PynamoDB counts retries, not attempts).
        meta.read_timeout_seconds = settings.aws_read_timeout_seconds  # type: ignore[assignment]
        meta.connect_timeout_seconds = settings.aws_connect_timeout_seconds  # type: ignore[assignment]
        meta.max_retry_attempts = settings.aws_max_attempts - 1
        model._connection = None
        table = model._get_connection()
        shared = shared_connection(settings)
        with suppress(ValueError):  # a table bound again: its schema is known already
            shared.add_meta_table(table.get_meta_table())
        table.connection = shared


