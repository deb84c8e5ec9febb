"""The morning patrol of Slack channels (seed 000: "Morning patrol by Service Manager of tickets
and selected Slack channels"). Pure.

Of the messages posted in a patrolled channel since the last patrol, the digest lists:

* **unreported**: a message the classifier takes for an incident or a request with at least the
  patrol's confidence, that names no desk ticket (a number like ``INC-000123``);
* **unanswered**: a question (it has a ``?``) nobody replied to in its thread.

People's messages only: bots, joins and other ``subtype`` messages are left out, and so is a
message the desk itself answered (its thread names a ticket).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

UNREPORTED = "unreported"
UNANSWERED = "unanswered"
#: Types a message may look like that the desk should hear of.
REPORTABLE = ("incident", "service_request", "incident_or_request")
_TICKET = re.compile(r"\b(?:INC|REQ|CHG|PRB)-\d{6}\b")
#: The longest text a finding quotes.
QUOTE_MAX = 300


@dataclass(frozen=True)
class Guess:
    """What the classifier takes a message for, how sure it is, and why."""

    label: str
    confidence: float
    why: str


@dataclass(frozen=True)
class ChannelFinding:
    channel: str
    ts: str
    user: str
    text: str
    kind: str  # unreported | unanswered
    looks_like: str | None
    confidence: float | None
    why: str
    permalink: str = ""

    @property
    def posted_at(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), tz=timezone.utc)

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel, "ts": self.ts, "posted_at": self.posted_at.isoformat(), "user": self.user,
            "text": self.text, "kind": self.kind, "looks_like": self.looks_like,
            "confidence": None if self.confidence is None else round(self.confidence, 2),
            "why": self.why, "permalink": self.permalink,
        }

    def line(self) -> str:
        what = (f"looks like {str(self.looks_like).replace('_', ' ')} ({self.confidence:.2f})"
                if self.kind == UNREPORTED else "question nobody answered")
        return f"#{self.channel} <@{self.user}>: {self.text[:120]} [{what}] {self.permalink}"


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_MAX else flat[: QUOTE_MAX - 1] + "\u2026"


def channel_findings(
    channel: str,
    messages: Iterable[Mapping[str, Any]],
    guess: Callable[[str], Guess | None],
    threshold: float,
) -> list[ChannelFinding]:
    """The findings among ``messages`` (``conversations.history``'s), oldest first."""
    out = []
    for message in messages:
        if message.get("subtype") or message.get("bot_id") or not message.get("user"):
            continue
        text = str(message.get("text") or "").strip()
        if not text or _TICKET.search(text):
            continue
        ts = str(message.get("ts") or "")
        if not ts:
            continue
        found = guess(text)
        user = str(message["user"])
        if found is not None and found.label in REPORTABLE and found.confidence >= threshold:
            out.append(ChannelFinding(channel, ts, user, _quote(text), UNREPORTED, found.label, found.confidence,
                                      found.why))
        elif "?" in text and not int(message.get("reply_count") or 0):
            why = "no reply in its thread"
            out.append(ChannelFinding(channel, ts, user, _quote(text), UNANSWERED, None, None, why))
    return sorted(out, key=lambda f: float(f.ts))
