"""The notice outbox, the claims table and the due-ticket index on DynamoDB."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import UpdateError

from chalicelib.config import get_settings
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.notice import Notice
from chalicelib.domain.ticket import Ticket
from chalicelib.services.delivery import OutboxEntry
from chalicelib.storage.models import EventModel, OutboxModel, TicketModel, bind_models, format_instant
from chalicelib.storage.repository import (
    DEADLINE_SHARDS,
    OUTBOX_SHARDS,
    CursorScope,
    decode_cursor,
    encode_cursor,
    item_to_event,
    item_to_ticket,
)

if TYPE_CHECKING:
    from chalicelib.services.sweep import DueTicket

#: The most keys one BatchGetItem request may ask for.
BATCH_GET_KEYS = 100


class DeadlineIndex:
    """Tickets whose next warning or breach is due, with their events, in as few requests as can be.

    One Query per page of each shard of the sparse index, which projects the whole ticket (so the
    due tickets come with the Query: no read of their own), and one consistent BatchGetItem per
    hundred of their events, whose keys the tickets give (``event_seq``: events 1..n). The
    projection is eventually consistent; the sweep's transaction checks the ticket's version.
    """

    def __init__(self) -> None:
        bind_models(get_settings())
        #: Index items (due tickets) and event items read so far.
        self.items_read = 0
        self.events_read = 0

    def due(self, now: datetime) -> Iterator[DueTicket]:
        return self._with_events(self._due_tickets(now))

    def _due_tickets(self, now: datetime) -> Iterator[Ticket]:
        bound = format_instant(now)
        for shard in range(DEADLINE_SHARDS):
            for item in TicketModel.by_deadline.query(str(shard), TicketModel.next_deadline <= bound):
                self.items_read += 1
                yield item_to_ticket(item)

    def _with_events(self, tickets: Iterable[Ticket]) -> Iterator[DueTicket]:
        """Each ticket with its events, read in full BatchGetItem pages across tickets."""
        from chalicelib.services.sweep import DueTicket

        waiting: deque[tuple[Ticket, int]] = deque()  # a ticket and the key count up to its last event
        keys: list[tuple[str, int]] = []  # event keys not yet requested
        requested = 0
        found: dict[tuple[str, int], TicketEvent] = {}

        def read(batch: list[tuple[str, int]]) -> None:
            for item in EventModel.batch_get(batch, consistent_read=True):
                self.events_read += 1
                event = item_to_event(item)
                found[(event.ticket, event.seq)] = event

        def ready() -> Iterator[DueTicket]:
            while waiting and waiting[0][1] <= requested:
                ticket, _ = waiting.popleft()
                events = [found.pop((ticket.number, seq), None) for seq in range(1, ticket.event_seq + 1)]
                complete = [e for e in events if e is not None]
                yield DueTicket(ticket, complete if len(complete) == len(events) else None)

        for ticket in tickets:
            keys.extend((ticket.number, seq) for seq in range(1, ticket.event_seq + 1))
            waiting.append((ticket, requested + len(keys)))
            while len(keys) >= BATCH_GET_KEYS:
                read(keys[:BATCH_GET_KEYS])
                requested += BATCH_GET_KEYS
                del keys[:BATCH_GET_KEYS]
            yield from ready()
        if keys:
            read(keys)
            requested += len(keys)
        yield from ready()


class DynamoOutbox:
    def __init__(self) -> None:
        bind_models(get_settings())

    def pending(self) -> Iterator[str]:
        for shard in range(OUTBOX_SHARDS):
            for item in OutboxModel.by_pending.query(str(shard)):
                yield item.notice_id

    def get(self, notice_id: str) -> OutboxEntry | None:
        try:
            item = OutboxModel.get(notice_id, consistent_read=True)
        except OutboxModel.DoesNotExist:
            return None
        return OutboxEntry(
            notice=Notice.from_dict(item.notice),
            state=item.state,
            attempts=int(item.attempts or 0),
            last_error=item.last_error,
            delivered_at=item.delivered_at,
        )

    def mark_queued(self, notice_id: str, now: datetime) -> bool:
        """Leave the pending index; False if another relay queued it first."""
        try:
            OutboxModel(notice_id).update(
                actions=[
                    OutboxModel.state.set("queued"),
                    OutboxModel.pending_shard.remove(),
                    OutboxModel.queued_at.set(now),
                ],
                condition=OutboxModel.state == "pending",
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record_failure(self, notice_id: str, reason: str, final: bool) -> None:
        OutboxModel(notice_id).update(
            actions=[
                OutboxModel.attempts.add(1),
                OutboxModel.last_error.set(reason[:1000]),
                OutboxModel.state.set("failed" if final else "retrying"),
            ]
        )

    def mark_delivered(self, notice_id: str, now: datetime) -> bool:
        """Record the delivery; False if it was delivered before (a redelivered message)."""
        try:
            OutboxModel(notice_id).update(
                actions=[
                    OutboxModel.state.set("delivered"),
                    OutboxModel.delivered_at.set(now),
                    OutboxModel.attempts.add(1),
                ],
                condition=OutboxModel.state != "delivered",
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def list_day(self, day: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        scope = CursorScope.of(OutboxModel, OutboxModel.by_day, day)
        results = OutboxModel.by_day.query(
            day, scan_index_forward=False, limit=limit, last_evaluated_key=decode_cursor(cursor, scope)
        )
        items = [
            {
                **dict(item.notice),
                "state": item.state,
                "attempts": int(item.attempts or 0),
                "last_error": item.last_error,
                "delivered_at": item.delivered_at.isoformat() if item.delivered_at else None,
            }
            for item in results
        ]
        more = results.last_evaluated_key if len(items) >= limit else None
        return items, encode_cursor(more, scope)


class DynamoClaims:
    """Claims outside a ticket transaction (the daily patrol digest)."""

    def __init__(self) -> None:
        bind_models(get_settings())

    def claimed(self, claim_id: str) -> bool:
        """Whether ``claim_id`` was claimed (one consistent GetItem of its key alone)."""
        from chalicelib.storage.models import ClaimModel as Claim

        try:
            Claim.get(claim_id, consistent_read=True, attributes_to_get=["claim_id"])
        except Claim.DoesNotExist:
            return False
        return True

    def claim(
        self, claim_id: str, now: datetime, detail: dict[str, Any] | None = None, notices: Sequence[Notice] = ()
    ) -> bool:
        """Claim ``claim_id`` and queue ``notices`` in one transaction; False if claimed before."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from chalicelib.storage.models import ClaimModel as Claim
        from chalicelib.storage.repository import notice_to_item, transaction_connection

        try:
            with TransactWrite(connection=transaction_connection()) as tx:
                tx.save(Claim(claim_id, at=now, detail=detail), condition=Claim.claim_id.does_not_exist())
                for notice in notices:
                    tx.save(notice_to_item(notice), condition=OutboxModel.notice_id.does_not_exist())
        except TransactWriteError as exc:
            reasons = getattr(exc, "cancellation_reasons", None) or []
            if any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons):
                return False
            raise
        return True
