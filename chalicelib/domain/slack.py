"""Slack as an intake channel: request signatures, the slash command and the message shortcut. Pure.

Slack signs every request it sends (https://api.slack.com/authentication/verifying-requests-from-slack):
``X-Slack-Signature`` is ``v0=`` and the hex HMAC-SHA256, keyed with the app's signing secret,
of ``v0:{X-Slack-Request-Timestamp}:{raw body}``. A request without one, with a wrong one, or
whose timestamp is more than five minutes from now (a replay) is refused.

``/desk incident VPN is down`` (a slash command, form-encoded) and the message shortcut "open a
ticket from this message" (``payload``: a JSON ``message_action``) each become a
:class:`SlackIntake`: what the desk opens once it has acknowledged Slack.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Unauthorized, ValidationFailed

#: How far a request's timestamp may be from now, in seconds (Slack's own recommendation).
SIGNATURE_WINDOW_SECONDS = 300
#: The callback id of the message shortcut the Slack app declares.
SHORTCUT_CALLBACK = "open_ticket"
#: The words the slash command takes for each ticket type.
TYPE_WORDS: Mapping[str, str] = {
    "incident": "incident",
    "request": "service_request",
    "change": "change_request",
}
USAGE = "Usage: /desk incident|request|change <what happened>, e.g. /desk incident VPN is down"
TITLE_MAX = 200


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``v0=`` signature Slack sends with ``body`` at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_request(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> None:
    """Raise :class:`Unauthorized` naming the header unless Slack signed ``body`` within the window."""
    if not secret:
        raise Unauthorized("this desk has no Slack signing secret", field="X-Slack-Signature")
    if not timestamp or not signature:
        missing = "X-Slack-Request-Timestamp" if not timestamp else "X-Slack-Signature"
        raise Unauthorized("the request is not signed by Slack", field=missing)
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized("not a Unix time", field="X-Slack-Request-Timestamp") from None
    if abs(now.timestamp() - sent) > SIGNATURE_WINDOW_SECONDS:
        raise Unauthorized("the request is older than five minutes (a replay?)", field="X-Slack-Request-Timestamp")
    if not hmac.compare_digest(slack_signature(secret, timestamp, body), signature):
        raise Unauthorized("the signature does not match the body", field="X-Slack-Signature")


@dataclass(frozen=True)
class SlackIntake:
    """A ticket to open from Slack. ``key`` makes it once: the command's ``trigger_id``, or the
    message (channel and ``ts``) a shortcut was used on, so one message opens one ticket."""

    key: str
    source: str  # "command" | "shortcut"
    type: str
    title: str
    description: str
    team: str
    user: str
    user_name: str
    channel: str
    #: The message the ticket's thread hangs from (the shortcut's message); None: a new message.
    thread_ts: str | None = None
    permalink: str | None = None

    @property
    def requester(self) -> str:
        """The desk user a Slack user opens tickets as."""
        return f"slack:{self.user}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SlackIntake:
        return cls(**{key: doc.get(key) for key in cls.__dataclass_fields__})  # type: ignore[arg-type]


def _field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed([{"field": name, "reason": "is required"}])
    return value.strip()


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "\u2026"


def slash_command(form: Mapping[str, Any]) -> SlackIntake:
    """``/desk <type word> <text>`` as Slack posts it (``command``, ``text``, ``user_id``...);
    :class:`ValidationFailed` on ``text`` with the usage when the words do not fit."""
    text = str(form.get("text") or "").strip()
    word, _, rest = text.partition(" ")
    ticket_type = TYPE_WORDS.get(word.lower())
    if ticket_type is None or not rest.strip():
        raise ValidationFailed([{"field": "text", "reason": USAGE}])
    return SlackIntake(
        key=f"command:{_field(form, 'trigger_id')}",
        source="command",
        type=ticket_type,
        title=_title(rest),
        description=rest.strip(),
        team=_field(form, "team_id"),
        user=_field(form, "user_id"),
        user_name=str(form.get("user_name") or ""),
        channel=_field(form, "channel_id"),
    )


def message_shortcut(payload: Mapping[str, Any]) -> SlackIntake:
    """A ``message_action`` payload (the message shortcut) whose ``callback_id`` is
    :data:`SHORTCUT_CALLBACK`: an incident titled by the message's first line."""
    if payload.get("type") != "message_action":
        raise ValidationFailed([{"field": "payload.type", "reason": "only message shortcuts are handled"}])
    if payload.get("callback_id") != SHORTCUT_CALLBACK:
        raise ValidationFailed([{"field": "payload.callback_id", "reason": f"must be {SHORTCUT_CALLBACK}"}])
    message = payload.get("message")
    channel = payload.get("channel")
    user = payload.get("user")
    team = payload.get("team")
    if not isinstance(message, Mapping) or not isinstance(channel, Mapping) or not isinstance(user, Mapping):
        raise ValidationFailed([{"field": "payload", "reason": "needs message, channel and user objects"}])
    text = str(message.get("text") or "").strip()
    if not text:
        raise ValidationFailed([{"field": "payload.message.text", "reason": "the message has no text"}])
    ts = _field(message, "ts")
    channel_id = _field(channel, "id")
    author = message.get("user")
    return SlackIntake(
        key=f"message:{channel_id}:{ts}",
        source="shortcut",
        type="incident",
        title=_title(text),
        description=text + (f"\n\n(posted in Slack by <@{author}>)" if author else ""),
        team=str(team.get("id")) if isinstance(team, Mapping) else "",
        user=_field(user, "id"),
        user_name=str(user.get("username") or user.get("name") or ""),
        channel=channel_id,
        thread_ts=str(message.get("thread_ts") or ts),
    )


def acknowledgement(intake: SlackIntake) -> dict[str, Any]:
    """The answer Slack gets at once (shown to the user only); the ticket follows in the thread."""
    what = intake.type.replace("_", " ")
    return {"response_type": "ephemeral", "text": f"Opening a{'n' if what[0] in 'aeiou' else ''} {what}: "
            f"{intake.title}. Its number follows in a thread."}
