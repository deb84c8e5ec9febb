"""The pages' server side: the page and its assets under a strict policy, local sign-in only on a
local desk, the portal's catalog, banner and moves, and attachments through S3 (moto)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import auth


@pytest.fixture(autouse=True)
def _fresh_settings() -> Any:
    from chalicelib.config import get_settings

    yield
    get_settings.cache_clear()


def _open(client: Any, user: str = "alice", **fields: Any) -> dict[str, Any]:
    body = {"type": "incident", "title": "VPN down", "description": "The tunnel drops", **fields}
    r = client.http.post("/tickets", headers=auth(user), body=json.dumps(body))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _sign_in(client: Any, body: dict[str, str]) -> Any:
    return client.http.post("/session/local", headers={"Content-Type": "application/json"}, body=json.dumps(body))


def test_the_page_and_its_assets_are_text_under_a_strict_policy(client: Any) -> None:
    page = client.http.get("/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    body = page.body.decode()
    assert '<base href="/">' in body and "<script>" not in body and 'src="ui/app.js"' in body
    for name, kind in [("app.js", "text/javascript"), ("client.js", "text/javascript"), ("style.css", "text/css")]:
        asset = client.http.get(f"/ui/{name}")
        assert asset.status_code == 200 and asset.headers["Content-Type"].startswith(kind), name
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
    vendor = client.http.get("/ui/vendor/htm-preact-standalone-3.1.1.js")
    assert vendor.status_code == 200 and b"export{" in vendor.body
    favicon = client.http.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.body == b""


def test_only_the_listed_text_assets_are_served(client: Any) -> None:
    for name in ["index.html", "MANIFEST.json", "nope.js", "..", ".hidden.js", "APP.JS"]:
        assert client.http.get(f"/ui/{name}").status_code in (403, 404), name
        assert client.http.get(f"/ui/vendor/{name}").status_code in (403, 404), name


def test_the_base_follows_the_stage_prefix() -> None:
    from chalicelib.api.pages import base_href

    assert base_href({"path": "/"}) == "/"
    assert base_href({"path": "/api/"}) == "/api/"
    assert base_href({"path": "/api"}) == "/api/"
    assert base_href({"path": '/x"><script>'}) == "/"
    assert base_href({"path": "//evil.example/"}) == "/"
    assert base_href({}) == "/"


def test_a_local_desk_signs_in_with_a_name_and_a_role(client: Any) -> None:
    config = client.http.get("/session/config").json_body
    assert config["local"] is True and "requester" in config["roles"] and config["cognito"] is None
    r = _sign_in(client, {"user": "rita", "role": "agent"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    token = r.json_body["token"]
    mine = client.http.get("/tickets", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    bad = _sign_in(client, {"user": "rita", "role": "root"})
    assert bad.status_code == 400 and bad.json_body["field"] == "role"
    blank = _sign_in(client, {"user": "a b", "role": "agent"})
    assert blank.status_code == 400 and blank.json_body["field"] == "user"


def test_no_other_stage_offers_a_local_sign_in(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import get_settings

    monkeypatch.setenv("DESK_LOCAL", "false")
    monkeypatch.delenv("JWT_HS256_SECRET")
    monkeypatch.setenv("DESK_STAGE", "prod")
    monkeypatch.setenv("COGNITO_DOMAIN", "https://desk.auth.us-east-1.amazoncognito.com/")
    monkeypatch.setenv("COGNITO_CLIENT_ID", "client-123")
    get_settings.cache_clear()
    r = _sign_in(client, {"user": "eve", "role": "admin"})
    assert r.status_code == 404 and "token" not in r.json_body
    config = client.http.get("/session/config").json_body
    assert config["local"] is False and config["roles"] == []
    assert config["cognito"] == {
        "authorize_url": "https://desk.auth.us-east-1.amazoncognito.com/oauth2/authorize",
        "token_url": "https://desk.auth.us-east-1.amazoncognito.com/oauth2/token",
        "client_id": "client-123",
        "scopes": "openid email profile",
    }
    policy = client.http.get("/").headers["Content-Security-Policy"]
    assert "https://desk.auth.us-east-1.amazoncognito.com" in policy
    bucket = get_settings().attachments_bucket
    assert f"https://{bucket}.s3.amazonaws.com" in policy  # uploads go straight to the bucket


def test_the_catalog_a_requester_picks_from(client: Any) -> None:
    r = client.http.get("/portal/services", headers=auth())
    assert r.status_code == 200
    services = r.json_body["services"]
    names = [s["name"] for s in services]
    assert "vpn" in names and "printing" in names
    assert [s["title"].lower() for s in services] == sorted(s["title"].lower() for s in services)
    assert set(services[0]) == {"name", "title", "description", "supported", "aliases"}
    assert client.http.get("/portal/services").status_code == 401


def test_the_banner_names_services_with_open_major_incidents_and_nothing_private(client: Any) -> None:
    _open(client, "bob", title="Secret merger VPN outage", service="vpn", impact="high", urgency="high")
    _open(client, "bob", title="Mail slow", service="email", impact="low", urgency="low")
    r = client.http.get("/portal/known-broken", headers=auth("alice"))
    assert r.status_code == 200
    issues = r.json_body["issues"]
    assert [i["service"] for i in issues] == ["vpn"]
    [vpn] = issues
    assert vpn["kind"] == "major_incident" and vpn["summary"].startswith("Remote access VPN is down")
    assert "CST" in vpn["since_local"]
    assert "Secret" not in json.dumps(r.json_body) and "bob" not in json.dumps(r.json_body)


def test_the_moves_offered_come_from_the_lifecycle(client: Any) -> None:
    number = _open(client)["number"]
    mine = client.http.get(f"/tickets/{number}/moves", headers=auth()).json_body
    assert mine["phase"] == "open" and [m["word"] for m in mine["moves"]] == ["cancel"]
    staff = client.http.get(f"/tickets/{number}/moves", headers=auth("ann", "agent")).json_body
    assert len(staff["moves"]) > 1
    assert client.http.get(f"/tickets/{number}/moves", headers=auth("mallory")).status_code == 404


def _bucket() -> Any:
    """The attachments bucket the ``aws`` fixture created, and its client."""
    from chalicelib.config import get_settings
    from chalicelib.storage.attachments import s3_client

    settings = get_settings()
    return s3_client(settings), settings.attachments_bucket


def test_attachments_go_to_s3_and_only_who_sees_the_ticket_gets_them(client: Any) -> None:
    s3, bucket = _bucket()
    number = _open(client)["number"]
    upload = {"filename": "Fehler protokoll.txt", "content_type": "text/plain", "size": 12}
    r = client.http.post(f"/tickets/{number}/attachments", headers=auth(), body=json.dumps(upload))
    assert r.status_code == 201, r.body
    form = r.json_body
    key = form["fields"]["key"]
    assert key == f"tickets/{number}/{form['id']}/Fehler_protokoll.txt"
    assert form["fields"]["Content-Type"] == "text/plain" and "policy" in form["fields"]
    policy = json.loads(__import__("base64").b64decode(form["fields"]["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"E1234 broken", ContentType="text/plain")

    listed = client.http.get(f"/tickets/{number}/attachments", headers=auth()).json_body["attachments"]
    assert [(a["id"], a["filename"], a["size"]) for a in listed] == [(form["id"], "Fehler_protokoll.txt", 12)]
    link = client.http.get(f"/tickets/{number}/attachments/{form['id']}", headers=auth("ann", "agent"))
    assert link.status_code == 200 and link.headers["Cache-Control"] == "no-store"
    assert "X-Amz-Expires=60" in link.json_body["url"] and "attachment" in link.json_body["url"]

    for path in (f"/tickets/{number}/attachments", f"/tickets/{number}/attachments/{form['id']}"):
        assert client.http.get(path, headers=auth("mallory")).status_code == 404
    denied = client.http.post(f"/tickets/{number}/attachments", headers=auth("mallory"), body=json.dumps(upload))
    assert denied.status_code == 404
    missing = client.http.get(f"/tickets/{number}/attachments/{'0' * 32}", headers=auth())
    assert missing.status_code == 404 and missing.json_body["field"] == "attachment"


#: Uploads the desk would not keep, and the field each 400 names.
REFUSED_UPLOADS = [
    ({"filename": "page.html", "content_type": "text/html", "size": 10}, "content_type"),
    ({"filename": "shot.exe", "content_type": "image/png", "size": 10}, "filename"),
    ({"filename": "big.pdf", "content_type": "application/pdf", "size": 10 * 1024 * 1024 + 1}, "size"),
    ({"filename": "x.pdf", "content_type": "application/pdf", "size": 0}, "size"),
    ({"filename": "x.pdf", "content_type": "application/pdf"}, "size"),
    ({"filename": "x.pdf", "content_type": "application/pdf", "size": 5, "acl": "public-read"}, "acl"),
]


def test_an_upload_the_desk_would_not_keep_is_a_400_naming_the_field(client: Any) -> None:
    number = _open(client)["number"]
    for upload, field in REFUSED_UPLOADS:
        r = client.http.post(f"/tickets/{number}/attachments", headers=auth(), body=json.dumps(upload))
        assert r.status_code == 400, (upload, r.body)
        assert r.json_body["field"] == field, upload


def test_the_banner_and_the_suggestions_show_known_errors_in_a_requesters_words(client: Any) -> None:
    from chalicelib import wiring
    from chalicelib.services.problem_seeds import seed_problem_examples

    seed_problem_examples(wiring.desk())
    issues = client.http.get("/portal/known-broken", headers=auth()).json_body["issues"]
    [known] = [i for i in issues if i["kind"] == "known_error"]
    assert known["service"] == "vpn" and "Until it is fixed: In AnyConnect" in known["summary"]
    typed = quote("VPN bricht ab: AnyConnect trennt alle paar Minuten die Verbindung")
    found = client.http.get(f"/portal/suggestions?q={typed}", headers=auth()).json_body
    [error] = found["known_errors"]
    assert set(error) == {"title", "workaround", "score", "matched"}  # no problem internals
    assert error["workaround"].startswith("In AnyConnect")
    answers = client.http.get("/portal/suggestions?q=Passwort%20vergessen", headers=auth()).json_body
    assert [a["name"] for a in answers["articles"]] == ["kb-reset-password"]
    short = client.http.get("/portal/suggestions?q=ab", headers=auth())
    assert short.status_code == 400 and short.json_body["errors"][0]["field"] == "q"
