"""The knowledge base: articles as versioned documents, found by the one matcher, made from a known
error or a resolved ticket in one call, and used to answer a ticket (``chalicelib.domain.knowledge``).

Articles are documents of the kind ``knowledge_article`` in the configuration store (one immutable
item per version, staff write them); searching matches the question and answer with
``chalicelib.domain.similarity`` as known errors are matched. Answering a ticket with an article is
a public reply recorded with the article's name and version (``answered_with_article``), so the
reports can count the tickets a standard answer resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import STAFF_ROLES, Identity
from chalicelib.domain.knowledge import PUBLIC, Article, slug
from chalicelib.domain.lifecycle import Phase, actor_of
from chalicelib.domain.processes import lifecycle_of
from chalicelib.domain.similarity import KNOWN_ERROR_MIN, ServiceTerms, features, match_score
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import tracer
from chalicelib.services.configuration import SERVICE, ConfigService, DocumentKind, register_kind
from chalicelib.services.ports import StoredDocument
from chalicelib.services.tickets import TicketService

KNOWLEDGE_ARTICLE = "knowledge_article"


def _validate(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    services = {doc.name for doc in config.latest_all(SERVICE)}
    article = Article.from_dict({k: v for k, v in body.items() if k != "version"}, services)
    return article.to_dict()


def _parse(body: dict[str, Any]) -> Article:
    return Article.from_dict({k: v for k, v in body.items() if k != "version"})


register_kind(
    DocumentKind(KNOWLEDGE_ARTICLE, "knowledge article", _validate, editors=("agent", "manager", "admin"), parse=_parse)
)


def article_view(doc: StoredDocument) -> dict[str, Any]:
    return {**doc.body, "version": doc.version, "created_at": doc.created_at.isoformat(), "created_by": doc.created_by}


class KnowledgeService:
    def __init__(self, config: ConfigService, tickets: TicketService, terms: Callable[[], ServiceTerms]) -> None:
        self.config = config
        self.tickets = tickets
        self.terms = terms

    def _visible(self, doc: StoredDocument, caller: Identity) -> bool:
        return caller.is_staff or doc.body.get("audience") == PUBLIC

    def create(self, body: Any, caller: Identity) -> StoredDocument:
        caller.require(*STAFF_ROLES)
        if isinstance(body, dict) and "name" not in body and isinstance(body.get("question"), str):
            body = {**body, "name": slug(body["question"])}
        return self.config.create(KNOWLEDGE_ARTICLE, body, caller)

    def update(self, name: str, body: Any, caller: Identity) -> StoredDocument:
        caller.require(*STAFF_ROLES)
        return self.config.update(KNOWLEDGE_ARTICLE, name, body, caller)

    def get(self, name: str, version: int | None, caller: Identity) -> StoredDocument:
        doc = self.config.get(KNOWLEDGE_ARTICLE, name, version)
        if not self._visible(doc, caller):
            raise NotFound(f"no knowledge article {name}", field="name")
        return doc

    def search(
        self, text: str | None, service: str | None, caller: Identity, limit: int, *, minimum: float = KNOWN_ERROR_MIN
    ) -> list[dict[str, Any]]:
        """The articles ``caller`` may read, on ``service`` (or on none named); with ``text``, those
        whose question it matches from ``minimum`` on, best first, each with its score and the
        words that matched."""
        if service is not None and service not in {doc.name for doc in self.config.latest_all(SERVICE)}:
            raise ValidationFailed([{"field": "service", "reason": f"{service} is not a service of the catalog"}])
        docs = [
            doc
            for doc in self.config.latest_all(KNOWLEDGE_ARTICLE)
            if self._visible(doc, caller)
            and (service is None or not doc.body.get("services") or service in doc.body["services"])
        ]
        if not text:
            return [article_view(doc) for doc in sorted(docs, key=lambda d: d.name)[:limit]]
        terms = self.terms()
        query = features(text, terms)
        ranked = []
        for doc in docs:
            found = match_score(query, features(str(doc.body["question"]), terms))
            if found.cosine >= minimum:
                ranked.append((found, doc))
        ranked.sort(key=lambda pair: (-pair[0].cosine, pair[1].name))
        return [
            {**article_view(doc), "score": round(found.cosine, 3), "matched": list(found.matched)}
            for found, doc in ranked[:limit]
        ]

    def offered_at_intake(self, ticket: Ticket) -> list[dict[str, Any]]:
        """The public articles a new ticket matches (the best three), in the ticket's ``matches``."""
        requester = Identity(ticket.requester, "requester")
        found = self.search(f"{ticket.title}\n{ticket.description}", None, requester, 3)
        return [
            {
                "kind": "article",
                "article": f["name"],
                "version": f["version"],
                "question": f["question"],
                "answer": f["answer"],
                "score": f["score"],
                "matched": f["matched"],
            }
            for f in found
            if not f.get("services") or ticket.service is None or ticket.service in f["services"]
        ]

    @tracer.capture_method
    def from_ticket(self, number: str, body: dict[str, Any], caller: Identity) -> StoredDocument:
        """An article made in one call from a known error (its workaround answers its title) or a
        resolved ticket (its title, answered by ``answer`` or its last public staff reply)."""
        caller.require(*STAFF_ROLES)
        ticket = self.tickets.get_ticket(number, caller)
        record = ticket.problem
        if ticket.type == "problem":
            if record is None or not record.workaround:
                raise ValidationFailed([{"field": "number", "reason": f"{number} has no workaround to publish"}])
            answer = body.get("answer") or record.workaround
            services = list(record.services)
            question = body.get("question") or record.statement or ticket.title
        else:
            if lifecycle_of(ticket).phase(ticket.status) not in (Phase.RESOLVED, Phase.CLOSED):
                reason = f"{number} is {ticket.status}: an article is made from a resolved ticket or a known error"
                raise ValidationFailed([{"field": "number", "reason": reason}])
            answer = body.get("answer") or self._last_reply(ticket)
            if not answer:
                raise ValidationFailed(
                    [{"field": "answer", "reason": f"{number} has no public reply; give the answer"}]
                )
            services = [ticket.service] if ticket.service else []
            question = body.get("question") or ticket.title
        doc = {
            "name": body.get("name") or slug(number.lower()),
            "question": question,
            "answer": answer,
            "services": services,
            "audience": body.get("audience", PUBLIC),
            "source": number,
        }
        return self.config.create(KNOWLEDGE_ARTICLE, doc, caller)

    def _last_reply(self, ticket: Ticket) -> str | None:
        replies = [
            e.after.get("body")
            for e in self.tickets.repository.events(ticket.number)
            if e.kind == EventKind.COMMENTED and e.after.get("visibility") == "public" and e.actor != ticket.requester
        ]
        return str(replies[-1]) if replies else None

    @tracer.capture_method
    def answer(self, number: str, name: str, version: int, caller: Identity, *, resolve: bool) -> Ticket:
        """Answer the ticket with the article: a public reply recording which article (and
        version); with ``resolve``, the ticket is resolved in the same write."""
        caller.require(*STAFF_ROLES)
        ticket = self.tickets.load_for_change(number, caller, version)
        try:
            doc = self.config.get(KNOWLEDGE_ARTICLE, name)
        except NotFound:
            raise ValidationFailed([{"field": "article", "reason": f"no knowledge article {name}"}]) from None
        if not lifecycle_of(ticket).phase(ticket.status).is_open:
            raise ValidationFailed([{"field": "number", "reason": f"a {ticket.status} ticket takes no answer"}])
        target = None
        if resolve:
            facts = self.tickets.move_facts(ticket, None, self.tickets.clock(), caller)
            target = lifecycle_of(ticket).check(ticket.status, "resolve", actor_of(caller), facts).target

        def write(draft: Any) -> None:
            comment_id = self.tickets.add_comment(draft, caller, str(doc.body["answer"]), "public")
            after = {"article": doc.name, "article_version": doc.version, "comment_id": comment_id}
            draft.add(EventKind.ANSWERED_WITH_ARTICLE, {}, after)
            if target is not None:
                self.tickets.apply_move(draft, target, f"answered with the article {doc.name}")

        stored = self.tickets.amend(ticket, caller, write)
        return self.tickets.after_move(ticket, stored) if target is not None else stored
