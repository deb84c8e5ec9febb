"""The Slack channel: posts a notice to an incoming webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.notice import SLACK, Notice
from chalicelib.notify.failures import DeliveryError
from chalicelib.notify.formatting import format_slack_message

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

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> SlackWebhookChannel | None:
        """On ``SLACK_WEBHOOK_URL``; None when no webhook is configured."""
        return cls(settings.slack_webhook_url) if settings.slack_webhook_url else None

    def send(self, notice: Notice) -> None:
        body = json.dumps(format_slack_message(notice)).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        status, answer = self._post(self.webhook_url, body, headers, self.timeout)
        if 200 <= status < 300:
            return
        retryable = status == 429 or status >= 500
        raise DeliveryError(f"Slack webhook answered {status}: {answer.strip()[:200]}", retryable=retryable)
