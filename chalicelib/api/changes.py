"""Change and link routes: the plan, the one approval, the approval queue, links between tickets."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import (
    ACCEPTED_CONTENT_TYPES,
    answers_errors,
    caller,
    json_response,
    parse_body,
    query_params,
    read_json,
    validate,
)
from chalicelib.api.tickets import shown
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.tickets import ticket_view
from chalicelib.wiring import desk

changes_blueprint = Blueprint(__name__)
bp = changes_blueprint


def _request() -> Request:
    return bp.current_request


@bp.route("/tickets/{number}/change", methods=["PUT"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def plan_change(number: str) -> Response:
    request = _request()
    who = caller(request)
    body = read_json(request)
    if not isinstance(body, dict):
        raise ValidationFailed([{"field": "body", "reason": "must be a JSON object"}])
    return json_response(ticket_view(desk().change_service.plan(number, body, who), who))


@bp.route(
    "/tickets/{number}/change/redirect",
    methods=["POST"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def send_change_elsewhere(number: str) -> Response:
    from chalicelib.api.schemas import SendElsewhereBody

    request = _request()
    who = caller(request)
    body = parse_body(request, SendElsewhereBody)
    ticket = desk().change_service.send_elsewhere(number, body.to, body.reason, body.version, who, body.reference)
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route(
    "/tickets/{number}/approvals", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def decide_change(number: str) -> Response:
    from chalicelib.api.schemas import ApprovalBody

    request = _request()
    who = caller(request)
    body = parse_body(request, ApprovalBody)
    ticket = desk().change_service.decide(number, body.decision, body.comment, body.version, who)
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route("/approvals", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def approvals_awaiting() -> Response:
    from chalicelib.api.schemas import ApprovalsQuery

    request = _request()
    who = caller(request)
    query = validate(ApprovalsQuery, query_params(request))
    tickets = desk().change_service.awaiting(who, query.limit)
    return json_response({"tickets": [shown(ticket_view(t, who), who) for t in tickets]})


@bp.route("/changes/calendar", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def change_calendar() -> Response:
    from chalicelib.domain.conflicts import calendar_range

    request = _request()
    who = caller(request)
    params = query_params(request)
    start, end = calendar_range(params)
    service = params.get("service") or None
    return json_response(desk().change_service.calendar(start, end, service, who))


@bp.route("/tickets/{number}/links", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def link_ticket(number: str) -> Response:
    from chalicelib.api.schemas import LinkBody

    request = _request()
    who = caller(request)
    body = parse_body(request, LinkBody)
    ticket = desk().link_service.link(number, body.kind, body.target, who, body.version)
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route("/tickets/{number}/links/{kind}/{target}", methods=["DELETE"], authorizer=desk_authorizer)
@answers_errors
def unlink_ticket(number: str, kind: str, target: str) -> Response:
    who = caller(_request())
    return json_response(ticket_view(desk().link_service.unlink(number, kind, target, who), who))
