"""The Slack Web API (``chat.postMessage``, ``conversations.history``, ``chat.getPermalink``) and
the channel posting a ticket's updates in its Slack thread.

The API's base URL is configuration (``SLACK_API_URL``), so tests and ``make run`` talk to a local
fake; calls carry the bot token (``SLACK_BOT_TOKEN``) as a bearer token and JSON bodies, and an
answer with ``"ok": false`` is a failure naming Slack's error.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from chalicelib.config import Settings
from chalicelib.domain.notice import SLACK_THREAD, Notice
from chalicelib.notify.failures import DeliveryError
from chalicelib.notify.slack import HttpPost, urllib_post

#: Slack errors worth trying again later.
_RETRYABLE = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


class SlackWebApi:
    """One workspace's Web API through its bot token."""

    def __init__(self, base_url: str, token: str, post: HttpPost | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._post = post or urllib_post
        self.timeout = timeout
        #: How many calls this client made (the patrol's cost is asserted in requests).
        self.calls = 0

    def call(self, method: str, **arguments: Any) -> dict[str, Any]:
        """POST ``arguments`` as JSON to ``<base>/<method>``; the answer, or :class:`DeliveryError`."""
        body = json.dumps({k: v for k, v in arguments.items() if v is not None}).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"}
        self.calls += 1
        status, text = self._post(f"{self.base_url}/{urllib.parse.quote(method)}", body, headers, self.timeout)
        if status == 429 or status >= 500:
            raise DeliveryError(f"Slack {method} answered {status}", retryable=True)
        try:
            answer = json.loads(text)
        except ValueError:
            raise DeliveryError(f"Slack {method} answered {status} without JSON", retryable=status >= 500) from None
        if not isinstance(answer, dict) or not answer.get("ok"):
            error = str(answer.get("error") if isinstance(answer, dict) else "not an object")
            raise DeliveryError(f"Slack {method}: {error}", retryable=error in _RETRYABLE)
        return answer

    def post_message(self, channel: str, text: str, thread_ts: str | None = None) -> str:
        """Post ``text`` (in the thread of ``thread_ts``); returns the new message's ``ts``."""
        return str(self.call("chat.postMessage", channel=channel, text=text, thread_ts=thread_ts).get("ts", ""))

    def history(self, channel: str, oldest: str, limit: int = 200) -> list[dict[str, Any]]:
        """The channel's messages after ``oldest`` (a Slack ``ts``), newest first, every page."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            answer = self.call("conversations.history", channel=channel, oldest=oldest, limit=limit, cursor=cursor)
            out.extend(m for m in answer.get("messages", []) if isinstance(m, dict))
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
            if not answer.get("has_more") or not cursor:
                return out

    def permalink(self, channel: str, ts: str) -> str:
        return str(self.call("chat.getPermalink", channel=channel, message_ts=ts).get("permalink", ""))


class SlackThreads(Protocol):
    """Where each ticket opened from Slack has its thread (``chalicelib.storage.slack_threads``)."""

    def thread_of(self, ticket: str) -> tuple[str, str] | None:
        """(channel, thread ts) of the ticket's thread; None for a ticket not opened from Slack."""
        ...

    def remember(self, ticket: str, channel: str, ts: str) -> None: ...


class SlackThreadChannel:
    """Posts a requester notice of a ticket opened from Slack in that ticket's thread; a notice of
    any other ticket has nowhere to go there and is done."""

    name = SLACK_THREAD

    def __init__(self, api: SlackWebApi, threads: SlackThreads) -> None:
        self.api = api
        self.threads = threads

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> SlackThreadChannel | None:
        """On ``SLACK_BOT_TOKEN``; None without one."""
        if not settings.slack_bot_token:
            return None
        from chalicelib.storage.slack_threads import DynamoSlackThreads

        return cls(SlackWebApi(settings.slack_api_url, settings.slack_bot_token), DynamoSlackThreads())

    def send(self, notice: Notice) -> None:
        thread = self.threads.thread_of(notice.ticket) if notice.ticket else None
        if thread is None:
            return
        channel, ts = thread
        self.api.post_message(channel, thread_text(notice), thread_ts=ts)


def thread_text(notice: Notice) -> str:
    """A notice as a thread reply: its subject in bold, then its text."""
    return f"*{notice.subject}*\n{notice.text}"


def fake_answers(answers: Mapping[str, Any]) -> HttpPost:
    """An ``HttpPost`` answering each Web API method with ``answers[method]`` (tests, examples)."""

    def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
        return 200, json.dumps(answers[url.rsplit("/", 1)[-1]])

    return post
