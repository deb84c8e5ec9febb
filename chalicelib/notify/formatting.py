"""How a notice reads: the SLA alert line, the Slack message and the email.

Pure functions of a :class:`~chalicelib.domain.notice.Notice` (no I/O); the channels in
``chalicelib.notify`` send what these return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.instants import format_span
from chalicelib.domain.notice import COMPLETION, REQUESTER_KINDS, Notice

#: Slack refuses a section text longer than this.
SLACK_TEXT_MAX = 3000


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
    follow the ticket; a completion offers the ``confirm_link``, ``reopen_link`` and ``rate_link``
    of ``data`` (the ticket link when they are missing), and a status change offers them when present.
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
            if data.get("rate_link"):
                lines.append(f"How did we do? Rate it from 1 to 5: {data['rate_link']}")
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
