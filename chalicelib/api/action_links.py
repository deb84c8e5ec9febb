"""Action links from notices: ``GET /links/{token}`` shows what the link will do, ``POST`` does it.

A rate link's page is a form asking for a rating from 1 to 5 and an optional comment; its ``POST``
takes them as a form (``rating=4&comment=...``) or as JSON (``{"rating": 4, "comment": "..."}``).

No bearer token: the link's signature is the authority (``chalicelib.services.action_links``). The page
is a small HTML form posting to its own address (an empty ``action``), so it works under any
API Gateway stage prefix; ``Accept: application/json`` gets the same answers as JSON. A used,
expired or altered link answers its 4xx with a sentence saying so.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response

from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, body_bytes, json_response, read_json
from chalicelib.domain.errors import DeskError, ValidationFailed
from chalicelib.domain.satisfaction import COMMENT_MAX, RATING_MAX, RATING_MIN
from chalicelib.services.action_links import RATE, ActionLink, LinkInvalid
from chalicelib.wiring import desk

action_links_blueprint = Blueprint(__name__)
bp = action_links_blueprint

#: What each move says on the page, by its word.
QUESTIONS = {
    "confirm": "Confirm {ticket} is resolved?",
    "reopen": "Reopen {ticket}?",
    "rate": "How satisfied are you with how {ticket} was handled?",
}
BUTTONS = {"confirm": "Yes, it is resolved", "reopen": "Reopen it", "rate": "Send my rating"}
DONE = {
    "confirm": "Thank you: {ticket} is closed.",
    "reopen": "{ticket} is reopened; the desk is on it again.",
    "rate": "Thank you: your rating of {ticket} is recorded.",
}
#: The words of the rating scale, from 1 to 5.
RATING_WORDS = {1: "very dissatisfied", 2: "dissatisfied", 3: "neutral", 4: "satisfied", 5: "very satisfied"}
#: The largest rating form body read (a comment of COMMENT_MAX characters, each escaped to 12 bytes).
MAX_RATING_BODY_BYTES = COMMENT_MAX * 12 + 1024
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


def _target(link: ActionLink) -> Any:
    if link.action == RATE:
        return desk().satisfaction.link_target(link)
    return desk().ticket_service.link_target(link)


def _rating_form() -> str:
    """The rating's fields: a group of five labelled radio buttons and a labelled comment."""
    choices = "".join(
        f'<div><input type="radio" id="rating-{n}" name="rating" value="{n}" required>'
        f'<label for="rating-{n}">{n}: {escape(RATING_WORDS[n])}</label></div>'
        for n in range(RATING_MIN, RATING_MAX + 1)
    )
    return (
        f"<fieldset><legend>Your rating, from {RATING_MIN} (very dissatisfied) to {RATING_MAX} (very satisfied)"
        f"</legend>{choices}</fieldset>"
        f'<p><label for="comment">Comment (optional, at most {COMMENT_MAX} characters)</label><br>'
        f'<textarea id="comment" name="comment" maxlength="{COMMENT_MAX}" rows="4" cols="50"></textarea></p>'
    )


def _rating_body() -> tuple[Any, Any]:
    """The rating and comment a rate link's ``POST`` carries (a form or JSON); the rating of a
    form is its digits as a number, anything else is left for the rules to refuse."""
    request = bp.current_request
    raw = body_bytes(request)
    if len(raw) > MAX_RATING_BODY_BYTES:
        raise ValidationFailed([{"field": "body", "reason": f"larger than {MAX_RATING_BODY_BYTES} bytes"}])
    content_type = str(request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed([{"field": "body", "reason": "not valid UTF-8"}]) from None
    if content_type == "application/json":
        data = read_json(request)
        if not isinstance(data, dict):
            raise ValidationFailed([{"field": "body", "reason": "must be a JSON object"}])
        return data.get("rating"), data.get("comment")
    fields = parse_qs(text, keep_blank_values=True)
    rating: Any = fields["rating"][0] if fields.get("rating") else None
    if isinstance(rating, str) and rating.isascii() and rating.isdigit() and len(rating) <= 3:
        rating = int(rating)
    comment = fields["comment"][0] if fields.get("comment") else None
    return rating, comment or None


@bp.route("/links/{token}", methods=["GET"])
def show_link(token: str) -> Response:
    try:
        link = _read(token)
        ticket = _target(link)
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
                **({"fields": {"rating": f"{RATING_MIN}-{RATING_MAX}", "comment": f"optional, at most {COMMENT_MAX}"}}
                   if link.action == RATE else {}),
            }
        )
    fields = _rating_form() if link.action == RATE else ""
    form = (
        f"<p>{escape(ticket.number)}: {escape(ticket.title)}</p>"
        f"<form method=\"post\" action=\"\">{fields}"
        f"<button type=\"submit\">{escape(BUTTONS[link.action])}</button></form>"
    )
    return _page(question, form)


@bp.route("/links/{token}", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
def follow_link(token: str) -> Response:
    try:
        link = _read(token)
        if link.action == RATE:
            return _rated(link)
        ticket = desk().ticket_service.follow_link(link)
    except DeskError as error:  # an illegal move (e.g. past the reopen window) is a 409 saying so
        return _refused(error)
    done = DONE[link.action].format(ticket=ticket.number)
    if _wants_json():
        return json_response({"ticket": ticket.number, "status": ticket.status, "action": link.action, "done": done})
    return _page(done, f"<p>{escape(ticket.number)}: {escape(ticket.title)}</p>")


def _rated(link: ActionLink) -> Response:
    rating, comment = _rating_body()
    rated = desk().satisfaction.rate_by_link(link, rating, comment)
    done = DONE[RATE].format(ticket=link.ticket)
    if _wants_json():
        return json_response(
            {"ticket": link.ticket, "action": RATE, "rating": rated.rating, "comment": rated.comment, "done": done}
        )
    return _page(done, f"<p>{escape(link.ticket)}: {rated.rating}/{RATING_MAX}</p>")
