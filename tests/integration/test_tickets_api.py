from __future__ import annotations

import json
from typing import Any

from tests.conftest import auth


def _open(client: Any, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {"type": "incident", "title": "VPN down", "description": "Cannot connect since 9am"}
    payload.update(body)
    return client.http.post("/tickets", headers=headers or auth(), body=json.dumps(payload))


def test_open_and_read(client: Any) -> None:
    r = _open(client)
    assert r.status_code == 201, r.body
    t = r.json_body
    assert t["number"] == "INC-000001"
    assert t["requester"] == "alice"
    assert t["impact_defaulted"] and t["urgency_defaulted"]
    assert t["priority"] == "P3"
    g = client.http.get(f"/tickets/{t['number']}", headers=auth())
    assert g.status_code == 200
    assert g.json_body["title"] == "VPN down"
