"""The API's OpenAPI 3.1 description: every route in it, valid, served without a token."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice
from openapi_spec_validator import validate

from chalicelib.api.openapi import describe


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in document["paths"].items() for method in item}


def test_the_description_is_served_without_a_token_and_is_valid_openapi_3_1(client: Any) -> None:
    r = client.http.get("/openapi.json")
    assert r.status_code == 200
    assert r.json_body["openapi"] == "3.1.0"
    validate(r.json_body)


def test_every_route_of_the_app_is_described() -> None:
    from app import app

    routes = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert _operations(describe(app)) == routes


def test_routes_verified_by_a_signature_declare_their_401_and_other_open_routes_do_not() -> None:
    from app import app

    paths = describe(app)["paths"]
    for path in ("/slack/commands", "/slack/interactions", "/bridges/github", "/bridges/jira"):
        assert "401" in paths[path]["post"]["responses"], path
        assert "security" not in paths[path]["post"]
    assert "401" not in paths["/session/local"]["post"]["responses"]
    assert "401" in paths["/tickets"]["post"]["responses"]


def test_a_new_route_appears_without_anything_else_to_write() -> None:
    app = Chalice(app_name="probe")

    @app.route("/things/{name}", methods=["DELETE"])
    def delete_thing(name: str) -> dict[str, str]:
        """Delete a thing."""
        return {}

    document = describe(app)
    assert _operations(document) == {("/things/{name}", "DELETE")}
    operation = document["paths"]["/things/{name}"]["delete"]
    assert operation["summary"] == "Delete a thing."
    assert operation["parameters"][0]["schema"]["maxLength"] == 500
    assert "401" not in operation["responses"]  # no authorizer, no 401


def test_bodies_and_queries_come_from_the_pydantic_models() -> None:
    from app import app

    document = describe(app)
    opening = document["paths"]["/tickets"]["post"]
    assert opening["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OpenTicketBody"
    }
    assert set(opening["responses"]) >= {"201", "400", "401", "403", "409", "429", "503"}
    title = document["components"]["schemas"]["OpenTicketBody"]["properties"]["title"]
    assert title["maxLength"] == 200
    listing = {p["name"]: p for p in document["paths"]["/tickets"]["get"]["parameters"]}
    assert listing["q"]["in"] == "query"
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "message"]


def test_routes_answering_html_declare_it() -> None:
    from app import app

    link = describe(app)["paths"]["/links/{token}"]["get"]["responses"]
    assert set(link["200"]["content"]) == {"application/json", "text/html"}
    assert set(link["403"]["content"]) == {"application/json", "text/html"}
    ticket = describe(app)["paths"]["/tickets/{number}"]["get"]["responses"]
    assert set(ticket["200"]["content"]) == {"application/json"}


def test_the_docs_page_lists_every_route_without_a_token_and_without_script(client: Any) -> None:
    from app import app
    from chalicelib.api.docs import anchor

    r = client.http.get("/docs")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    page = r.body.decode()
    for path, methods in app.routes.items():
        for method in methods:
            assert f'id="{anchor(method, path)}"' in page, (method, path)
            assert f'href="docs#{anchor(method, path)}"' in page, (method, path)
    assert "<script" not in page.lower()
    policy = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert client.http.get("/ui/docs.css").status_code == 200
