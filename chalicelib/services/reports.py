"""Measures and reports: the rollups kept from the events, their rebuild, and the reports read
from them (``GET /reports/measures``, ``GET /reports/sla``).

:class:`RollupKeeper` is what the events table's stream calls: for each ticket whose events
arrived it reads the ticket's events once, computes its contribution
(:func:`chalicelib.domain.measures.ticket_contribution`) and applies the difference to the
stored one, exactly once. :class:`RollupRebuild` computes the same from every event and
rewrites the cells of a range of days. :class:`ReportService` reads the cells of a period
(one Query per month and dimension, never the tickets).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.measures import (
    ALL,
    DIMENSIONS,
    Cell,
    Contribution,
    MeasureInputs,
    diff,
    merge,
    ticket_contribution,
)
from chalicelib.domain.reports import AGE_BANDS, backlog_at, measure_row, sla_rows, sum_cells
from chalicelib.observability import logger

#: The longest period a report covers.
MAX_REPORT_DAYS = 731


class StoredContributionLike(Protocol):
    seq: int
    version: int
    cells: Contribution
    pending_seq: int | None


class RollupStore(Protocol):
    def contribution(self, number: str) -> Any: ...

    def apply(self, number: str, previous: Any, seq: int, cells: Contribution, delta: Contribution) -> None: ...

    def daily(self, dim: str, first: date, last: date) -> list[tuple[str, str, dict[str, int]]]: ...

    def backlog(self, dim: str, last: date) -> list[tuple[str, str, dict[str, int]]]: ...


class EventSource(Protocol):
    def events(self, number: str) -> list[TicketEvent]: ...


class ClockReplay(Protocol):
    def clocks(self, events: Sequence[TicketEvent], now: Any, *, without_pauses: bool = False) -> Any: ...

    def calendars_of(self, events: Sequence[TicketEvent]) -> dict[str, Any]: ...


class MeasureCalculator:
    """A ticket's contribution from its events: its clocks replayed as of its last event."""

    def __init__(self, replay: ClockReplay, zone: ZoneInfo, pause_share: float) -> None:
        self.replay = replay
        self.zone = zone
        self.pause_share = pause_share

    def contribution(self, events: Sequence[TicketEvent]) -> Contribution:
        if not events:
            return {}
        now = max(e.at for e in events)
        return ticket_contribution(
            MeasureInputs(
                events=events,
                zone=self.zone,
                clocks=self.replay.clocks(events, now),
                clocks_without_pauses=self.replay.clocks(events, now, without_pauses=True),
                calendars=self.replay.calendars_of(events),
                pause_share=self.pause_share,
            )
        )


class RollupKeeper:
    """Applies tickets' new events to the rollups, each exactly once."""

    ATTEMPTS = 5

    def __init__(self, events: EventSource, calculator: MeasureCalculator, store: RollupStore) -> None:
        self.events = events
        self.calculator = calculator
        self.store = store

    def apply(self, latest: Mapping[str, int]) -> dict[str, int]:
        """``latest``: each ticket's highest event ``seq`` in the delivered batch. Returns how many
        tickets were applied and how many were already (a repeated delivery)."""
        applied = skipped = 0
        for number, seq in sorted(latest.items()):
            if self.apply_ticket(number, seq):
                applied += 1
            else:
                skipped += 1
        return {"applied": applied, "already_applied": skipped}

    def apply_ticket(self, number: str, seq: int) -> bool:
        from chalicelib.storage.rollups import ContributionConflict

        for _ in range(self.ATTEMPTS):
            stored = self.store.contribution(number)
            if stored is not None and stored.pending_seq is None and stored.seq >= seq:
                return False
            events = self.events.events(number)
            if stored is not None and stored.pending_seq is not None:
                events = [e for e in events if e.seq <= stored.pending_seq]
            if not events:
                return False
            upto = max(e.seq for e in events)
            if stored is not None and stored.pending_seq is None and stored.seq >= upto:
                return False
            cells = self.calculator.contribution(events)
            try:
                self.store.apply(number, stored, upto, cells, diff(stored.cells if stored else {}, cells))
            except ContributionConflict:
                continue
            return True
        logger.warning("rollups: contribution kept changing under us", extra={"ticket": number})
        raise RuntimeError(f"could not apply {number}'s events to the rollups")


def in_range(cell: Cell, first: date, last: date) -> bool:
    return first.isoformat() <= cell[3] <= last.isoformat()


class RollupRebuild:
    """Recomputes the rollups from the events: ``desk reports rebuild --from --to``."""

    def __init__(self, calculator: MeasureCalculator, store: Any) -> None:
        self.calculator = calculator
        self.store = store

    def computed(
        self, events: Iterable[TicketEvent]
    ) -> tuple[dict[Cell, dict[str, int]], dict[str, tuple[int, Contribution]]]:
        """Every cell summed over every ticket, and each ticket's contribution."""
        by_ticket: dict[str, list[TicketEvent]] = defaultdict(list)
        for event in events:
            by_ticket[event.ticket].append(event)
        cells: dict[Cell, dict[str, int]] = {}
        contributions: dict[str, tuple[int, Contribution]] = {}
        for number, ticket_events in by_ticket.items():
            ticket_events.sort(key=lambda e: e.seq)
            contribution = self.calculator.contribution(ticket_events)
            contributions[number] = (ticket_events[-1].seq, contribution)
            merge(cells, contribution)
        return cells, contributions

    def rebuild(self, events: Iterable[TicketEvent], first: date, last: date) -> dict[str, int]:
        """Rewrite the cells of the days from ``first`` to ``last`` (backlog cells: of the tickets
        opened on those days) and every ticket's stored contribution."""
        cells, contributions = self.computed(events)
        wanted = {cell: values for cell, values in cells.items() if in_range(cell, first, last)}
        existing = [cell for cell in self.store.every_cell() if in_range(cell, first, last)]
        written = self.store.replace_cells(wanted, existing)
        self.store.replace_contributions(contributions)
        return {"tickets": len(contributions), "cells": len(wanted), "writes": written}


def period(first: date | None, last: date | None) -> tuple[date, date]:
    """A report's period, validated (both days inclusive)."""
    problems = []
    if first is None:
        problems.append({"field": "from", "reason": "is required (YYYY-MM-DD)"})
    if last is None:
        problems.append({"field": "to", "reason": "is required (YYYY-MM-DD)"})
    if problems:
        raise ValidationFailed(problems)
    assert first is not None and last is not None
    if last < first:
        raise ValidationFailed([{"field": "to", "reason": "must not be before from"}])
    if (last - first).days + 1 > MAX_REPORT_DAYS:
        raise ValidationFailed([{"field": "to", "reason": f"a report covers at most {MAX_REPORT_DAYS} days"}])
    return first, last


def dimension(by: str | None) -> str:
    if by is None or by == "":
        return ALL
    if by not in DIMENSIONS:
        raise ValidationFailed([{"field": "by", "reason": f"must be one of {', '.join(DIMENSIONS)}"}])
    return by


class ReportService:
    """The reports, read from the rollups."""

    def __init__(self, store: RollupStore, zone: ZoneInfo) -> None:
        self.store = store
        self.zone = zone

    def _totals(self, dim: str, first: date, last: date) -> dict[str, dict[str, int]]:
        return sum_cells((key, values) for key, _, values in self.store.daily(dim, first, last))

    def measures(self, first: date, last: date, by: str | None) -> dict[str, Any]:
        dim = dimension(by)
        totals = self._totals(dim, first, last)
        backlog = backlog_at(self.store.backlog(dim, last), last)
        keys = sorted(set(totals) | set(backlog))
        rows = [measure_row(key, totals.get(key, {}), backlog.get(key, _empty_backlog())) for key in keys]
        return self._answer(first, last, by, rows)

    def sla(self, first: date, last: date, by: str | None) -> dict[str, Any]:
        dim = dimension(by)
        totals = self._totals(dim, first, last)
        rows = [row for key in sorted(totals) for row in sla_rows(key, totals[key])]
        return self._answer(first, last, by, rows)

    def _answer(self, first: date, last: date, by: str | None, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "from": first.isoformat(), "to": last.isoformat(), "by": by or ALL, "zone": self.zone.key, "rows": rows,
        }


def _empty_backlog() -> dict[str, int]:
    return {"total": 0, **{name: 0 for name, _, _ in AGE_BANDS}}
