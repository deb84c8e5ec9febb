"""Reports: the morning patrol digest, and the outbox of notices."""

from __future__ import annotations

from chalice.app import Blueprint, Request, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import (
    ACCEPTED_CONTENT_TYPES,
    answers_errors,
    caller,
    count_param,
    date_param,
    json_response,
    query_params,
)
from chalicelib.domain.identity import STAFF_ROLES
from chalicelib.wiring import desk

reports_blueprint = Blueprint(__name__)
bp = reports_blueprint


def _request() -> Request:
    return bp.current_request


@bp.route("/reports/patrol", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def patrol_report() -> Response:
    request = _request()
    caller(request).require(*STAFF_ROLES)
    patrol = desk().morning_patrol
    now = desk().now()
    day = date_param(query_params(request), "date", now) or now.astimezone(patrol.zone).date()
    return json_response(patrol.digest(day).to_dict())


@bp.route("/admin/outbox", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def list_outbox() -> Response:
    request = _request()
    caller(request).require(*STAFF_ROLES)
    params = query_params(request)
    now = desk().now()
    day = date_param(params, "day", now) or now.date()
    limit = count_param(params, "limit", 50, 1, 200)
    items, cursor = desk().outbox.list_day(day.isoformat(), limit, params.get("cursor"))
    return json_response({"day": day.isoformat(), "notices": items, "cursor": cursor})
