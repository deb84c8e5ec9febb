"""Ticket routes: parse and validate, call one service, shape the answer."""

from __future__ import annotations

from typing import Any, cast

from chalice.app import Blueprint, Request, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import (
    ACCEPTED_CONTENT_TYPES,
    accepted_instant,
    answers_errors,
    caller,
    count_param,
    json_response,
    parse_body,
    query_params,
    validate,
)
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.services.ports import TicketFilter
from chalicelib.services.tickets import OpenTicket, TicketChanges, event_view, ticket_view, with_local_times
from chalicelib.wiring import desk

tickets_blueprint = Blueprint(__name__)
bp = tickets_blueprint


def _request() -> Request:
    return bp.current_request


def shown(view: dict[str, Any], who: Identity) -> dict[str, Any]:
    """A ticket's view with its times in the reader's zone: their own (an agent's shift
    calendar), else the ticket's service calendar's, else the desk's (``DESK_TIMEZONE``)."""
    zone = desk().directory.zone_of(who.user, view.get("service")) or desk().settings.desk_timezone
    return with_local_times(view, zone)


@bp.route("/tickets", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def open_ticket() -> Response:
    from chalicelib.api.schemas import OpenTicketBody

    request = _request()
    who = caller(request)
    body = parse_body(request, OpenTicketBody)
    command = OpenTicket(
        type=body.type,
        title=body.title,
        description=body.description,
        service=body.service,
        impact=body.impact,
        urgency=body.urgency,
        tags=tuple(body.tags),
    )
    key = request.headers.get("idempotency-key")
    intake = desk().intake
    if bp.lambda_context is not None:
        # Chalice's context has the attributes Powertools reads (remaining time, request id).
        intake.config.register_lambda_context(cast(Any, bp.lambda_context))
    view = intake.open(command, who, key)
    return json_response(shown(view, who), 201, {"Location": f"/tickets/{view['number']}"})


@bp.route("/tickets", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def list_tickets() -> Response:
    from chalicelib.api.schemas import ListTicketsQuery

    request = _request()
    who = caller(request)
    params = query_params(request)
    params.pop("limit", None)
    limit = count_param(query_params(request), "limit", 25, 1, 100)
    query = validate(ListTicketsQuery, {**params, "limit": limit})
    filters = TicketFilter(
        status=query.status,
        type=query.type,
        assignee=query.assignee,
        group=query.group,
        requester=query.requester,
        priority=query.priority,
        service=query.service,
    )
    service = desk().ticket_service
    if query.q is not None:
        page = service.search_tickets(query.q, filters, who, query.limit, query.cursor)
    else:
        page = service.list_tickets(filters, who, query.limit, query.cursor)
    return json_response({"tickets": [shown(ticket_view(t, who), who) for t in page.tickets], "cursor": page.cursor})


@bp.route("/tickets/{number}", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def get_ticket(number: str) -> Response:
    who = caller(_request())
    ticket = desk().ticket_service.get_ticket(number, who)
    view = {**ticket_view(ticket, who), **desk().problem_service.related(ticket, who)}
    return json_response(shown(view, who))


@bp.route("/tickets/{number}", methods=["PATCH"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def update_ticket(number: str) -> Response:
    from chalicelib.api.schemas import UpdateTicketBody

    request = _request()
    who = caller(request)
    body = parse_body(request, UpdateTicketBody)
    changes = TicketChanges(
        title=body.title,
        description=body.description,
        service=body.service,
        impact=body.impact,
        urgency=body.urgency,
        tags=tuple(body.tags) if body.tags is not None else None,
    )
    ticket = desk().ticket_service.update(number, body.version, who, changes)
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route(
    "/tickets/{number}/transitions", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def transition_ticket(number: str) -> Response:
    from chalicelib.api.schemas import TransitionBody

    request = _request()
    who = caller(request)
    body = parse_body(request, TransitionBody)
    ticket = desk().change_service.move(number, body.to, body.version, who, body.reason, body.outcome)
    return json_response(shown({**ticket_view(ticket, who), **desk().problem_service.related(ticket, who)}, who))


@bp.route(
    "/tickets/{number}/assignment", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def assign_ticket(number: str) -> Response:
    from chalicelib.api.schemas import AssignmentBody

    request = _request()
    who = caller(request)
    body = parse_body(request, AssignmentBody)
    ticket = desk().ticket_service.assign(
        number,
        body.version,
        who,
        assignee=body.assignee,
        group=body.group,
        monitor=body.monitor,
        reason=body.reason,
    )
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route(
    "/tickets/{number}/comments", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def comment_ticket(number: str) -> Response:
    from chalicelib.api.schemas import CommentBodyModel

    request = _request()
    who = caller(request)
    body = parse_body(request, CommentBodyModel)
    ticket = desk().ticket_service.comment(
        number, who, body=body.body, visibility=body.visibility, version=body.version
    )
    return json_response(shown(ticket_view(ticket, who), who), 201)


@bp.route("/tickets/{number}/events", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def ticket_events(number: str) -> Response:
    who = caller(_request())
    events = desk().ticket_service.history(number, who)
    return json_response({"ticket": number, "events": [event_view(e, who) for e in events]})


@bp.route("/tickets/{number}/sla", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def ticket_sla(number: str) -> Response:
    who = caller(_request())
    return json_response(desk().ticket_service.sla(number, who))


@bp.route(
    "/tickets/{number}/due-date", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def set_due_date(number: str) -> Response:
    from chalicelib.api.schemas import DueDateBody

    request = _request()
    who = caller(request)
    body = parse_body(request, DueDateBody)
    due_at = accepted_instant(body.due_at, "due_at", desk().now())
    ticket = desk().ticket_service.set_due_date(number, body.version, who, clock=body.clock, due_at=due_at)
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route(
    "/tickets/{number}/classification",
    methods=["POST"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def reclassify_ticket(number: str) -> Response:
    from chalicelib.api.schemas import ReclassifyBody

    request = _request()
    who = caller(request)
    body = parse_body(request, ReclassifyBody)
    changes = body.model_dump(exclude={"version", "reason"}, exclude_none=True)
    ticket = desk().ticket_service.reclassify(number, body.version, who, changes, body.reason)
    return json_response(shown(ticket_view(ticket, who), who))


@bp.route(
    "/tickets/{number}/classification/contest",
    methods=["POST"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def contest_classification(number: str) -> Response:
    from chalicelib.api.schemas import ContestBody

    request = _request()
    who = caller(request)
    body = parse_body(request, ContestBody)
    return json_response(shown(ticket_view(desk().ticket_service.contest(number, who, body.reason), who), who))


@bp.route("/triage", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def triage_queue() -> Response:
    request = _request()
    who = caller(request)
    params = query_params(request)
    limit = count_param(params, "limit", 25, 1, 100)
    params.pop("limit", None)
    cursor = params.pop("cursor", None)
    if params:
        raise ValidationFailed([{"field": sorted(params)[0], "reason": "unknown query parameter"}])
    page = desk().ticket_service.triage_queue(who, limit, cursor)
    return json_response({"tickets": [shown(ticket_view(t, who), who) for t in page.tickets], "cursor": page.cursor})


@bp.route("/queues", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def queues() -> Response:
    who = caller(_request())
    return json_response({"queues": [q.to_dict() for q in desk().queue_service.queues(who)]})


@bp.route("/queues/{name}", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def queue(name: str) -> Response:
    request = _request()
    who = caller(request)
    params = query_params(request)
    limit = count_param(params, "limit", 25, 1, 100)
    params.pop("limit", None)
    cursor = params.pop("cursor", None)
    group = params.pop("group", None)
    if params:
        raise ValidationFailed([{"field": sorted(params)[0], "reason": "unknown query parameter"}])
    page = desk().queue_service.queue(name, who, group, limit, cursor)
    return json_response({"tickets": [shown(ticket_view(t, who), who) for t in page.tickets], "cursor": page.cursor})
