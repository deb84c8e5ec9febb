"""The ticket repository on DynamoDB (PynamoDB models), mapping domain <-> items."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.domain.change import ChangePlan, awaits_approval, early_life_support_end
from chalicelib.domain.classification import Classification, RoutingDecision, Triage
from chalicelib.domain.errors import AlreadyClaimed, IntakeAlreadyStored, StaleVersion, ValidationFailed
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.links import Link
from chalicelib.domain.notice import Notice
from chalicelib.domain.problem import ProblemRecord
from chalicelib.domain.processes import ALL_OPEN_STATUSES
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import tracer
from chalicelib.services.ports import Claim, IntakeKey, TicketFilter, TicketPage
from chalicelib.storage.aws import shared_connection
from chalicelib.storage.change_slots import write_slots
from chalicelib.storage.models import (
    ClaimModel,
    CounterModel,
    EventModel,
    OutboxModel,
    TicketModel,
    bind_models,
    format_instant,
    parse_instant,
)
from chalicelib.storage.search import write_terms

#: Shards of the outbox's pending index.
OUTBOX_SHARDS = 4

#: Shards of the sparse deadline index (see ``TicketsByDeadline``).
DEADLINE_SHARDS = 8


def deadline_shard(number: str) -> str:
    """A stable shard for a ticket number (its numeric part modulo the shard count)."""
    digits = "".join(ch for ch in number if ch.isdigit()) or "0"
    return str(int(digits) % DEADLINE_SHARDS)


def transaction_connection() -> Connection:
    """The connection the tables share (:class:`~chalicelib.storage.aws.SharedConnection`),
    on which writes across tables go as one transaction."""
    settings = get_settings()
    bind_models(settings)
    return shared_connection(settings)


def new_write_id() -> str:
    """The id of one write: stored on the ticket and sent as the transaction's
    ``ClientRequestToken`` (at most 36 characters), the same in every SDK retry of that write."""
    return str(uuid.uuid4())


#: The one partition of the sparse early-life support index.
ELS_KEY = "els"


def ticket_to_item(ticket: Ticket) -> TicketModel:
    item = TicketModel(
        ticket.number,
        type=ticket.type,
        title=ticket.title,
        description=ticket.description,
        requester=ticket.requester,
        status=ticket.status,
        impact=ticket.impact,
        urgency=ticket.urgency,
        priority=ticket.priority,
        impact_defaulted=ticket.impact_defaulted,
        urgency_defaulted=ticket.urgency_defaulted,
        service=ticket.service,
        tags=set(ticket.tags) or None,
        assignee=ticket.assignee,
        support_group=ticket.group,
        monitor=ticket.monitor,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        created_key=f"{format_instant(ticket.created_at)}#{ticket.number}",
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        reopen_count=ticket.reopen_count,
        event_seq=ticket.event_seq,
        vip=ticket.vip,
        business_unit=ticket.business_unit,
        sla=ticket.sla or None,
        intake=intake_to_item(ticket),
        change=ticket.change.to_dict() if ticket.change is not None else None,
        links=[link.to_dict() for link in ticket.links] or None,
        problem=ticket.problem.to_dict() if ticket.problem is not None else None,
        confirmed_at=ticket.confirmed_at,
        matches=list(ticket.matches) or None,
    )
    if awaits_approval(ticket.status, ticket.change) and ticket.change is not None:
        item.approval_group = ticket.change.implementer_group
    els_until = early_life_support_end(ticket)
    if els_until is not None:
        item.els_key = ELS_KEY
        item.els_until = format_instant(els_until)
    if ticket.next_deadline is not None:
        item.next_deadline = format_instant(ticket.next_deadline)
        item.deadline_shard = deadline_shard(ticket.number)
    if ticket.awaits_triage:
        item.triage_queue = "triage"
    return item


def intake_to_item(ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's intake state as stored (one JSON attribute)."""
    doc: dict[str, Any] = {}
    if ticket.classification is not None:
        doc["classification"] = ticket.classification.to_dict()
    if ticket.routing is not None:
        doc["routing"] = ticket.routing.to_dict()
    if ticket.triage.pending or ticket.triage.reasons:
        doc["triage"] = ticket.triage.pending
        doc["triage_reasons"] = list(ticket.triage.reasons)
    return doc or None


def intake_from_item(doc: Mapping[str, Any]) -> dict[str, Any]:
    """:class:`Ticket` fields from the stored intake state."""
    classification = doc.get("classification")
    routing = doc.get("routing")
    return {
        "classification": Classification.from_dict(classification) if classification else None,
        "routing": RoutingDecision.from_dict(routing) if routing else None,
        "triage": Triage(bool(doc.get("triage")), tuple(doc.get("triage_reasons") or ())),
    }


def item_to_ticket(item: TicketModel) -> Ticket:
    return Ticket(
        number=item.number,
        type=item.type,
        title=item.title,
        description=item.description,
        requester=item.requester,
        status=item.status,
        impact=item.impact,
        urgency=item.urgency,
        priority=item.priority,
        impact_defaulted=bool(item.impact_defaulted),
        urgency_defaulted=bool(item.urgency_defaulted),
        service=item.service,
        tags=tuple(sorted(item.tags or ())),
        assignee=item.assignee,
        group=item.support_group,
        monitor=item.monitor,
        created_at=item.created_at,
        updated_at=item.updated_at,
        first_response_at=item.first_response_at,
        resolved_at=item.resolved_at,
        closed_at=item.closed_at,
        reopen_count=int(item.reopen_count or 0),
        version=int(item.version or 1),
        event_seq=int(item.event_seq or 0),
        vip=bool(item.vip),
        business_unit=item.business_unit,
        sla=dict(item.sla or {}),
        next_deadline=parse_instant(item.next_deadline) if item.next_deadline else None,
        **intake_from_item(item.intake or {}),
        change=ChangePlan.from_dict(item.change) if item.change else None,
        links=tuple(Link.from_dict(link) for link in item.links or ()),
        problem=ProblemRecord.from_dict(item.problem) if item.problem else None,
        confirmed_at=item.confirmed_at,
        matches=tuple(item.matches or ()),
    )


def event_to_item(event: TicketEvent) -> EventModel:
    return EventModel(
        event.ticket,
        event.seq,
        at=event.at,
        actor=event.actor,
        kind=event.kind,
        before=event.before or None,
        after=event.after or None,
        note=event.note,
    )


def item_to_event(item: EventModel) -> TicketEvent:
    return TicketEvent(
        ticket=item.ticket,
        seq=int(item.seq),
        at=item.at,
        actor=item.actor,
        kind=item.kind,
        before=dict(item.before or {}),
        after=dict(item.after or {}),
        note=item.note,
    )


#: The most bytes of tickets (as stored, in JSON) one page carries, whatever its ``limit``: with
#: one item at most 400 KB, a page's answer stays well below Lambda's 6 MB response limit.
PAGE_BYTES_MAX = 3 * 1024 * 1024
#: The longest key value a cursor may carry.
CURSOR_VALUE_MAX = 1024


@dataclass(frozen=True)
class CursorScope:
    """Where a cursor may be used: one index queried for one partition ``value``. A cursor names the
    scope it was issued for and carries exactly the index's key attributes (``names``), every one a
    string and the partition key equal to ``value``; its signature (an HMAC keyed from the settings)
    proves the desk issued it."""

    index: str
    names: frozenset[str]
    partition: str
    value: str

    @classmethod
    def of(cls, model: Any, index: Any, value: str) -> CursorScope:
        names = {a.attr_name for a in index.Meta.attributes.values() if a.is_hash_key or a.is_range_key}
        names.add(model._hash_key_attribute().attr_name)
        return cls(index.Meta.index_name, frozenset(names), index._hash_key_attribute().attr_name, value)

    def label(self) -> str:
        return f"{self.index}#{self.value}"


def _cursor_secret() -> bytes:
    settings = get_settings()
    secret = settings.cursor_secret or settings.jwt_hs256_secret or f"{settings.stage}:{settings.tickets_table}"
    return secret.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _signature(scope: CursorScope, body: str) -> str:
    mac = hmac.new(_cursor_secret(), f"{scope.label()}\n{body}".encode(), hashlib.sha256)
    return _b64(mac.digest()[:18])


def encode_cursor(key: dict[str, Any] | None, scope: CursorScope) -> str | None:
    """An opaque, signed cursor for the page after ``key`` (None when there is none)."""
    if not key:
        return None
    body = _b64(json.dumps(key, sort_keys=True, separators=(",", ":")).encode())
    return f"{body}.{_signature(scope, body)}"


def decode_cursor(cursor: str | None, scope: CursorScope) -> dict[str, Any] | None:
    """The key a cursor from :func:`encode_cursor` carries; :class:`ValidationFailed` naming
    ``cursor`` for anything else (a forged, altered or foreign cursor, or one of another listing)."""
    if not cursor:
        return None
    refused = ValidationFailed([{"field": "cursor", "reason": "not a cursor this desk issued for this listing"}])
    body, dot, signature = cursor.partition(".")
    if not dot or not cursor.isascii() or not hmac.compare_digest(signature, _signature(scope, body)):
        raise refused
    try:
        key = json.loads(_unb64(body))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise refused from None
    if not isinstance(key, dict) or set(key) != scope.names:
        raise refused
    for value in key.values():
        if not (isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)):
            raise refused
        if len(value["S"]) > CURSOR_VALUE_MAX:
            raise refused
    if key[scope.partition]["S"] != scope.value:
        raise refused
    return key


def take_page(results: Any, limit: int, scope: CursorScope) -> tuple[list[Any], str | None]:
    """Up to ``limit`` items of a query, and fewer when they would pass :data:`PAGE_BYTES_MAX`
    (always at least one); the cursor of the page after them, or None."""
    items: list[Any] = []
    used = 0
    for item in results:
        size = len(json.dumps(item.serialize(), default=str))
        if items and used + size > PAGE_BYTES_MAX:
            last = items[-1].serialize()
            return items, encode_cursor({name: last[name] for name in scope.names}, scope)
        items.append(item)
        used += size
        if len(items) >= limit:
            break
    more = results.last_evaluated_key if len(items) >= limit else None
    return items, encode_cursor(more, scope)


def _failed_positions(exc: TransactWriteError) -> list[int]:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"]


def claim_to_item(claim: Claim) -> ClaimModel:
    return ClaimModel(claim.claim_id, at=claim.at, ticket=claim.ticket, detail=claim.detail or None)


def notice_to_item(notice: Notice) -> OutboxModel:
    """An outbox item for a notice, which it keeps as :meth:`Notice.to_dict`."""
    key = f"{format_instant(notice.created_at)}#{notice.notice_id}"
    return OutboxModel(
        notice.notice_id,
        created_key=key,
        day=format_instant(notice.created_at)[:10],
        ticket=notice.ticket,
        channel=notice.channel,
        kind=notice.kind,
        notice=notice.to_dict(),
        state="pending",
        pending_shard=str(sum(map(ord, notice.notice_id)) % OUTBOX_SHARDS),
    )


def _example_item(example: dict[str, Any]) -> Any:
    from chalicelib.storage.learning_store import example_item

    return example_item(example)


def _workload_deltas(previous: Ticket | None, ticket: Ticket) -> dict[str, tuple[float, int]]:
    """How an agent's (weighted workload, open count) change when ``previous`` becomes ``ticket``."""
    from chalicelib.domain.processes import phase_of
    from chalicelib.domain.routing import PRIORITY_WEIGHTS

    def load(t: Ticket | None) -> tuple[str | None, float]:
        if t is None or not t.assignee or not phase_of(t.type, t.status).is_open:
            return None, 0.0
        return t.assignee, float(PRIORITY_WEIGHTS.get(t.priority, 1.0))

    deltas: dict[str, tuple[float, int]] = {}
    old_agent, old_weight = load(previous)
    new_agent, new_weight = load(ticket)
    if old_agent == new_agent and old_weight == new_weight:
        return deltas
    if old_agent:
        deltas[old_agent] = (-old_weight, -1)
    if new_agent:
        weight, count = deltas.get(new_agent, (0.0, 0))
        deltas[new_agent] = (weight + new_weight, count + 1)
    return {agent: d for agent, d in deltas.items() if d != (0.0, 0)}


def _update_workload(tx: TransactWrite, previous: Ticket | None, ticket: Ticket, now: datetime) -> None:
    """Last in the transaction: unconditional ADDs that cannot make it fail."""
    for agent, (weight, count) in sorted(_workload_deltas(previous, ticket).items()):
        actions: list[Any] = [CounterModel.value.add(weight), CounterModel.open_count.add(count)]
        if count > 0 and agent == ticket.assignee:
            actions.append(CounterModel.last_assigned.set(now))
        tx.update(CounterModel(f"workload#{agent}"), actions=actions)


def _write_together(
    tx: TransactWrite,
    claims: Sequence[Claim],
    notices: Sequence[Notice],
) -> None:
    for claim in claims:
        tx.save(claim_to_item(claim), condition=ClaimModel.claim_id.does_not_exist())
    for notice in notices:
        tx.save(notice_to_item(notice), condition=OutboxModel.notice_id.does_not_exist())


def _published(
    publishing: bool, ticket: Ticket, events: Sequence[TicketEvent], previous: Ticket | None, *, opened: bool = False
) -> list[Notice]:
    """The outbox items carrying a write's events to the event bus (``chalicelib.domain.published``)."""
    if not publishing or not events:
        return []
    from chalicelib.domain.published import desk_events

    before = previous.sla if previous is not None else None
    with_clocks = opened or previous is not None
    return [e.to_notice() for e in desk_events(events, ticket.type, before, ticket.sla, with_clocks=with_clocks)]


class DynamoTicketRepository:
    """Tickets, their events and the number counters on DynamoDB. With the ``events`` channel on
    (``NOTIFY_CHANNELS``), every write also puts its events for other systems in the outbox."""

    def __init__(self) -> None:
        settings = get_settings()
        bind_models(settings)
        from chalicelib.domain.notice import EVENTS

        self.publishing = EVENTS in settings.notify_channels

    @tracer.capture_method
    def allocate_number(self, ticket_type: str) -> str:
        from chalicelib.domain.ticket import format_number

        counter = CounterModel(f"ticket-number#{ticket_type}")
        counter.update(actions=[CounterModel.value.add(1)])
        return format_number(ticket_type, int(counter.value))

    @tracer.capture_method
    def create(
        self,
        ticket: Ticket,
        events: Sequence[TicketEvent],
        notices: Sequence[Notice] = (),
        *,
        intake: IntakeKey | None = None,
    ) -> None:
        """One idempotent transaction (see :meth:`_written_by`): the ticket, its events, the
        ``intake``'s claim (only if never claimed), its notices and the workload counters."""
        write_id = new_write_id()
        item = ticket_to_item(ticket)
        item.write_id = write_id
        try:
            with TransactWrite(connection=transaction_connection(), client_request_token=write_id) as tx:
                tx.save(item, condition=TicketModel.number.does_not_exist())
                for event in events:
                    tx.save(event_to_item(event), condition=EventModel.seq.does_not_exist())
                if intake is not None:
                    tx.save(
                        ClaimModel(
                            intake.claim_id,
                            at=ticket.created_at,
                            ticket=ticket.number,
                            detail={"fingerprint": intake.fingerprint},
                        ),
                        condition=ClaimModel.claim_id.does_not_exist(),
                    )
                _write_together(tx, (), [*notices, *_published(self.publishing, ticket, events, None, opened=True)])
                _update_workload(tx, None, ticket, ticket.updated_at)
                write_terms(tx, None, ticket)
        except TransactWriteError as exc:
            if not _failed_positions(exc):
                raise
            if self._written_by(ticket.number, write_id):
                return  # an SDK retry of this very write, which had been applied
            if intake is not None:
                stored = self._intake_claim(intake.claim_id)
                if stored is not None and stored.ticket:
                    raise IntakeAlreadyStored(stored.ticket, str((stored.detail or {}).get("fingerprint", ""))) from exc
            raise

    def _written_by(self, number: str, write_id: str) -> bool:
        """Whether the stored ticket is the one the write ``write_id`` made.

        DynamoDB answers a retried ``TransactWriteItems`` with the same ``ClientRequestToken``
        as a success for ten minutes; past that, or on a store that ignores the token, the retry
        of a write that was applied fails its own conditions. The write id stored on the ticket
        tells the desk's own write from someone else's."""
        try:
            stored = TicketModel.get(number, consistent_read=True, attributes_to_get=["write_id"])
        except DoesNotExist:
            return False
        return stored.write_id == write_id

    def _intake_claim(self, claim_id: str) -> ClaimModel | None:
        try:
            return ClaimModel.get(claim_id, consistent_read=True)
        except DoesNotExist:
            return None

    @tracer.capture_method
    def get(self, number: str) -> Ticket | None:
        try:
            return item_to_ticket(TicketModel.get(number, consistent_read=True))
        except DoesNotExist:
            return None

    @tracer.capture_method
    def due_before(self, bound: datetime, limit: int) -> list[Ticket]:
        """One Query per shard of the sparse deadline index (at most ``limit`` items each)."""
        found: list[Ticket] = []
        for shard in range(DEADLINE_SHARDS):
            query = TicketModel.by_deadline.query(
                str(shard), TicketModel.next_deadline <= format_instant(bound), limit=limit, page_size=limit
            )
            found.extend(item_to_ticket(item) for item in query)
        found.sort(key=lambda t: (t.next_deadline or bound, t.number))
        return found[:limit]

    @tracer.capture_method
    def get_many(self, numbers: Sequence[str]) -> list[Ticket]:
        """The stored tickets of ``numbers``, in that order: one BatchGetItem per 100."""
        found: dict[str, Ticket] = {}
        unique = list(dict.fromkeys(numbers))
        for start in range(0, len(unique), 100):
            for item in TicketModel.batch_get(unique[start : start + 100]):
                ticket = item_to_ticket(item)
                found[ticket.number] = ticket
        return [found[n] for n in unique if n in found]

    @tracer.capture_method
    def save(
        self,
        ticket: Ticket,
        expected_version: int,
        events: Sequence[TicketEvent],
        *,
        claims: Sequence[Claim] = (),
        notices: Sequence[Notice] = (),
        previous: Ticket | None = None,
        examples: Sequence[dict[str, Any]] = (),
    ) -> Ticket:
        """One transaction: the ticket (if still at ``expected_version``), its new events, the
        claims of side effects (each only if never claimed), their notices for the outbox, the
        labelled ``examples`` the change teaches the classifier, and, given the ``previous`` state,
        the assignees' workload counters."""
        write_id = new_write_id()
        item = ticket_to_item(ticket)
        item.version = expected_version
        item.write_id = write_id
        try:
            with TransactWrite(connection=transaction_connection(), client_request_token=write_id) as tx:
                tx.save(item)
                for event in events:
                    tx.save(event_to_item(event), condition=EventModel.seq.does_not_exist())
                _write_together(tx, claims, [*notices, *_published(self.publishing, ticket, events, previous)])
                for example in examples:
                    tx.save(_example_item(example))
                write_slots(tx, previous, ticket)
                if previous is not None:
                    write_terms(tx, previous, ticket)
                    _update_workload(tx, previous, ticket, ticket.updated_at)
        except TransactWriteError as exc:
            failed = _failed_positions(exc)
            if not failed:
                raise
            if self._written_by(ticket.number, write_id):
                # An SDK retry of this very write, which had been applied.
                return ticket.evolve(version=expected_version + 1)
            first_claim = 1 + len(events)
            claimed = [claims[i - first_claim] for i in failed if first_claim <= i < first_claim + len(claims)]
            if 0 not in failed and claimed:
                raise AlreadyClaimed(claimed[0].claim_id) from exc
            current = self.get(ticket.number)
            raise StaleVersion(expected_version, current.version if current else None) from exc
        return ticket.evolve(version=expected_version + 1)

    @tracer.capture_method
    def save_together(self, writes: Sequence[tuple[Ticket, int, Sequence[TicketEvent]]]) -> list[Ticket]:
        """One transaction for several tickets, each (ticket, the version it must still be at, its
        new events): all are written or none (``StaleVersion`` for the first one that moved on)."""
        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                for ticket, expected_version, events in writes:
                    item = ticket_to_item(ticket)
                    item.version = expected_version
                    tx.save(item)
                    for event in events:
                        tx.save(event_to_item(event), condition=EventModel.seq.does_not_exist())
                # After every ticket and event, so the positions below stay those of the writes.
                _write_together(tx, (), [n for t, _, ev in writes for n in _published(self.publishing, t, ev, None)])
        except TransactWriteError as exc:
            failed = set(_failed_positions(exc))
            if not failed:
                raise
            index = 0
            for ticket, expected_version, events in writes:
                if index in failed or not failed.isdisjoint(range(index + 1, index + 1 + len(events))):
                    current = self.get(ticket.number)
                    raise StaleVersion(expected_version, current.version if current else None) from exc
                index += 1 + len(events)
            raise
        return [ticket.evolve(version=expected_version + 1) for ticket, expected_version, _ in writes]

    @tracer.capture_method
    def in_early_life_support(self, now: datetime) -> list[Ticket]:
        """The change requests whose early-life support has not ended at ``now`` (the sparse ELS index)."""
        return [
            item_to_ticket(item)
            for item in TicketModel.by_els.query(ELS_KEY, TicketModel.els_until > format_instant(now))
        ]

    @tracer.capture_method
    def incidents_since(self, since: datetime) -> list[Ticket]:
        """The incidents opened at or after ``since``: one Query on the type index over the
        creation keys from ``since`` (paged by DynamoDB), never a Scan."""
        key = TicketModel.created_key >= format_instant(since)
        return [item_to_ticket(item) for item in TicketModel.by_type.query("incident", key)]

    @tracer.capture_method
    def awaiting_approval(self, group: str, limit: int) -> list[Ticket]:
        """Change requests awaiting ``group``'s decision, oldest first (the sparse approval index)."""
        return [
            item_to_ticket(item)
            for item in TicketModel.by_approval.query(group, scan_index_forward=True, limit=limit)
        ]

    @tracer.capture_method
    def events(self, number: str) -> list[TicketEvent]:
        return [item_to_event(i) for i in EventModel.query(number, consistent_read=True)]

    @tracer.capture_method
    def triage(self, limit: int, cursor: str | None) -> TicketPage:
        scope = CursorScope.of(TicketModel, TicketModel.by_triage, "triage")
        results = TicketModel.by_triage.query(
            "triage", scan_index_forward=True, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
        )
        items, next_cursor = take_page(results, limit, scope)
        return TicketPage(tickets=[item_to_ticket(item) for item in items], cursor=next_cursor)

    @tracer.capture_method
    def list(self, filters: TicketFilter, limit: int, cursor: str | None) -> TicketPage:
        # The most selective filter picks the index; the others become filter conditions.
        index: Any
        if filters.requester is not None:
            index, key = TicketModel.by_requester, filters.requester
        elif filters.assignee is not None:
            index, key = TicketModel.by_assignee, filters.assignee
        elif filters.group is not None:
            index, key = TicketModel.by_group, filters.group
        elif filters.status is not None:
            index, key = TicketModel.by_status, filters.status
        elif filters.type is not None:
            index, key = TicketModel.by_type, filters.type
        else:
            index, key = TicketModel.by_kind, "ticket"
        conditions: list[Condition] = []
        pairs: list[tuple[Any, str | None]] = [
            (TicketModel.requester, filters.requester),
            (TicketModel.assignee, filters.assignee),
            (TicketModel.support_group, filters.group),
            (TicketModel.status, filters.status),
            (TicketModel.type, filters.type),
            (TicketModel.priority, filters.priority),
            (TicketModel.service, filters.service),
        ]
        for attribute, value in pairs:
            if value is not None and attribute.attr_name != index._hash_key_attribute().attr_name:
                conditions.append(attribute == value)
        if filters.open_only and filters.status is None:
            conditions.append(TicketModel.status.is_in(*ALL_OPEN_STATUSES))
        if filters.unassigned:
            conditions.append(TicketModel.assignee.does_not_exist())
        condition: Condition | None = None
        for c in conditions:
            condition = c if condition is None else condition & c
        scope = CursorScope.of(TicketModel, index, key)
        results = index.query(
            key,
            filter_condition=condition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, scope),
            page_size=limit if condition is None else max(limit, 25),
        )
        items, next_cursor = take_page(results, limit, scope)
        return TicketPage(tickets=[item_to_ticket(item) for item in items], cursor=next_cursor)


@dataclass(frozen=True)
class Workload:
    weighted: float
    open_count: int
    last_assigned: datetime | None


def read_workloads(agents: Sequence[str]) -> dict[str, Workload]:
    """The workload counters of ``agents`` in one BatchGetItem (absent agents have none)."""
    out: dict[str, Workload] = {}
    keys = [f"workload#{a}" for a in dict.fromkeys(agents)]
    for start in range(0, len(keys), 100):
        for item in CounterModel.batch_get(keys[start : start + 100]):
            out[item.name.split("#", 1)[1]] = Workload(
                float(item.value or 0), int(item.open_count or 0), item.last_assigned
            )
    return out
