"""Problem routes: the record, a problem opened from an incident, publishing the workaround."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Request, Response

from chalicelib.api.auth import desk_authorizer
from chalicelib.api.common import (
    ACCEPTED_CONTENT_TYPES,
    answers_errors,
    body_bytes,
    caller,
    count_param,
    json_response,
    query_params,
    read_json,
)
from chalicelib.api.tickets import shown
from chalicelib.domain import validation as check
from chalicelib.domain.validation import Problems
from chalicelib.services.tickets import ticket_view
from chalicelib.wiring import desk

problems_blueprint = Blueprint(__name__)
bp = problems_blueprint


def _request() -> Request:
    return bp.current_request


def _object(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The JSON object body (an empty body is ``{}`` when ``optional``)."""
    if optional and not body_bytes(request):
        return {}
    body = read_json(request)
    return dict(check.require_mapping(body, "body"))


def full_view(ticket: Any, who: Any) -> dict[str, Any]:
    """A ticket's view with what the problem process adds (its incidents, its problem)."""
    return shown({**ticket_view(ticket, who), **desk().problem_service.related(ticket, who)}, who)


@bp.route(
    "/tickets/{number}/problem", methods=["PUT"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def record_problem(number: str) -> Response:
    request = _request()
    who = caller(request)
    ticket = desk().problem_service.record(number, _object(request), who)
    return json_response(full_view(ticket, who))


@bp.route(
    "/tickets/{number}/problem-from", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def problem_from_incident(number: str) -> Response:
    request = _request()
    who = caller(request)
    body = _object(request, optional=True)
    problems = Problems()
    check.unknown_fields(body, ("title",), problems)
    title = check.text(body.get("title"), "title", problems, required=False, max_length=200)
    problems.check()
    problem = desk().problem_service.open_from(number, who, title)
    return json_response(full_view(problem, who), 201)


@bp.route(
    "/tickets/{number}/workaround/publish",
    methods=["POST"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def publish_workaround(number: str) -> Response:
    who = caller(_request())
    return json_response(desk().problem_service.publish_workaround(number, who))


@bp.route("/known-errors", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def known_errors() -> Response:
    request = _request()
    who = caller(request)
    params = query_params(request)
    problems = Problems()
    check.unknown_fields(params, ("q", "service", "limit"), problems)
    text = check.text(params.get("q"), "q", problems, required=True, max_length=2_000)
    service = params.get("service") or None
    limit = count_param(params, "limit", 10, 1, 20)
    problems.check()
    found = desk().problem_service.search_known_errors(text or "", service, limit, who)
    return json_response({"known_errors": found})


@bp.route(
    "/problems/candidates/scan", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def scan_candidates() -> Response:
    who = caller(_request())
    found = desk().candidate_finder.run_now(who)
    return json_response({"new": [c.to_dict() for c in found]})


@bp.route("/problems/candidates", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def list_candidates() -> Response:
    request = _request()
    who = caller(request)
    params = query_params(request)
    problems = Problems()
    check.unknown_fields(params, ("state", "limit"), problems)
    problems.check()
    limit = count_param(params, "limit", 50, 1, 100)
    found = desk().candidate_finder.listed(params.get("state") or "new", limit, who)
    return json_response({"candidates": [c.to_dict() for c in found]})


@bp.route(
    "/problems/candidates/{candidate_id}/accept",
    methods=["POST"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def accept_candidate(candidate_id: str) -> Response:
    request = _request()
    who = caller(request)
    body = _object(request, optional=True)
    problems = Problems()
    check.unknown_fields(body, ("title",), problems)
    title = check.text(body.get("title"), "title", problems, required=False, max_length=200)
    problems.check()
    candidate, problem = desk().candidate_finder.accept(candidate_id, who, title)
    return json_response({"candidate": candidate.to_dict(), "problem": full_view(problem, who)}, 201)


@bp.route(
    "/problems/candidates/{candidate_id}/dismiss",
    methods=["POST"],
    authorizer=desk_authorizer,
    content_types=ACCEPTED_CONTENT_TYPES,
)
@answers_errors
def dismiss_candidate(candidate_id: str) -> Response:
    who = caller(_request())
    return json_response({"candidate": desk().candidate_finder.dismiss(candidate_id, who).to_dict()})


# -- the knowledge base --------------------------------------------------------------------------


@bp.route("/knowledge", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def search_knowledge() -> Response:
    request = _request()
    who = caller(request)
    params = query_params(request)
    problems = Problems()
    check.unknown_fields(params, ("q", "service", "limit"), problems)
    text = check.text(params.get("q"), "q", problems, required=False, max_length=2_000) if params.get("q") else None
    problems.check()
    limit = count_param(params, "limit", 20, 1, 100)
    found = desk().knowledge_service.search(text, params.get("service") or None, who, limit)
    return json_response({"articles": found})


@bp.route("/knowledge", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def write_article() -> Response:
    from chalicelib.services.knowledge import article_view

    request = _request()
    who = caller(request)
    return json_response(article_view(desk().knowledge_service.create(_object(request), who)), 201)


@bp.route("/knowledge/{name}", methods=["GET"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def read_article(name: str) -> Response:
    from chalicelib.services.knowledge import article_view

    request = _request()
    who = caller(request)
    params = query_params(request)
    version = count_param(params, "version", 0, 1, 999_999) if "version" in params else None
    return json_response(article_view(desk().knowledge_service.get(name, version, who)))


@bp.route("/knowledge/{name}", methods=["PUT"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def edit_article(name: str) -> Response:
    from chalicelib.services.knowledge import article_view

    request = _request()
    who = caller(request)
    return json_response(article_view(desk().knowledge_service.update(name, _object(request), who)))


@bp.route(
    "/tickets/{number}/knowledge", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def article_from_ticket(number: str) -> Response:
    from chalicelib.services.knowledge import article_view

    request = _request()
    who = caller(request)
    body = _object(request, optional=True)
    problems = Problems()
    check.unknown_fields(body, ("name", "question", "answer", "audience"), problems)
    check.text(body.get("question"), "question", problems, required=False, max_length=500)
    check.text(body.get("answer"), "answer", problems, required=False, max_length=20_000)
    problems.check()
    return json_response(article_view(desk().knowledge_service.from_ticket(number, body, who)), 201)


@bp.route(
    "/tickets/{number}/answer", methods=["POST"], authorizer=desk_authorizer, content_types=ACCEPTED_CONTENT_TYPES
)
@answers_errors
def answer_with_article(number: str) -> Response:
    request = _request()
    who = caller(request)
    body = _object(request)
    problems = Problems()
    check.unknown_fields(body, ("article", "version", "resolve"), problems)
    name = check.name(body.get("article"), "article", problems)
    version = check.positive_int(body.get("version"), "version", problems) if "version" in body else 0
    if "version" not in body:
        problems.fail("version", "is required")
    resolve = check.flag(body.get("resolve"), "resolve", problems, False)
    problems.check()
    ticket = desk().knowledge_service.answer(number, name or "", version, who, resolve=resolve)
    return json_response(full_view(ticket, who))
