"""Satisfaction routes: the requester rates a resolved or closed ticket once per resolution
(``POST /tickets/{number}/rating``); ``GET`` says whether they may and what was rated."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, answers_errors, caller, json_response, parse_body
from chalicelib.wiring import desk

satisfaction_blueprint = Blueprint(__name__)
bp = satisfaction_blueprint


@bp.route("/tickets/{number}/rating", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def rating_state(number: str) -> Response:
    """Whether the caller may rate the ticket's current resolution now, and the ratings given."""
    who = caller(bp.current_request)
    return json_response(desk().satisfaction.state(number, who).to_dict())


@bp.route(
    "/tickets/{number}/rating", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def rate_ticket(number: str) -> Response:
    """The requester's rating (1-5) and optional comment of the current resolution: once per
    resolution (409 ``already_rated`` after), only when resolved or closed (409 ``not_rateable``)."""
    from chalicelib.api.schemas import RatingBody

    request = bp.current_request
    who = caller(request)
    body = parse_body(request, RatingBody)
    desk().satisfaction.rate(number, who, body.rating, body.comment or None)
    return json_response(desk().satisfaction.state(number, who).to_dict(), 201)
