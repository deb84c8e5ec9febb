"""The problem-management examples ``make run`` starts with: a known error, so a user sees a match at
intake, and a public knowledge article (``seed_problem_examples``; nothing is written twice)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.identity import SYSTEM, Identity
from chalicelib.services.ports import TicketFilter
from chalicelib.services.tickets import OpenTicket

KNOWN_ERROR_TITLE = "VPN sessions drop every few minutes"
KNOWN_ERROR: dict[str, Any] = {
    "statement": "Remote access VPN sessions drop every few minutes on the primary gateway",
    "services": ["vpn"],
    "symptoms": ["vpn drops", "anyconnect disconnects", "vpn connection lost every few minutes"],
    "root_causes": [
        {
            "description": "The primary VPN gateway renegotiates its tunnel when its DPD timer fires under load",
            "category": "configuration",
            "evidence": "gateway log: DPD timeout, tunnel renegotiated, every 4-6 minutes",
        }
    ],
    "workaround": "In AnyConnect, connect to the backup gateway vpn2.example.com instead of vpn.example.com.",
}
ARTICLE: dict[str, Any] = {
    "name": "kb-reset-password",
    "question": "How do I reset my password?",
    "answer": "Open https://password.example.com, sign in with your authenticator and choose a new password; "
    "it works everywhere within five minutes.",
    "services": ["accounts"],
    "audience": "public",
}


def seed_problem_examples(desk: Any) -> dict[str, int]:
    """Store the example known error and article unless they are there; returns what was written."""
    from chalicelib.services.knowledge import KNOWLEDGE_ARTICLE

    written = {"known_error": 0, "knowledge_article": 0}
    known = desk.tickets.list(TicketFilter(status="known_error", type="problem"), 100, None).tickets
    if not any(t.title == KNOWN_ERROR_TITLE for t in known):
        # Recorded as the Service Manager would: the desk itself does not analyse problems.
        manager = Identity(desk.settings.service_manager, "manager")
        tickets = desk.ticket_service
        problem = tickets.open_ticket(
            OpenTicket(
                "problem", KNOWN_ERROR_TITLE, KNOWN_ERROR["statement"], service="vpn", impact="medium", urgency="medium"
            ),
            manager,
        )
        problem = desk.problem_service.record(problem.number, {"version": problem.version, **KNOWN_ERROR}, manager)
        problem = tickets.transition(problem.number, "analyse", problem.version, manager)
        tickets.transition(problem.number, "known_error", problem.version, manager)
        written["known_error"] = 1
    if not any(doc.name == ARTICLE["name"] for doc in desk.config_service.repository.list_latest(KNOWLEDGE_ARTICLE)):
        desk.knowledge_service.create(dict(ARTICLE), SYSTEM)
        written["knowledge_article"] = 1
    return written
