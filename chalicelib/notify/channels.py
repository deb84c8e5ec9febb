"""Notices and the channels that deliver them, behind one interface.

A :class:`Notice` is what the desk wants someone to know: an SLA warning or breach, an
escalation, a requester's acknowledgement, status change or completion, the morning patrol. It
carries a deterministic ``notice_id`` given by its producer (a sweep derives it from the alert or
escalation step id), so a queue consumer that is retried can recognise what it already sent.
Notices travel through a queue as JSON: :meth:`Notice.to_dict` / :meth:`Notice.from_dict`.

A :class:`Channel` has a ``name`` and ``send(notice)``; it raises :class:`DeliveryError` with
``retryable`` telling the queue consumer whether to try again (throttling, 5xx, network) or to
give up and let the message go to the dead-letter queue (bad address, rejected message).

Channels: :class:`SnsChannel` (a topic), :class:`SlackWebhookChannel` (an incoming webhook),
:class:`SesEmailChannel` (email through SES) and :class:`OutboxChannel` (keeps every notice; the
local and test stand-in, and the audit copy). AWS clients are passed in, never created here.

``Notice.data`` carries the facts the texts and quiet hours use; every key is optional:
``type``, ``priority``, ``title``, ``status``, ``tags``, ``els_until`` (ISO instant), ``clock``,
``alert`` ("warning" | "breach"), ``at`` (ISO instant of the alert), ``left_seconds``,
``assignee``, ``group``, ``requester``, ``confirm_link`` and ``reopen_link``.
"""

from __future__ import annotations

import json
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.instants import format_span
from chalicelib.domain.instants import iso as _iso
from chalicelib.domain.instants import parse_instant as _parse_instant

SLA_WARNING = "sla_warning"
SLA_BREACH = "sla_breach"
ESCALATION = "escalation"
ACKNOWLEDGEMENT = "acknowledgement"
STATUS_CHANGE = "status_change"
COMPLETION = "completion"
PATROL = "patrol"
NOTICE_KINDS = (SLA_WARNING, SLA_BREACH, ESCALATION, ACKNOWLEDGEMENT, STATUS_CHANGE, COMPLETION, PATROL)
#: Notices addressed to the requester, written for an end user rather than for staff.
REQUESTER_KINDS = (ACKNOWLEDGEMENT, STATUS_CHANGE, COMPLETION)

SNS = "sns"
SLACK = "slack"
EMAIL = "email"
OUTBOX = "outbox"
CHANNEL_NAMES = (SNS, SLACK, EMAIL, OUTBOX)

#: SNS refuses a Subject longer than this.
SNS_SUBJECT_MAX = 100
#: Slack refuses a section text longer than this.
SLACK_TEXT_MAX = 3000
_RETRYABLE_AWS_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalError",
        "InternalFailure",
        "InternalErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "KMSThrottling",
    }
)


class DeliveryError(Exception):
    """A notice could not be delivered. ``retryable``: trying again later may succeed."""

    def __init__(self, reason: str, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True)
class Notice:
    """One message to one recipient over one channel."""

    notice_id: str
    kind: str
    ticket: str | None
    #: A user id, group, role or address, as the channel understands it (an email address for ``email``).
    recipient: str
    channel: str
    subject: str
    text: str
    created_at: datetime
    link: str | None = None
    #: May interrupt the recipient outside working hours (a page).
    urgent: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    #: Hold delivery until this instant (quiet hours); None: at once.
    deliver_after: datetime | None = None

    def with_delivery_after(self, moment: datetime | None) -> Notice:
        return replace(self, deliver_after=moment)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (instants as ISO-8601 UTC); ``data`` must itself be JSON-able."""
        return {
            "notice_id": self.notice_id,
            "kind": self.kind,
            "ticket": self.ticket,
            "recipient": self.recipient,
            "channel": self.channel,
            "subject": self.subject,
            "text": self.text,
            "link": self.link,
            "urgent": self.urgent,
            "data": dict(self.data),
            "created_at": _iso(self.created_at),
            "deliver_after": _iso(self.deliver_after),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Notice:
        """The inverse of :meth:`to_dict`; ``ValidationFailed`` listing every problem."""
        if not isinstance(doc, Mapping):
            raise ValidationFailed([{"field": "notice", "reason": "must be an object"}])
        errors: list[dict[str, str]] = []
        for key in ("notice_id", "recipient", "subject", "text"):
            if not isinstance(doc.get(key), str) or (key in ("notice_id", "recipient") and not doc.get(key)):
                errors.append({"field": key, "reason": "is required (a string)"})
        if doc.get("kind") not in NOTICE_KINDS:
            errors.append({"field": "kind", "reason": f"must be one of {', '.join(NOTICE_KINDS)}"})
        if doc.get("channel") not in CHANNEL_NAMES:
            errors.append({"field": "channel", "reason": f"must be one of {', '.join(CHANNEL_NAMES)}"})
        ticket = doc.get("ticket")
        if ticket is not None and not isinstance(ticket, str):
            errors.append({"field": "ticket", "reason": "must be a ticket number or null"})
        link = doc.get("link")
        if link is not None and not isinstance(link, str):
            errors.append({"field": "link", "reason": "must be a URL or null"})
        urgent = doc.get("urgent", False)
        if not isinstance(urgent, bool):
            errors.append({"field": "urgent", "reason": "must be true or false"})
        data = doc.get("data") or {}
        if not isinstance(data, Mapping):
            errors.append({"field": "data", "reason": "must be an object"})
        created = _parse_instant(doc.get("created_at"), "created_at", errors)
        after = doc.get("deliver_after")
        deliver_after = None if after is None else _parse_instant(after, "deliver_after", errors)
        if errors or created is None:
            raise ValidationFailed(errors)
        return cls(
            notice_id=str(doc["notice_id"]),
            kind=str(doc["kind"]),
            ticket=ticket,
            recipient=str(doc["recipient"]),
            channel=str(doc["channel"]),
            subject=str(doc["subject"]),
            text=str(doc["text"]),
            link=link,
            urgent=urgent,
            data=dict(data),
            created_at=created,
            deliver_after=deliver_after,
        )

    @classmethod
    def from_json(cls, text: str) -> Notice:
        return cls.from_dict(json.loads(text))


class Channel(Protocol):
    """Delivers notices; raises :class:`DeliveryError` when it cannot."""

    @property
    def name(self) -> str: ...

    def send(self, notice: Notice) -> None: ...


def deliver(notice: Notice, channels: Mapping[str, Channel]) -> None:
    """Send ``notice`` through the channel it names; a channel not configured is a non-retryable failure."""
    channel = channels.get(notice.channel)
    if channel is None:
        raise DeliveryError(f"channel {notice.channel!r} is not configured", retryable=False)
    channel.send(notice)


# ============================================================================================
# Texts


def format_left(seconds: float | None) -> str:
    """Time left in words: ``"0 min"``, ``"45 min"``, ``"1 h 30 min"``, ``"2 d 3 h"``."""
    return format_span(seconds)


def _clock_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M UTC")


def sla_alert_text(
    ticket: str,
    *,
    priority: str | None,
    title: str | None,
    clock: str,
    alert: str,
    at: datetime,
    left_seconds: float | None,
    assignee: str | None,
    group: str | None,
    link: str | None = None,
    threshold: float | None = None,
) -> str:
    """The one-line text of an SLA notice, e.g. ``"INC-000042 (P2, Printer offline): resolution clock
    breached at 14:05 UTC; 0 min left. Assigned to ann (network). https://desk/tickets/INC-000042"``."""
    about = ", ".join(part for part in (priority, title) if part)
    head = f"{ticket} ({about})" if about else ticket
    clock_name = clock.replace("_", " ")
    if alert == "breach":
        what = f"{clock_name} clock breached at {_clock_time(at)}"
    else:
        share = f" {threshold:.0%}" if threshold is not None else ""
        what = f"{clock_name} clock reached its{share} warning at {_clock_time(at)}"
    left = "0 min" if alert == "breach" and left_seconds is None else format_left(left_seconds)
    if assignee:
        owner = f"Assigned to {assignee}" + (f" ({group})" if group else "")
    else:
        owner = f"Unassigned (group {group})" if group else "Unassigned"
    text = f"{head}: {what}; {left} left. {owner}."
    return f"{text} {link}" if link else text


def _slack_escape(text: str) -> str:
    """Slack mrkdwn control characters: ``&``, ``<`` and ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_slack_message(notice: Notice) -> dict[str, Any]:
    """A Slack webhook payload: ``text`` (the notification fallback) and ``blocks`` in mrkdwn.

    The first block names the ticket (linked), the subject and the text; a fields block shows the
    clock, the time left, the priority and the owner when the notice's ``data`` has them; a context
    line names the kind and links the ticket.
    """
    data = notice.data
    marker = ":rotating_light: *URGENT* " if notice.urgent else ""
    ticket = notice.ticket or ""
    if ticket and notice.link:
        ticket_ref = f"*<{notice.link}|{_slack_escape(ticket)}>* "
    elif ticket:
        ticket_ref = f"*{_slack_escape(ticket)}* "
    else:
        ticket_ref = ""
    headline = f"{marker}{ticket_ref}{_slack_escape(notice.subject)}"
    body = _clip(f"{headline}\n{_slack_escape(notice.text)}", SLACK_TEXT_MAX)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": body}}]

    fields: list[dict[str, str]] = []
    if data.get("clock"):
        clock = str(data["clock"]).replace("_", " ")
        state = " (breached)" if data.get("alert") == "breach" else ""
        fields.append({"type": "mrkdwn", "text": f"*Clock*\n{_slack_escape(clock)}{state}"})
    if "left_seconds" in data:
        left = data.get("left_seconds")
        fields.append({"type": "mrkdwn", "text": f"*Time left*\n{format_left(left if left is None else float(left))}"})
    if data.get("priority"):
        fields.append({"type": "mrkdwn", "text": f"*Priority*\n{_slack_escape(str(data['priority']))}"})
    if data.get("assignee") or data.get("group"):
        owner = str(data.get("assignee") or "unassigned")
        if data.get("group"):
            owner += f" ({data['group']})"
        fields.append({"type": "mrkdwn", "text": f"*Assigned to*\n{_slack_escape(owner)}"})
    if fields:
        blocks.append({"type": "section", "fields": fields})

    context = notice.kind.replace("_", " ")
    if notice.link:
        context += f" · <{notice.link}|Open {_slack_escape(ticket) if ticket else 'link'}>"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})

    fallback = f"{'URGENT ' if notice.urgent else ''}{notice.subject}: {notice.text}"
    if notice.link and notice.link not in notice.text:
        fallback += f" {notice.link}"
    return {"text": _clip(fallback, SLACK_TEXT_MAX), "blocks": blocks}


def format_email(notice: Notice) -> tuple[str, str]:
    """``(subject, plain-text body)``.

    Requester notices (acknowledgement, status change, completion) tell the requester how to
    follow the ticket; a completion offers the ``confirm_link`` and ``reopen_link`` of ``data``
    (the ticket link when they are missing), and a status change offers them when present.
    """
    data = notice.data
    subject = notice.subject.strip() or (notice.text.splitlines()[0] if notice.text else notice.kind)
    subject = " ".join(subject.split())
    if notice.urgent and not subject.upper().startswith("URGENT"):
        subject = f"URGENT: {subject}"
    lines = [notice.text.rstrip(), ""]
    confirm, reopen = data.get("confirm_link"), data.get("reopen_link")
    if notice.kind == COMPLETION:
        if confirm or reopen:
            if confirm:
                lines.append(f"If this solves it, please confirm: {confirm}")
            if reopen:
                lines.append(f"If it does not, reopen the ticket: {reopen}")
        elif notice.link:
            lines.append(f"Confirm the solution or reopen the ticket here: {notice.link}")
        lines.append("")
    elif notice.kind in REQUESTER_KINDS:
        if notice.link:
            lines.append(f"Follow your ticket here: {notice.link}")
        if confirm:
            lines.append(f"Confirm the solution: {confirm}")
        if reopen:
            lines.append(f"Reopen the ticket: {reopen}")
        lines.append("")
    elif notice.link and notice.link not in notice.text:
        lines.extend([notice.link, ""])
    reference = f"Ticket {notice.ticket}, " if notice.ticket else ""
    lines.extend(["--", f"{reference}notice {notice.notice_id}"])
    return subject, "\n".join(lines) + "\n"


# ============================================================================================
# Channels


def _aws_failure(what: str, exc: Exception) -> DeliveryError:
    """Map a botocore error to a :class:`DeliveryError`: throttling, 5xx and network are retryable."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error") or {}
        code = str(error.get("Code", ""))
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        retryable = code in _RETRYABLE_AWS_CODES or status >= 500 or status == 429
        return DeliveryError(f"{what} failed: {code or 'error'}: {error.get('Message', exc)}", retryable=retryable)
    return DeliveryError(f"{what} failed: {exc}", retryable=True)  # connection, timeout: try again


def sns_subject(text: str) -> str:
    """An SNS Subject: printable ASCII on one line, at most :data:`SNS_SUBJECT_MAX` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    one_line = " ".join("".join(ch if ch.isprintable() else " " for ch in ascii_text).split())
    if len(one_line) > SNS_SUBJECT_MAX:
        one_line = one_line[: SNS_SUBJECT_MAX - 3].rstrip() + "..."
    return one_line or "Service desk notice"


class SnsChannel:
    """Publishes to one SNS topic; attributes ``kind``, ``ticket`` and ``urgent`` let subscriptions filter."""

    name = SNS

    def __init__(self, sns_client: Any, topic_arn: str) -> None:
        self._sns = sns_client
        self.topic_arn = topic_arn

    def send(self, notice: Notice) -> None:
        attributes: dict[str, dict[str, str]] = {
            "kind": {"DataType": "String", "StringValue": notice.kind},
            "urgent": {"DataType": "String", "StringValue": "true" if notice.urgent else "false"},
            "notice_id": {"DataType": "String", "StringValue": notice.notice_id},
        }
        if notice.ticket:
            attributes["ticket"] = {"DataType": "String", "StringValue": notice.ticket}
        message = notice.text
        if notice.link and notice.link not in message:
            message = f"{message}\n{notice.link}"
        try:
            self._sns.publish(
                TopicArn=self.topic_arn,
                Subject=sns_subject(notice.subject),
                Message=message,
                MessageAttributes=attributes,
            )
        except Exception as exc:
            raise _aws_failure("SNS publish", exc) from exc


#: ``post(url, body, headers, timeout) -> (status, response body)``.
HttpPost = Callable[[str, bytes, Mapping[str, str], float], tuple[int, str]]


def urllib_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """An HTTP POST through ``urllib.request``: any status comes back; network failures are retryable."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"Slack webhook unreachable: {exc}", retryable=True) from exc


class SlackWebhookChannel:
    """Posts to a Slack incoming webhook (``format_slack_message``). 429 and 5xx are retryable."""

    name = SLACK

    def __init__(self, webhook_url: str, post: HttpPost | None = None, timeout: float = 10.0) -> None:
        if not webhook_url.startswith("https://"):
            raise ValueError("the Slack webhook URL must be an https:// URL")
        self.webhook_url = webhook_url
        self._post = post or urllib_post
        self.timeout = timeout

    def send(self, notice: Notice) -> None:
        body = json.dumps(format_slack_message(notice)).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        status, answer = self._post(self.webhook_url, body, headers, self.timeout)
        if 200 <= status < 300:
            return
        retryable = status == 429 or status >= 500
        raise DeliveryError(f"Slack webhook answered {status}: {answer.strip()[:200]}", retryable=retryable)


class SesEmailChannel:
    """Sends a plain-text email through SES (``format_email``); the recipient must be an email address."""

    name = EMAIL

    def __init__(self, ses_client: Any, sender: str, reply_to: str | None = None) -> None:
        self._ses = ses_client
        self.sender = sender
        self.reply_to = reply_to

    def send(self, notice: Notice) -> None:
        if "@" not in notice.recipient:
            raise DeliveryError(
                f"recipient {notice.recipient!r} is not an email address; resolve it before sending", retryable=False
            )
        subject, body = format_email(notice)
        request: dict[str, Any] = {
            "Source": self.sender,
            "Destination": {"ToAddresses": [notice.recipient]},
            "Message": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        }
        if self.reply_to:
            request["ReplyToAddresses"] = [self.reply_to]
        try:
            self._ses.send_email(**request)
        except Exception as exc:
            raise _aws_failure("SES send_email", exc) from exc


class OutboxChannel:
    """Keeps every notice through ``store`` (a callable; DynamoDB in the stack, ``list.append`` in tests).

    Without a ``store`` the notices are kept in :attr:`notices`. A failing store is retryable.
    """

    name = OUTBOX

    def __init__(self, store: Callable[[Notice], object] | None = None) -> None:
        self.notices: list[Notice] = []
        self._store: Callable[[Notice], object] = store or self.notices.append

    def send(self, notice: Notice) -> None:
        try:
            self._store(notice)
        except DeliveryError:
            raise
        except Exception as exc:
            raise DeliveryError(f"outbox store failed: {exc}", retryable=True) from exc
