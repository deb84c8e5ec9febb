"""GET /docs' page: every operation and schema of the description, its text escaped."""

from __future__ import annotations

from typing import Any

from chalicelib.api.docs import anchor, limits_text, operations, render_docs, schema_text

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Probe API", "version": "1.0"},
    "paths": {
        "/things/{name}": {
            "delete": {"operationId": "delete_thing", "summary": "Delete <b>a</b> thing.",
                       "security": [{"bearer": []}],
                       "parameters": [{"name": "name", "in": "path", "required": True,
                                       "schema": {"type": "string", "maxLength": 500}}],
                       "responses": {"204": {"description": "gone"},
                                     "404": {"description": "no such item", "content": {
                                         "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}},
            "get": {"operationId": "get_thing", "summary": "A thing.", "responses": {"200": {"description": "it"}}},
        },
        "/things": {"post": {"operationId": "add", "summary": "Add one.",
                             "requestBody": {"required": True, "description": "at most 10 bytes", "content": {
                                 "application/json": {"schema": {"$ref": "#/components/schemas/ThingBody"}}}},
                             "responses": {"201": {"description": "made"}}}},
    },
    "components": {"schemas": {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "ThingBody": {"type": "object", "required": ["tags"], "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
            "note": {"anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}], "default": None},
        }},
    }},
}


def test_operations_come_by_path_then_method() -> None:
    assert [(m, p) for m, p, _ in operations(DOCUMENT)] == [
        ("POST", "/things"), ("GET", "/things/{name}"), ("DELETE", "/things/{name}"),
    ]


def test_every_operation_and_schema_is_on_the_page_and_linked_from_the_contents() -> None:
    page = render_docs(DOCUMENT, "/api/")
    for method, path, _ in operations(DOCUMENT):
        assert f'id="{anchor(method, path)}"' in page and f'href="docs#{anchor(method, path)}"' in page
    assert 'id="schema-ThingBody"' in page and 'href="docs#schema-ThingBody"' in page
    assert '<base href="/api/">' in page
    assert "Needs a bearer token" in page and "Needs no token" in page
    assert "at most 10 bytes" in page


def test_text_from_the_description_never_becomes_markup() -> None:
    page = render_docs(DOCUMENT, "/")
    assert "<b>a</b>" not in page and "Delete &lt;b&gt;a&lt;/b&gt; thing." in page
    assert "<script" not in page


def test_a_schema_reads_in_a_few_words() -> None:
    note = DOCUMENT["components"]["schemas"]["ThingBody"]["properties"]["note"]
    assert schema_text(note) == "one of: string, null"
    assert schema_text({"type": "array", "items": {"$ref": "#/components/schemas/Error"}}) == "array of Error"
    assert schema_text({"enum": ["a", "b"]}) == 'one of "a", "b"'
    assert limits_text({"type": "string", "maxLength": 20, "default": None}) == "maxLength 20, default null"
    assert anchor("GET", "/") == "get-root" and anchor("DELETE", "/things/{name}") == "delete-things-name"
