"""Slack's requests: ``POST /slack/commands`` (the ``/desk`` slash command) and
``POST /slack/interactions`` (the "open a ticket from this message" shortcut).

No bearer token: Slack's signature over the raw body is the authority (``chalicelib.domain.slack``);
an unsigned, mis-signed or replayed request is a 401, logged. A verified request is answered at
once with the acknowledgement Slack shows its user; the ticket is opened through the notice
queue (``chalicelib.services.slack``). A command whose words do not fit is answered with the
usage, as Slack shows answers (200, only to that user); a malformed body is a 400.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, answers_errors, body_bytes, json_response, signed
from chalicelib.domain.errors import Unauthorized, ValidationFailed
from chalicelib.observability import logger
from chalicelib.wiring import desk

slack_blueprint = Blueprint(__name__)
bp = slack_blueprint

#: The largest body Slack sends that the desk reads (a shortcut carries one message).
MAX_SLACK_BODY = 64 * 1024


def _verified_form() -> dict[str, str]:
    """The request's form fields, once Slack's signature over its body checks out."""
    from chalicelib.domain.slack import verify_slack_request

    request = bp.current_request
    raw = body_bytes(request)
    try:
        verify_slack_request(
            desk().settings.slack_signing_secret,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
            raw,
            desk().now(),
        )
    except Unauthorized as refused:
        logger.warning("slack request refused", extra={"path": request.path, "reason": refused.message})
        raise
    if len(raw) > MAX_SLACK_BODY:
        raise ValidationFailed([{"field": "body", "reason": f"larger than {MAX_SLACK_BODY} bytes"}])
    content_type = str(request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise ValidationFailed([{"field": "Content-Type", "reason": "must be application/x-www-form-urlencoded"}])
    try:
        fields = urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ValidationFailed([{"field": "body", "reason": "not valid UTF-8"}]) from None
    return {name: values[0] for name, values in fields.items()}


def _accepted(intake: Any) -> Response:
    from chalicelib.domain.slack import acknowledgement

    if not desk().slack_intake.accept(intake):
        return json_response({"response_type": "ephemeral", "text": "A ticket is already being opened for this."})
    return json_response(acknowledgement(intake))


@bp.route("/slack/commands", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
@signed
def slash_command() -> Response:
    """Slack's ``/desk`` slash command (form-encoded, signed): acknowledged at once, opened behind it."""
    from chalicelib.domain.slack import slash_command as parse_command

    form = _verified_form()
    try:
        intake = parse_command(form)
    except ValidationFailed as wrong:
        if wrong.field != "text":
            raise
        return json_response({"response_type": "ephemeral", "text": wrong.errors[0]["reason"]})
    return _accepted(intake)


@bp.route("/slack/interactions", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
@signed
def interaction() -> Response:
    """Slack's message shortcut "open a ticket from this message" (``payload`` JSON, signed)."""
    from chalicelib.domain.slack import message_shortcut

    form = _verified_form()
    if "payload" not in form:
        raise ValidationFailed([{"field": "payload", "reason": "is required (Slack's interaction JSON)"}])
    try:
        payload = json.loads(form["payload"])
    except ValueError as exc:
        raise ValidationFailed([{"field": "payload", "reason": f"not valid JSON: {exc}"}]) from None
    if not isinstance(payload, dict):
        raise ValidationFailed([{"field": "payload", "reason": "must be a JSON object"}])
    return _accepted(message_shortcut(payload))
