"""Reads the patrolled Slack channels for the morning patrol (``chalicelib.domain.channel_patrol``).

One ``conversations.history`` call per channel (more only when a channel has more than a page of
messages since the last patrol) and one ``chat.getPermalink`` per finding. A channel Slack
refuses (not a member, unknown) is reported in the digest rather than failing the patrol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.domain.channel_patrol import Guess, channel_findings
from chalicelib.notify.failures import DeliveryError
from chalicelib.notify.slack_api import SlackWebApi
from chalicelib.observability import logger


class ChannelPatrol:
    def __init__(
        self, api: SlackWebApi, channels: Sequence[str], guess: Callable[[str], Guess | None], threshold: float
    ) -> None:
        self.api = api
        self.channels = tuple(channels)
        self.guess = guess
        self.threshold = threshold

    def read(self, since: datetime) -> list[dict[str, Any]]:
        """The findings of every patrolled channel since ``since``, each with its permalink."""
        out: list[dict[str, Any]] = []
        oldest = f"{since.timestamp():.6f}"
        for channel in self.channels:
            try:
                messages = self.api.history(channel, oldest)
                for finding in channel_findings(channel, reversed(messages), self.guess, self.threshold):
                    linked = replace(finding, permalink=self.api.permalink(channel, finding.ts))
                    out.append({**linked.to_dict(), "line": linked.line()})
            except DeliveryError as exc:
                logger.warning("slack channel not patrolled", extra={"channel": channel, "reason": str(exc)})
                out.append({"channel": channel, "kind": "unread", "why": str(exc)})
        return out
