"""Fuzz: thousands of generated requests over every route, and not one 5xx.

A seeded generator (the same requests on every run) picks a route of the app and sends it with
a method (mostly its own), path parameters with odd values, query parameters with odd values,
a body of a random JSON shape (the route's own field names with values of every type, huge and
odd strings, deep nesting, raw bytes) and odd headers (content types, tokens of every role,
idempotency keys), through ``chalice.test.Client`` on moto.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from typing import Any

import pytest

from tests.conftest import auth

pytestmark = pytest.mark.soak

REQUESTS = 2_400
#: The generator's seed (``FUZZ_SEED`` picks another run).
SEED = int(os.environ.get("FUZZ_SEED", "20260302"))

FIELDS = [
    "type", "title", "description", "service", "impact", "urgency", "tags", "version", "to", "reason",
    "assignee", "group", "monitor", "body", "visibility", "clock", "due_at", "priority", "vip",
    "business_unit", "opened_at", "name", "timezone", "weekly_hours", "holidays", "keywords", "patterns",
    "pattern", "set", "targets", "steps", "support_group", "skills", "capacity", "members",
]
WORDS = [
    "incident", "service_request", "change_request", "problem", "high", "medium", "low", "P1", "P9",
    "vpn", "network", "office", "resolved", "closed", "cancelled", "in_progress", "reopen", "confirm",
    "public", "internal", "resolution", "first_response", "2026-03-02T09:00:00+00:00", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+14:00", "2026-13-45", "America/Chicago", "Mars/Olympus", "^(a+)+$", "(?i)\\bvpn\\b",
    "INC-000001", "REQ-000001", "alice", "ann", "", " ", "\x00", "\u202e", "\ud800", "😀" * 50, "²", "١٢",
]
NUMBERS = ["1", "0", "-1", "²", "١٢", "1e3", "9" * 40, "0x10", " 5", "5 ", "NaN", "25", "100", "101", ""]
DATES = ["2026-03-02", "9999-12-31", "0001-01-01", "2026-02-30", "20260302", "２０２６-03-02", "", "x"]


def _odd_string(rng: random.Random) -> str:
    choice = rng.randrange(8)
    if choice == 0:
        return rng.choice(WORDS)
    if choice == 1:
        return "".join(chr(rng.randrange(0, 0x250)) for _ in range(rng.randrange(1, 40)))
    if choice == 2:
        return rng.choice("x😀é\x00\n") * rng.choice([199, 200, 201, 2_001, 20_001, 70_000])
    if choice == 3:
        return "".join(chr(rng.randrange(0x20, 0x7F)) for _ in range(rng.randrange(0, 20)))
    if choice == 4:
        return rng.choice(NUMBERS + DATES)
    return rng.choice(WORDS)


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(10 if depth < 4 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, -1, 2, 3, 10**20, -(10**20), 1.5, 1e308, rng.randrange(-5, 1_000_000)])
    if kind in (3, 4, 5, 6):
        return _odd_string(rng)
    if kind in (7, 8):
        return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    return {rng.choice(FIELDS): _value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}


def _body(rng: random.Random) -> bytes | str:
    kind = rng.randrange(12)
    if kind == 0:
        return b""
    if kind == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    if kind == 2:
        return rng.choice(["[", "{\"a\":"]) * rng.choice([10, 40, 5_000])
    if kind == 3:
        return json.dumps(_value(rng))
    if kind == 4:
        return "{" + ",".join(f'"{rng.choice(FIELDS)}": 1' for _ in range(3)) + "}}"
    doc = {rng.choice(FIELDS): _value(rng) for _ in range(rng.randrange(0, 7))}
    if rng.random() < 0.5:
        doc["version"] = rng.choice([1, 2, "1", 0, None, True])
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5)


def _headers(rng: random.Random) -> dict[str, str]:
    user, role = rng.choice(
        [("alice", "requester"), ("bob", "requester"), ("ann", "agent"), ("mia", "manager"), ("root", "admin")]
    )
    headers = auth(user, role)
    roll = rng.random()
    if roll < 0.15:
        headers["Content-Type"] = rng.choice(
            ["application/json-patch+json", "text/plain", "multipart/form-data; boundary=x", "image/png",
             "application/json; charset=latin-1", "", "*/*", "application/JSON"]
        )
    elif roll < 0.2:
        headers["Authorization"] = rng.choice(["Bearer x.y.z", "Basic YTpi", "Bearer", "Bearer " + "a" * 5000])
    elif roll < 0.25:
        del headers["Authorization"]
    if rng.random() < 0.1:
        headers["Idempotency-Key"] = rng.choice(["k1", "k2", "", "😀" * 10, "x" * 500])
    return headers


def _path(rng: random.Random, template: str, numbers: list[str]) -> str:
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        value = rng.choice(
            [rng.choice(numbers), rng.choice(numbers), "INC-999999", "INC-0", "x", "%00", "%F0%9F%98%80", "9" * 300,
             "vpn", "office", "network", "..", "a%2Fb", "INC-000001%20"]
        )
        path = path[:start] + value + path[end + 1 :]
    if rng.random() < 0.6:
        params = [
            f"{rng.choice(['limit', 'cursor', 'status', 'type', 'version', 'date', 'day', 'group', 'x'])}="
            f"{rng.choice(NUMBERS + DATES + ['eyJhIjogeyJiIjogMX19', 'new', 'incident', '%00', '%FF', 'a' * 3000])}"
            for _ in range(rng.randrange(1, 4))
        ]
        path += "?" + "&".join(params)
    return path


def test_thousands_of_odd_requests_never_get_a_5xx(client: Any) -> None:
    from app import app

    rng = random.Random(SEED)
    numbers = []
    for n in range(3):
        opened = client.http.post(
            "/tickets",
            headers=auth("alice", "requester"),
            body=json.dumps({"type": "incident", "title": f"VPN down {n}", "description": "since 9am"}),
        )
        numbers.append(opened.json_body["number"])
    routes = [(path, sorted(entries)) for path, entries in app.routes.items()]
    statuses: Counter[int] = Counter()
    failures: list[tuple[str, str, int, str]] = []
    for _ in range(REQUESTS):
        template, methods = rng.choice(routes)
        method = rng.choice(methods) if rng.random() < 0.9 else rng.choice(["GET", "POST", "PUT", "PATCH", "DELETE"])
        path = _path(rng, template, numbers)
        headers = _headers(rng)
        body = _body(rng) if method in ("POST", "PUT", "PATCH") else b""
        response = getattr(client.http, method.lower())(path, headers=headers, body=body)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append((method, path[:200], response.status_code, str(body)[:200]))
    assert sum(statuses.values()) == REQUESTS
    print("statuses:", dict(sorted(statuses.items())))
    assert not failures, failures[:10]
    assert statuses[400] > REQUESTS // 10
