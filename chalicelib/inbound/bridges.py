"""Bridges to GitHub and Jira: ``POST /tickets/{number}/bridges`` (staff) links a ticket to an
issue; ``POST /bridges/github`` and ``POST /bridges/jira`` take their webhooks.

A webhook is verified by the HMAC of its raw body (``chalicelib.domain.bridges``): unsigned or
mis-signed is a 401, a delivery id seen before a 409, both logged. A verified delivery is
answered 200 with what it recorded on which ticket.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import (
    ACCEPTED_CONTENT_TYPES,
    MAX_BODY_BYTES,
    answers_errors,
    body_bytes,
    caller,
    json_response,
    parse_body,
    signed,
)
from chalicelib.domain.errors import Unauthorized, ValidationFailed
from chalicelib.observability import logger
from chalicelib.wiring import desk

bridges_blueprint = Blueprint(__name__)
bp = bridges_blueprint

#: The largest delivery read (GitHub caps its payloads at 25 MB; the fields used are small).
MAX_DELIVERY_BYTES = 1024 * 1024


@bp.route("/tickets/{number}/bridges", methods=["POST"], authorizer=desk_authorizer,
          content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def bridge_ticket(number: str) -> Response:
    """Link the ticket to a GitHub or Jira issue (staff); its webhooks then record there."""
    from chalicelib.api.schemas import BridgeBody
    from chalicelib.domain.bridges import parse_bridge
    from chalicelib.services.tickets import ticket_view

    request = bp.current_request
    who = caller(request)
    body = parse_body(request, BridgeBody)
    bridge = parse_bridge(body.system, body.issue)
    ticket = desk().bridges.link(number, who, bridge)
    return json_response({"bridge": bridge.to_dict(), "ticket": ticket_view(ticket, who)}, 201)


def _delivery(system: str, signature_header: str, delivery_header: str, secret: str) -> tuple[str, Any]:
    from chalicelib.domain.bridges import verify_hmac
    from chalicelib.services.bridges import check_delivery_id

    request = bp.current_request
    raw = body_bytes(request)
    if len(raw) > max(MAX_DELIVERY_BYTES, MAX_BODY_BYTES):
        raise ValidationFailed([{"field": "body", "reason": f"larger than {MAX_DELIVERY_BYTES} bytes"}])
    try:
        verify_hmac(secret, raw, request.headers.get(signature_header.lower()), signature_header)
    except Unauthorized as refused:
        logger.warning("bridge delivery refused", extra={"system": system, "reason": refused.message})
        raise
    delivery = check_delivery_id(request.headers.get(delivery_header.lower()), delivery_header)
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([{"field": "body", "reason": f"not valid JSON: {exc}"}]) from None
    if not isinstance(payload, dict):
        raise ValidationFailed([{"field": "body", "reason": "must be a JSON object"}])
    return delivery, payload


@bp.route("/bridges/github", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
@signed
def github_webhook() -> Response:
    """GitHub's webhook (issues, issue_comment, pull_request), signed with ``X-Hub-Signature-256``."""
    from chalicelib.domain.bridges import GITHUB, github_activity

    secret = desk().settings.github_webhook_secret
    delivery, payload = _delivery(GITHUB, "X-Hub-Signature-256", "X-GitHub-Delivery", secret)
    event = str(bp.current_request.headers.get("x-github-event") or "")
    recorded = desk().bridges.record(GITHUB, delivery, github_activity(event, payload),
                                     delivery_field="X-GitHub-Delivery")
    return json_response({"delivery": delivery, **recorded.to_dict()})


@bp.route("/bridges/jira", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
@signed
def jira_webhook() -> Response:
    """Jira's webhook (jira:issue_updated, comment_created), signed with ``X-Hub-Signature``."""
    from chalicelib.domain.bridges import JIRA, jira_activity

    secret = desk().settings.jira_webhook_secret
    delivery, payload = _delivery(JIRA, "X-Hub-Signature", "X-Atlassian-Webhook-Identifier", secret)
    recorded = desk().bridges.record(JIRA, delivery, jira_activity(payload),
                                     delivery_field="X-Atlassian-Webhook-Identifier")
    return json_response({"delivery": delivery, **recorded.to_dict()})
