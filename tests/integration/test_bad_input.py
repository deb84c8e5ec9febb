"""Bad input never is a 500: crafted cursors, deep JSON, odd numbers and dates, control
characters, wide characters and odd content types each get a 400 naming the field."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conftest import auth

FORGED_CURSOR = "eyJhIjogeyJiIjogMX19"  # base64 of {"a": {"b": 1}}

#: Every route that reads a JSON body, with a body it would accept from a manager.
BODY_ROUTES = [
    ("POST", "/tickets"),
    ("PATCH", "/tickets/INC-000001"),
    ("POST", "/tickets/INC-000001/transitions"),
    ("POST", "/tickets/INC-000001/assignment"),
    ("POST", "/tickets/INC-000001/comments"),
    ("POST", "/tickets/INC-000001/due-date"),
    ("POST", "/tickets/INC-000001/classification"),
    ("POST", "/tickets/INC-000001/classification/contest"),
    ("POST", "/admin/services"),
    ("PUT", "/admin/services/vpn"),
    ("POST", "/admin/sla-policies/preview"),
]


def manager() -> dict[str, str]:
    return auth("mia", "manager")


def _open(client: Any, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload: dict[str, Any] = {"type": "incident", "title": "VPN down", "description": "Cannot connect since 9am"}
    payload.update(body)
    return client.http.post("/tickets", headers=headers or auth(), body=json.dumps(payload))


def _send(client: Any, method: str, path: str, headers: dict[str, str], body: bytes | str) -> Any:
    return getattr(client.http, method.lower())(path, headers=headers, body=body)


def _refused(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 400, (response.status_code, response.body[:300])
    body: dict[str, Any] = response.json_body
    assert body["field"] == field, body
    return body


# -- 3: cursors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/tickets?cursor={FORGED_CURSOR}",
        f"/tickets?status=new&cursor={FORGED_CURSOR}",
        f"/triage?cursor={FORGED_CURSOR}",
        f"/admin/outbox?cursor={FORGED_CURSOR}",
        "/tickets?cursor=%00%01",
        "/tickets?cursor=" + "A" * 1500,
    ],
)
def test_a_forged_cursor_is_a_400_naming_cursor(client: Any, path: str) -> None:
    _open(client)
    _refused(client.http.get(path, headers=manager()), "cursor")


def test_cursors_are_signed_and_bound_to_their_listing(client: Any) -> None:
    for _ in range(3):
        assert _open(client).status_code == 201
    first = client.http.get("/tickets?limit=2", headers=manager()).json_body
    cursor = first["cursor"]
    assert cursor
    rest = client.http.get(f"/tickets?limit=2&cursor={cursor}", headers=manager())
    assert rest.status_code == 200 and len(rest.json_body["tickets"]) == 1
    # The same key with its signature altered, or used on another listing, is refused.
    body, _, signature = cursor.partition(".")
    _refused(client.http.get(f"/tickets?cursor={body}.{signature[::-1]}", headers=manager()), "cursor")
    _refused(client.http.get(f"/tickets?status=new&cursor={cursor}", headers=manager()), "cursor")
    _refused(client.http.get(f"/triage?cursor={cursor}", headers=manager()), "cursor")
    # A well-formed key without the desk's signature is refused too.
    key = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    unsigned = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    _refused(client.http.get(f"/tickets?cursor={unsigned}", headers=manager()), "cursor")


# -- 4: depth -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_deeply_nested_json_is_a_400_on_every_body_route(client: Any, method: str, path: str) -> None:
    assert _open(client).status_code == 201
    for raw in ("[" * 20_000, '{"a":' * 20_000 + "1" + "}" * 20_000, "[" * 33 + "]" * 33):
        body = _refused(_send(client, method, path, manager(), raw), "body")
        assert "nested deeper than 32" in body["errors"][0]["reason"]


def test_brackets_inside_strings_do_not_count_as_depth(client: Any) -> None:
    r = _open(client, description="[" * 5_000 + '\\"{' * 100)
    assert r.status_code == 201, r.body


# -- 5: numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/tickets?limit=²", "limit"),
        ("/tickets?limit=١٢", "limit"),
        ("/tickets?limit=1_0", "limit"),
        ("/tickets?limit=" + "9" * 5000, "limit"),
        ("/triage?limit=²", "limit"),
        ("/admin/outbox?limit=²", "limit"),
        ("/admin/services/vpn?version=²", "version"),
        ("/admin/services/vpn?version=" + "1" * 400, "version"),
        ("/admin/services/vpn?version=0", "version"),
    ],
)
def test_numbers_are_ascii_digits_in_range(client: Any, path: str, field: str) -> None:
    _refused(client.http.get(path, headers=manager()), field)


def test_plain_numbers_still_work(client: Any) -> None:
    assert client.http.get("/tickets?limit=5", headers=manager()).status_code == 200
    assert client.http.get("/triage?limit=5", headers=manager()).status_code == 200
    assert client.http.get("/admin/services/vpn?version=1", headers=manager()).status_code == 200


# -- 6: dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/reports/patrol?date=9999-12-31", "date"),
        ("/reports/patrol?date=0001-01-01", "date"),
        ("/reports/patrol?date=1999-12-31", "date"),
        ("/reports/patrol?date=２０２６-01-01", "date"),
        ("/admin/outbox?day=9999-12-31", "day"),
    ],
)
def test_days_outside_the_accepted_range_are_refused(client: Any, path: str, field: str) -> None:
    body = _refused(client.http.get(path, headers=manager()), field)
    assert body["errors"][0]["reason"]


def test_due_date_and_preview_instants_are_bounded(client: Any) -> None:
    number = _open(client).json_body["number"]
    for due_at in ("9000-01-01T00:00:00+00:00", "9999-12-31T23:59:59-12:00", "1999-01-01T00:00:00+00:00"):
        body = json.dumps({"version": 1, "due_at": due_at})
        _refused(client.http.post(f"/tickets/{number}/due-date", headers=manager(), body=body), "due_at")
    for opened_at in ("0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59+00:00"):
        body = json.dumps({"type": "incident", "priority": "P1", "opened_at": opened_at})
        _refused(client.http.post("/admin/sla-policies/preview", headers=manager(), body=body), "opened_at")
    ok = json.dumps({"type": "incident", "priority": "P1", "opened_at": "2026-03-02T09:00:00+00:00"})
    assert client.http.post("/admin/sla-policies/preview", headers=manager(), body=ok).status_code == 200


# -- 9: the body limit follows from the field limits ----------------------------------------


def test_a_body_within_the_field_limits_is_read_however_it_is_encoded(client: Any) -> None:
    payload = {
        "type": "incident",
        "title": "😀" * 200,
        "description": "😀" * 20_000,
        "service": "vpn",
        "tags": ["😀" * 50] * 20,
    }
    escaped = json.dumps(payload)  # \ud83d\ude00: 12 bytes a character
    assert client.http.post("/tickets", headers=auth(), body=escaped).status_code == 201
    plain = json.dumps(payload, ensure_ascii=False).encode()
    assert client.http.post("/tickets", headers=auth(), body=plain).status_code == 201


def test_a_body_beyond_the_limit_is_refused(client: Any) -> None:
    from chalicelib.api.common import MAX_BODY_BYTES

    raw = json.dumps({"type": "incident", "title": "x", "description": "x" * MAX_BODY_BYTES})
    body = _refused(client.http.post("/tickets", headers=auth(), body=raw), "body")
    assert str(MAX_BODY_BYTES) in body["errors"][0]["reason"]


# -- 10: control characters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "VPN\x00down"}, "title"),
        ({"title": "VPN\ndown"}, "title"),
        ({"description": "bell\x07"}, "description"),
        ({"description": "lone \ud800 surrogate"}, "description"),
        ({"tags": ["ok", "bad\x1b[31m"]}, "tags.1"),
        ({"service": "vpn\x00"}, "service"),
    ],
)
def test_control_characters_are_refused_in_text_fields(client: Any, payload: dict[str, Any], field: str) -> None:
    reason = _refused(_open(client, **payload), field)["errors"][0]["reason"]
    assert "control characters" in reason or "unicode" in reason


def test_line_breaks_and_tabs_are_kept_in_multi_line_text(client: Any) -> None:
    r = _open(client, description="first line\n\tsecond line\r\n")
    assert r.status_code == 201, r.body
    number = r.json_body["number"]
    comment = json.dumps({"body": "seen\x00"})
    _refused(client.http.post(f"/tickets/{number}/comments", headers=auth(), body=comment), "body")
    reason = json.dumps({"reason": "wrong\x00service"})
    _refused(client.http.post(f"/tickets/{number}/classification/contest", headers=auth(), body=reason), "reason")


# -- 11: content types ----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("content_type", ["application/json-patch+json", "image/png", "text/html; charset=utf-8"])
def test_a_wrong_content_type_is_a_400_naming_it(client: Any, method: str, path: str, content_type: str) -> None:
    headers = {**manager(), "Content-Type": content_type}
    body = _refused(_send(client, method, path, headers, b"{}"), "Content-Type")
    assert content_type.split(";")[0] in body["errors"][0]["reason"]


# -- 8: nothing on a ticket grows without bound; pages are sized by bytes too -----------------


def test_contesting_many_times_keeps_the_ticket_small_and_the_history_whole(client: Any) -> None:
    from chalicelib.domain.classification import MAX_TRIAGE_REASONS

    number = _open(client).json_body["number"]
    for n in range(MAX_TRIAGE_REASONS + 15):
        body = json.dumps({"reason": f"{n}: " + "é" * 1_990})
        r = client.http.post(f"/tickets/{number}/classification/contest", headers=auth(), body=body)
        assert r.status_code == 200, r.body
    ticket = client.http.get(f"/tickets/{number}", headers=manager()).json_body
    assert len(ticket["triage_reasons"]) == MAX_TRIAGE_REASONS
    assert ticket["triage_reasons"][-1].startswith(f"contested by alice: {MAX_TRIAGE_REASONS + 14}: ")
    events = client.http.get(f"/tickets/{number}/events", headers=manager()).json_body["events"]
    assert sum(1 for e in events if e["kind"] == "classification_contested") == MAX_TRIAGE_REASONS + 15
    queue = client.http.get("/triage", headers=manager())
    assert len(queue.body) < 200_000


def test_pages_stop_at_their_byte_budget_and_the_cursor_goes_on(client: Any, monkeypatch: Any) -> None:
    from chalicelib.storage import repository

    monkeypatch.setattr(repository, "PAGE_BYTES_MAX", 50_000)
    numbers = {_open(client, description=f"{n} " + "d" * 19_000).json_body["number"] for n in range(5)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        path = "/tickets?limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = client.http.get(path, headers=manager()).json_body
        pages += 1
        assert 1 <= len(page["tickets"]) <= 2
        seen += [t["number"] for t in page["tickets"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(numbers) and pages >= 3


@pytest.mark.parametrize("path", ["/tickets", "/triage", "/admin/services", "/admin/services/vpn", "/reports/patrol"])
def test_reading_routes_ignore_the_content_type(client: Any, path: str) -> None:
    headers = {**manager(), "Content-Type": "image/png"}
    assert client.http.get(path, headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/tickets/{number}/problem-from", "/tickets"])
def test_a_body_with_a_lone_surrogate_is_a_400_on_a_route_whose_body_is_optional_too(client: Any, path: str) -> None:
    number = _open(client).json_body["number"]
    raw = '{"title": "lone \ud800 surrogate"}'  # text no UTF-8 encodes, as a fuzzer sends it
    r = client.http.post(path.format(number=number), headers=auth("ann", "agent"), body=raw)
    assert _refused(r, "body")["errors"][0]["reason"] == "not valid UTF-8"
