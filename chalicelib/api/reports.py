"""Reports: the morning patrol digest, and the outbox of notices."""

from __future__ import annotations

from datetime import date

from chalice.app import Blueprint, Request, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import answers_errors, caller, json_response, query_params
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.ticket import STAFF_ROLES
from chalicelib.wiring import desk

reports_blueprint = Blueprint(__name__)
bp = reports_blueprint


def _request() -> Request:
    return bp.current_request


def _date_param(request: Request, name: str) -> date | None:
    raw = query_params(request).get(name)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([{"field": name, "reason": "must be a date YYYY-MM-DD"}]) from None


@bp.route("/reports/patrol", methods=["GET"], authorizer=desk_authorizer)
@answers_errors
def patrol_report() -> Response:
    request = _request()
    caller(request).require(*STAFF_ROLES)
    patrol = desk().morning_patrol
    day = _date_param(request, "date") or desk().now().astimezone(patrol.zone).date()
    return json_response(patrol.digest(day).to_dict())


@bp.route("/admin/outbox", methods=["GET"], authorizer=desk_authorizer)
@answers_errors
def list_outbox() -> Response:
    request = _request()
    caller(request).require(*STAFF_ROLES)
    params = query_params(request)
    day = _date_param(request, "day") or desk().now().date()
    raw_limit = params.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        raise ValidationFailed([{"field": "limit", "reason": "must be an integer from 1 to 200"}])
    items, cursor = desk().outbox.list_day(day.isoformat(), int(raw_limit), params.get("cursor"))
    return json_response({"day": day.isoformat(), "notices": items, "cursor": cursor})
