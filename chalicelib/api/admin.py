"""Admin routes for versioned configuration documents, and the SLA policy preview.

Each document kind gets the same four routes under its collection path:
``GET``/``POST /admin/<collection>``, ``GET``/``PUT /admin/<collection>/{name}``
(``?version=N`` reads an older version; ``PUT`` stores the next version). ``GET /admin/kinds``
tells the caller which kinds there are and which of them their role may edit.
"""

from __future__ import annotations

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
    read_json,
)
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import STAFF_ROLES
from chalicelib.domain.ticket import priority_for
from chalicelib.wiring import desk

admin_blueprint = Blueprint(__name__)
bp = admin_blueprint

#: URL collection -> document kind.
COLLECTIONS = {
    "calendars": "calendar",
    "sla-policies": "sla_policy",
    "escalation-rules": "escalation",
    "services": "service",
    "groups": "group",
    "agents": "agent",
    "classification-rules": "classification_rule",
    "oncall-rotas": "oncall_rota",
    "change-freezes": "change_freeze",
    "change-templates": "change_template",
}


def _request() -> Request:
    return bp.current_request


def _version_param(request: Request) -> int | None:
    params = query_params(request)
    if "version" not in params:
        return None
    return count_param(params, "version", 1, 1, 999_999)


def _kind(collection: str) -> str:
    return COLLECTIONS[collection]


def _register(collection: str) -> None:
    kind = _kind(collection)

    @bp.route(
        f"/admin/{collection}",
        methods=["GET"],
        authorizer=desk_authorizer,
        content_types=ACCEPTED_CONTENT_TYPES,
        name=f"list_{kind}",
    )
    @answers_errors
    def list_documents() -> Response:
        caller(_request()).require(*STAFF_ROLES)
        docs = desk().config_service.list_documents(kind)
        return json_response({"items": [d.view() for d in docs]})

    @bp.route(
        f"/admin/{collection}",
        methods=["POST"],
        authorizer=desk_authorizer,
        content_types=ACCEPTED_CONTENT_TYPES,
        name=f"create_{kind}",
    )
    @answers_errors
    def create_document() -> Response:
        request = _request()
        who = caller(request)
        stored = desk().config_service.create(kind, read_json(request), who)
        return json_response(stored.view(), 201, {"Location": f"/admin/{collection}/{stored.name}"})

    @bp.route(
        f"/admin/{collection}/{{name}}",
        methods=["GET"],
        authorizer=desk_authorizer,
        content_types=ACCEPTED_CONTENT_TYPES,
        name=f"get_{kind}",
    )
    @answers_errors
    def get_document(name: str) -> Response:
        request = _request()
        caller(request).require(*STAFF_ROLES)
        return json_response(desk().config_service.get(kind, name, _version_param(request)).view())

    @bp.route(
        f"/admin/{collection}/{{name}}",
        methods=["PUT"],
        authorizer=desk_authorizer,
        content_types=ACCEPTED_CONTENT_TYPES,
        name=f"update_{kind}",
    )
    @answers_errors
    def update_document(name: str) -> Response:
        request = _request()
        who = caller(request)
        stored = desk().config_service.update(kind, name, read_json(request), who)
        return json_response(stored.view())


for _collection in COLLECTIONS:
    _register(_collection)


@bp.route("/admin/kinds", methods=["GET"], authorizer=desk_authorizer, name="list_document_kinds")
@answers_errors
def list_document_kinds() -> Response:
    """The kinds of configuration document: ``collection`` (the path under ``/admin/``), ``kind``,
    ``label``, and whether the caller's role may create and update them (``editable``)."""
    from chalicelib.services.configuration import KINDS

    who = caller(_request())
    who.require(*STAFF_ROLES)
    config = desk().config_service
    kinds = [
        {"collection": collection, "kind": kind, "label": KINDS[kind].label, "editable": config.may_edit(kind, who)}
        for collection, kind in COLLECTIONS.items()
    ]
    return json_response({"kinds": kinds})


@bp.route("/oncall", methods=["GET"], authorizer=desk_authorizer)
@answers_errors
def who_is_on_call() -> Response:
    """``?group=`` (required) and ``at=`` (an ISO-8601 instant with a zone; default now)."""
    from chalicelib.domain.instants import NOT_AN_INSTANT
    from chalicelib.domain.oncall import OUT_OF_RANGE, read_instant

    request = _request()
    caller(request).require(*STAFF_ROLES)
    params = query_params(request)
    errors: list[dict[str, str]] = []
    group = params.get("group", "").strip()
    if not group:
        errors.append({"field": "group", "reason": "is required: the support group whose on-call you ask for"})
    at = desk().now() if params.get("at") is None else read_instant(params["at"])
    if at is None:
        errors.append({"field": "at", "reason": f"{NOT_AN_INSTANT}, which {OUT_OF_RANGE}"})
    if errors or at is None:
        raise ValidationFailed(errors)
    return json_response(desk().directory.on_call_for(group, at).to_dict())


@bp.route(
    "/admin/sla-policies/preview", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def preview_policy() -> Response:
    from chalicelib.api.schemas import PreviewBody

    request = _request()
    caller(request).require(*STAFF_ROLES)
    body = parse_body(request, PreviewBody)
    priority: str | None = body.priority
    if priority is None:
        if body.impact is None or body.urgency is None:
            raise ValidationFailed([{"field": "priority", "reason": "give a priority, or both impact and urgency"}])
        priority = priority_for(body.impact, body.urgency)
    facts = {
        "type": body.type,
        "priority": priority,
        "service": body.service,
        "vip": body.vip,
        "business_unit": body.business_unit,
    }
    now = desk().now()
    opened_at = accepted_instant(body.opened_at, "opened_at", now) if body.opened_at is not None else now
    return json_response(desk().clock_keeper.preview(facts, opened_at, body.policy))
