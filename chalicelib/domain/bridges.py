"""Bridges to other work-recording systems (GitHub, Jira): what a desk ticket is linked to there,
how their webhooks are verified, and what a delivery tells the desk. Pure.

A bridge names one issue elsewhere by a canonical key: ``owner/repo#12`` on GitHub (an issue or
a pull request), ``OPS-42`` on Jira. A webhook delivery becomes :class:`Activity` items, each
for one key: a status change, a comment, a pull request merged, work logged (seconds spent).

Signatures: GitHub's ``X-Hub-Signature-256`` is ``sha256=`` and the hex HMAC-SHA256 of the raw
body keyed with the webhook's secret; Jira's webhooks with a secret send the same in
``X-Hub-Signature``. Delivery ids: ``X-GitHub-Delivery``, ``X-Atlassian-Webhook-Identifier``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.errors import Unauthorized, ValidationFailed

GITHUB = "github"
JIRA = "jira"
SYSTEMS = (GITHUB, JIRA)

STATUS = "status"
COMMENT = "comment"
MERGED = "merged"
WORKLOG = "worklog"

_GITHUB_KEY = re.compile(r"^([A-Za-z0-9_.-]{1,100})/([A-Za-z0-9_.-]{1,100})#([0-9]{1,9})$")
_GITHUB_URL = re.compile(
    r"^https://github\.com/([A-Za-z0-9_.-]{1,100})/([A-Za-z0-9_.-]{1,100})/(?:issues|pull)/([0-9]{1,9})/?$"
)
_JIRA_KEY = re.compile(r"^([A-Z][A-Z0-9_]{0,49})-([0-9]{1,9})$")
_JIRA_URL = re.compile(r"^https://[A-Za-z0-9.-]{1,200}/browse/([A-Z][A-Z0-9_]{0,49}-[0-9]{1,9})/?$")
#: GitHub's closing keywords in a pull request's body: "Fixes #12", "closes owner/repo#3".
_CLOSES = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+(?:([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+))?#([0-9]{1,9})\b",
    re.IGNORECASE,
)
#: The longest comment text recorded on the desk ticket.
TEXT_MAX = 2000


@dataclass(frozen=True)
class Bridge:
    system: str
    key: str

    @property
    def url(self) -> str | None:
        if self.system == GITHUB:
            repo, _, number = self.key.partition("#")
            return f"https://github.com/{repo}/issues/{number}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "key": self.key, "url": self.url}


def parse_bridge(system: Any, reference: Any) -> Bridge:
    """The bridge ``system`` and ``reference`` (a key or an issue's URL) name, or
    :class:`ValidationFailed` naming the field and what fits."""
    if system not in SYSTEMS:
        raise ValidationFailed([{"field": "system", "reason": f"must be one of {list(SYSTEMS)}"}])
    if not isinstance(reference, str) or not reference.strip():
        raise ValidationFailed([{"field": "issue", "reason": "is required: the issue's key or URL"}])
    text = reference.strip()
    if system == GITHUB:
        found = _GITHUB_KEY.match(text) or _GITHUB_URL.match(text)
        if found is None:
            raise ValidationFailed(
                [{"field": "issue", "reason": "must be owner/repo#number or https://github.com/owner/repo/issues/N"}]
            )
        owner, repo, number = found.groups()
        return Bridge(GITHUB, f"{owner}/{repo}#{int(number)}".lower())
    found = _JIRA_KEY.match(text) or _JIRA_URL.match(text)
    if found is None:
        raise ValidationFailed([{"field": "issue", "reason": "must be a Jira key (OPS-42) or https://<site>/browse/OPS-42"}])
    return Bridge(JIRA, found.group(0) if found.re is _JIRA_KEY else found.group(1))


def verify_hmac(secret: str, body: bytes, header: str | None, header_name: str) -> None:
    """Raise :class:`Unauthorized` naming ``header_name`` unless it holds ``sha256=<HMAC of body>``."""
    if not secret:
        raise Unauthorized("this desk has no secret for these webhooks", field=header_name)
    if not header:
        raise Unauthorized("the delivery is not signed", field=header_name)
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, header.strip()):
        raise Unauthorized("the signature does not match the body", field=header_name)


@dataclass(frozen=True)
class Activity:
    """One thing that happened on a bridged issue, to be recorded on its desk ticket."""

    system: str
    key: str
    what: str  # status | comment | merged | worklog
    by: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_event(self) -> dict[str, Any]:
        """The ``worked_elsewhere`` event's ``after`` payload."""
        return {"system": self.system, "key": self.key, "what": self.what, "by": self.by, **self.detail}


def _text(value: Any) -> str:
    text = str(value or "").strip()
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "\u2026"


def _login(doc: Any) -> str:
    return str(doc.get("login") or "") if isinstance(doc, Mapping) else ""


def github_activity(event: str, payload: Mapping[str, Any]) -> list[Activity]:
    """What a GitHub delivery (``X-GitHub-Event``) records: issues opened/closed/reopened (status),
    issue_comment created (comment), pull_request closed and merged (merged, on the pull request
    and on each issue its body closes); anything else records nothing."""
    repo = payload.get("repository")
    full = str(repo.get("full_name") or "") if isinstance(repo, Mapping) else ""
    by = _login(payload.get("sender"))
    action = payload.get("action")
    if not full:
        return []
    if event == "issues" and action in ("opened", "closed", "reopened"):
        issue = payload.get("issue") or {}
        detail = {"status": "open" if action != "closed" else "closed", "reason": issue.get("state_reason")}
        return [Activity(GITHUB, f"{full}#{issue.get('number')}".lower(), STATUS, by, detail)]
    if event == "issue_comment" and action == "created":
        issue = payload.get("issue") or {}
        comment = payload.get("comment") or {}
        detail = {"body": _text(comment.get("body")), "url": comment.get("html_url")}
        return [Activity(GITHUB, f"{full}#{issue.get('number')}".lower(), COMMENT, by, detail)]
    if event == "pull_request" and action == "closed":
        pull = payload.get("pull_request") or {}
        if not pull.get("merged"):
            return []
        detail = {"pull_request": f"{full}#{pull.get('number')}", "title": _text(pull.get("title")),
                  "url": pull.get("html_url"), "merged_at": pull.get("merged_at")}
        keys = [f"{full}#{pull.get('number')}".lower()]
        for other, number in _CLOSES.findall(str(pull.get("body") or "")):
            keys.append(f"{other or full}#{int(number)}".lower())
        return [Activity(GITHUB, key, MERGED, _login(pull.get("merged_by")) or by, detail)
                for key in dict.fromkeys(keys)]
    return []


def jira_activity(payload: Mapping[str, Any]) -> list[Activity]:
    """What a Jira webhook records: ``jira:issue_updated`` with a status change (its changelog),
    a comment (``comment_created``, or the update's ``comment``), and work logged (the changelog's
    ``timespent`` growing; ``issue_event_type_name`` ``issue_work_logged``)."""
    kind = payload.get("webhookEvent")
    issue = payload.get("issue")
    if not isinstance(issue, Mapping) or not issue.get("key"):
        return []
    key = str(issue["key"])
    user = payload.get("user") or {}
    by = str(user.get("displayName") or user.get("name") or "") if isinstance(user, Mapping) else ""
    out: list[Activity] = []
    changelog = payload.get("changelog") or {}
    items = changelog.get("items") if isinstance(changelog, Mapping) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        if item.get("field") == "status":
            detail = {"from": item.get("fromString"), "status": item.get("toString")}
            out.append(Activity(JIRA, key, STATUS, by, detail))
        elif item.get("field") == "timespent":
            try:
                spent = int(item.get("to") or 0) - int(item.get("from") or 0)
            except (TypeError, ValueError):
                continue
            if spent > 0:
                out.append(Activity(JIRA, key, WORKLOG, by, {"seconds": spent}))
    comment = payload.get("comment")
    if kind in ("comment_created", "jira:issue_updated") and isinstance(comment, Mapping) and comment.get("body"):
        author = comment.get("author") or {}
        who = str(author.get("displayName") or by) if isinstance(author, Mapping) else by
        out.append(Activity(JIRA, key, COMMENT, who, {"body": _text(comment.get("body"))}))
    return out


def activity_note(activity: Activity) -> str:
    """One line for the ticket's history."""
    where = f"{activity.system} {activity.key}"
    if activity.what == STATUS:
        return f"{where} is now {activity.detail.get('status')}"
    if activity.what == COMMENT:
        return f"{activity.by or 'someone'} commented on {where}"
    if activity.what == MERGED:
        return f"pull request {activity.detail.get('pull_request')} merged ({where})"
    seconds = int(activity.detail.get("seconds") or 0)
    return f"{activity.by or 'someone'} logged {seconds // 3600}h {seconds % 3600 // 60}m on {where}"
