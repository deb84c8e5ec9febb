"""Action links from notices: ``GET /links/{token}`` shows what the link will do, ``POST`` does it.

No bearer token: the link's signature is the authority (``chalicelib.services.action_links``). The page
is a small HTML form posting to its own address (an empty ``action``), so it works under any
API Gateway stage prefix; ``Accept: application/json`` gets the same answers as JSON. A used,
expired or altered link answers its 4xx with a sentence saying so.
"""

from __future__ import annotations

from html import escape

from chalice.app import Blueprint, Response

from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, json_response
from chalicelib.domain.errors import DeskError
from chalicelib.services.action_links import ActionLink, LinkInvalid
from chalicelib.wiring import desk

action_links_blueprint = Blueprint(__name__)
bp = action_links_blueprint

#: What each move says on the page, by its word.
QUESTIONS = {"confirm": "Confirm {ticket} is resolved?", "reopen": "Reopen {ticket}?"}
BUTTONS = {"confirm": "Yes, it is resolved", "reopen": "Reopen it"}
DONE = {"confirm": "Thank you: {ticket} is closed.", "reopen": "{ticket} is reopened; the desk is on it again."}
PAGE_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _wants_json() -> bool:
    accept = str(bp.current_request.headers.get("accept") or "")
    return "application/json" in accept and "text/html" not in accept


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return Response(body=html, status_code=status, headers=dict(PAGE_HEADERS))


def _refused(error: DeskError) -> Response:
    if _wants_json():
        return json_response(error.body(), error.status)
    return _page("This link cannot be used", f"<p>{escape(error.message)}</p>", error.status)


def _read(token: str) -> ActionLink:
    links = desk().action_links
    if links is None:
        raise LinkInvalid("this desk issues no action links", field="token")
    return links.read(token, desk().now())


@bp.route("/links/{token}", methods=["GET"])
def show_link(token: str) -> Response:
    try:
        link = _read(token)
        ticket = desk().ticket_service.link_target(link)
    except DeskError as error:
        return _refused(error)
    question = QUESTIONS[link.action].format(ticket=ticket.number)
    if _wants_json():
        return json_response(
            {
                "ticket": ticket.number,
                "title": ticket.title,
                "status": ticket.status,
                "action": link.action,
                "question": question,
                "expires_at": link.expires_at.isoformat(),
                "method": "POST",
            }
        )
    form = (
        f"<p>{escape(ticket.number)}: {escape(ticket.title)}</p>"
        f"<form method=\"post\" action=\"\"><button type=\"submit\">{escape(BUTTONS[link.action])}</button></form>"
    )
    return _page(question, form)


@bp.route("/links/{token}", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
def follow_link(token: str) -> Response:
    try:
        link = _read(token)
        ticket = desk().ticket_service.follow_link(link)
    except DeskError as error:  # an illegal move (e.g. past the reopen window) is a 409 saying so
        return _refused(error)
    done = DONE[link.action].format(ticket=ticket.number)
    if _wants_json():
        return json_response({"ticket": ticket.number, "status": ticket.status, "action": link.action, "done": done})
    return _page(done, f"<p>{escape(ticket.number)}: {escape(ticket.title)}</p>")
