"""A local fake of the Slack Web API: answers ``chat.postMessage``, ``conversations.history`` and
``chat.getPermalink`` as Slack documents them, and records every call (no workspace is contacted).

Used in-process as the desk's ``http_post`` (``wiring.bootstrap(http_post=fake)``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeSlackApi:
    #: channel -> messages (newest first, as conversations.history answers)
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    token: str = "xoxb-test-token"
    next_ts: float = 1764500000.000100
    #: Slack user id -> the e-mail address ``users.info`` tells.
    emails: dict[str, str] = field(default_factory=dict)
    #: Answer the next call with this error (``{"ok": false, "error": ...}``), once.
    fail_with: str | None = None

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
        method = url.rsplit("/", 1)[-1]
        args = json.loads(body)
        self.calls.append((method, args, headers.get("Authorization", "")))
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 200, json.dumps({"ok": False, "error": "invalid_auth"})
        if self.fail_with:
            error, self.fail_with = self.fail_with, None
            return 200, json.dumps({"ok": False, "error": error})
        return 200, json.dumps(getattr(self, method.replace(".", "_"))(args))

    def chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        self.next_ts += 1
        ts = f"{self.next_ts:.6f}"
        message = {"type": "message", "user": "UDESKBOT", "text": args["text"], "ts": ts, "bot_id": "BDESK"}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.channels.setdefault(args["channel"], []).insert(0, message)
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        oldest = float(args.get("oldest") or 0)
        found = [m for m in self.channels.get(args["channel"], []) if float(m["ts"]) > oldest]
        return {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = args["message_ts"].replace(".", "")
        return {"ok": True, "channel": args["channel"],
                "permalink": f"https://desk-test.slack.com/archives/{args['channel']}/p{ts}"}

    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        email = self.emails.get(args["user"])
        if email is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": {"id": args["user"], "profile": {"email": email}}}

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        return [a for m, a, _ in self.calls if m == "chat.postMessage" and (channel is None or a["channel"] == channel)]
