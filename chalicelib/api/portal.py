"""The requester portal's own reads and ticket attachments.

``GET /portal/services`` (anyone signed in): the catalog a requester picks a service from.
``GET /tickets/{number}/moves``: the moves the caller may make on the ticket now (from its
lifecycle's declaration), so the pages offer exactly those. ``GET /portal/known-broken``: the
banner of what is already known to be broken (:class:`chalicelib.services.portal.KnownBroken`),
each line with its time in the reader's zone.
``POST /tickets/{number}/attachments``: an S3 upload form for one file (``filename``,
``content_type``, ``size``), ``GET /tickets/{number}/attachments``: the ticket's files,
``GET /tickets/{number}/attachments/{id}``: a download link living one minute. Who may not see
the ticket gets 404 from all three.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, answers_errors, caller, json_response, parse_body
from chalicelib.domain.instants import for_reader
from chalicelib.wiring import desk

portal_blueprint = Blueprint(__name__)
bp = portal_blueprint
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/portal/services", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def portal_services() -> Response:
    from chalicelib.services.portal import catalog_choices

    caller(bp.current_request)
    return json_response({"services": catalog_choices(desk().catalog_services())})


@bp.route("/portal/known-broken", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def known_broken() -> Response:
    who = caller(bp.current_request)
    zone = desk().directory.zone_of(who.user, None) or desk().settings.desk_timezone
    issues = [
        {**issue.to_dict(), "since_local": for_reader(issue.since, zone)} for issue in desk().known_broken.issues()
    ]
    return json_response({"issues": issues, "zone": zone})


@bp.route("/portal/suggestions", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def suggestions() -> Response:
    """What may already answer what a requester is typing: the known errors it matches (their
    title, the workaround and the words that matched) and the public knowledge articles."""
    from chalicelib.api.common import query_params, validate
    from chalicelib.api.portal_schemas import SuggestionsQuery

    who = caller(bp.current_request)
    query = validate(SuggestionsQuery, query_params(bp.current_request))
    service = query.service or None
    index = desk().problem_service.known_errors
    known = index.search(query.q, service, limit=3) if index is not None else []
    articles = desk().knowledge_service.search(query.q, service, who, 3)
    return json_response(
        {
            "known_errors": [
                {k: entry[k] for k in ("title", "workaround", "score", "matched")} for entry in known
            ],
            "articles": [
                {k: a.get(k) for k in ("name", "question", "answer", "score", "matched")} for a in articles
            ],
        },
        headers=NO_STORE,
    )


@bp.route("/tickets/{number}/moves", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def ticket_moves(number: str) -> Response:
    from chalicelib.services.portal import moves_for

    who = caller(bp.current_request)
    return json_response(moves_for(desk().ticket_service.get_ticket(number, who), who), headers=NO_STORE)


@bp.route(
    "/tickets/{number}/attachments", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def upload_form(number: str) -> Response:
    from chalicelib.api.portal_schemas import UploadBody

    request = bp.current_request
    who = caller(request)
    body = parse_body(request, UploadBody)
    form = desk().attachments.upload_form(number, who, body.filename, body.content_type, body.size)
    return json_response(form, 201, NO_STORE)


@bp.route(
    "/tickets/{number}/attachments", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def list_attachments(number: str) -> Response:
    who = caller(bp.current_request)
    files = desk().attachments.listing(number, who)
    return json_response({"ticket": number, "attachments": [f.to_dict() for f in files]}, headers=NO_STORE)


@bp.route(
    "/tickets/{number}/attachments/{attachment_id}",
    methods=["GET"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def download_attachment(number: str, attachment_id: str) -> Response:
    who = caller(bp.current_request)
    return json_response(desk().attachments.download(number, attachment_id, who), headers=NO_STORE)
