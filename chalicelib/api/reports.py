"""Reports: the morning patrol digest, the measures and SLA compliance, and the outbox of notices."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

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
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import STAFF_ROLES
from chalicelib.domain.reports import flatten
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


# -- measures and SLA compliance (from the daily rollups) ------------------------------------

#: Who reads the figures: every staff role (as the patrol); requesters get a 403.
REPORT_ROLES = STAFF_ROLES


def report_format(params: Mapping[str, str]) -> str:
    fmt = params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationFailed([{"field": "format", "reason": "must be json or csv"}])
    return fmt


def csv_response(answer: Mapping[str, Any], filename: str) -> Response:
    """The rows of a report as CSV: one line per row, nested fields as ``a.b`` columns, with
    the period and the dimension in the first columns."""
    rows = [{"from": answer["from"], "to": answer["to"], "by": answer["by"], **flatten(row)} for row in answer["rows"]]
    columns: dict[str, None] = dict.fromkeys(["from", "to", "by"])
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        body=out.getvalue(),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def _report(kind: str) -> Response:
    from chalicelib.services.reports import period

    request = _request()
    caller(request).require(*REPORT_ROLES)
    params = query_params(request)
    now = desk().now()
    fmt = report_format(params)
    first, last = period(date_param(params, "from", now), date_param(params, "to", now))
    by = params.get("by")
    service = desk().reports
    answer = service.measures(first, last, by) if kind == "measures" else service.sla(first, last, by)
    if fmt == "csv":
        return csv_response(answer, f"{kind}-{answer['from']}-{answer['to']}-{answer['by']}.csv")
    return json_response(answer)


@bp.route("/reports/measures", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def measures_report() -> Response:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD&by=agent|group|...&format=json|csv``."""
    return _report("measures")


@bp.route("/reports/sla", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def sla_report() -> Response:
    """SLA compliance per clock, with and without paused time, for the same parameters."""
    return _report("sla")


@bp.route("/reports/steering", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def steering_report() -> Response:
    """``?week=2026-W48&format=json|html|csv``: the weekly steering report (as kept when sent)."""
    from chalicelib.domain.steering import to_csv, to_html

    request = _request()
    caller(request).require(*REPORT_ROLES)
    params = query_params(request)
    fmt = params.get("format", "json")
    if fmt not in ("json", "html", "csv"):
        raise ValidationFailed([{"field": "format", "reason": "must be json, html or csv"}])
    report = desk().steering.report(params.get("week"))
    if fmt == "html":
        return Response(body=to_html(report), status_code=200, headers={"Content-Type": "text/html; charset=utf-8"})
    if fmt == "csv":
        return Response(body=to_csv(report), status_code=200, headers={"Content-Type": "text/csv; charset=utf-8"})
    return json_response(report)
