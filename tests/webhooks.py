"""Requests signed as Slack, GitHub and Jira sign them (their documented headers), for the tests
that play those systems."""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.domain.slack import slack_signature


def hub_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC>`` of the body: GitHub's ``X-Hub-Signature-256``, Jira's ``X-Hub-Signature``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_headers(secret: str, body: bytes, event: str, delivery: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": hub_signature(secret, body)}


def jira_headers(secret: str, body: bytes, delivery: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": delivery,
            "X-Hub-Signature": hub_signature(secret, body)}


def slack_headers(secret: str, body: bytes, timestamp: str) -> dict[str, str]:
    """A form Slack posts at ``timestamp`` (seconds since the epoch, as text), signed (v0)."""
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": slack_signature(secret, timestamp, body)}
