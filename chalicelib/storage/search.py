"""The ticket search index on DynamoDB (``SearchTermModel``): kept in the ticket's own transaction,
read by one Query per query word (a ``begins_with`` under the word's prefix key), never a Scan.

This serves a desk's own search well while a word's prefix holds some thousands of tickets; a
deployment whose search outgrows it (ranking, phrase search, hundreds of thousands of tickets per
common word) puts OpenSearch Serverless behind the same port (``services.ports.TicketSearch``),
chosen by ``SEARCH_BACKEND``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.search import PREFIX_LENGTH, SearchQuery, index_terms
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import tracer
from chalicelib.storage.models import SearchTermModel, bind_models

#: The most index items read per query word and folding: a bound on a search's cost.
READ_BUDGET = 2_000


def ticket_terms(ticket: Ticket | None) -> frozenset[str]:
    if ticket is None:
        return frozenset()
    return frozenset(index_terms(ticket.number, ticket.title, ticket.description))


def write_terms(tx: Any, previous: Ticket | None, ticket: Ticket) -> None:
    """Add the transaction's puts and deletes that bring the ticket's terms from ``previous``
    (None: a new ticket) to ``ticket``; nothing when its words did not change."""
    if previous is not None and (previous.title, previous.description) == (ticket.title, ticket.description):
        return
    before, after = ticket_terms(previous), ticket_terms(ticket)
    for term in sorted(before - after):
        tx.delete(SearchTermModel(term[:PREFIX_LENGTH], f"{term}#{ticket.number}"))
    for term in sorted(after - before):
        tx.save(
            SearchTermModel(
                term[:PREFIX_LENGTH], f"{term}#{ticket.number}", number=ticket.number, created=ticket.created_at
            )
        )


class DynamoTicketSearch:
    """:class:`chalicelib.services.ports.TicketSearch` on DynamoDB."""

    def __init__(self) -> None:
        bind_models(get_settings())

    @tracer.capture_method
    def matching(self, query: SearchQuery) -> list[str]:
        """The numbers of the tickets matching every word of ``query``, newest first: for each
        word, one Query per folding (at most :data:`READ_BUDGET` items each)."""
        found: dict[str, datetime] | None = None
        for variants in query.words:
            hits: dict[str, datetime] = {}
            for variant in variants:
                for item in SearchTermModel.query(
                    variant[:PREFIX_LENGTH], SearchTermModel.key.startswith(variant), limit=READ_BUDGET
                ):
                    hits[item.number] = item.created
            found = hits if found is None else {n: at for n, at in found.items() if n in hits}
            if not found:
                return []
        assert found is not None
        return [number for number, _ in sorted(found.items(), key=lambda pair: (pair[1], pair[0]), reverse=True)]
