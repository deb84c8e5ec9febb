"""The API's OpenAPI 3.1 description, generated from the app's routes and the pydantic models
its routes validate with (one source of truth), served at ``GET /openapi.json``.

Each route's operation is read from the route itself: its path parameters, its authorizer, its
docstring, and its view function's source, where ``parse_body(request, Model)`` names the body
model, ``validate(Model, ...)`` a query model, and ``json_response(..., status)`` the success
statuses. Every operation declares the desk's one refusal shape (``Error``) for the 4xx and 503
it can answer; sizes come from the models' own constraints.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache
from typing import Any

from chalice.app import Blueprint, Chalice, Response

from chalicelib.api.common import MAX_BODY_BYTES, json_response
from chalicelib.api.hardening import MAX_PATH_PARAMETER_LENGTH

openapi_blueprint = Blueprint(__name__)

REF = "#/components/schemas/{model}"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: a code, a message, the field at fault, and for bad input each problem.",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "maxLength": 100},
        "message": {"type": "string"},
        "field": {"type": "string", "maxLength": 200},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "reason"],
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "current_version": {"type": "integer"},
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
}

_ERRORS = {
    "400": "bad input: the field and the reason",
    "401": "no token (or signature), or one that does not verify",
    "403": "the caller's role may not do this",
    "404": "no such item",
    "409": "a conflicting state or version",
    "422": "a request that cannot be processed as sent",
    "429": "too many requests: retry after the Retry-After seconds",
    "503": "storage unavailable: retry after the Retry-After seconds",
}


def _calls(function: Any) -> tuple[str | None, str | None, list[int]]:
    """The body model, the query model and the success statuses a view function's source names."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))
    except (OSError, TypeError, SyntaxError):
        return None, None, []
    body = query = None
    statuses: list[int] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        args = node.args
        if node.func.id == "parse_body" and len(args) >= 2 and isinstance(args[1], ast.Name):
            body = args[1].id
        elif node.func.id == "validate" and args and isinstance(args[0], ast.Name):
            query = args[0].id
        elif (node.func.id == "json_response" and len(args) >= 2 and isinstance(args[1], ast.Constant)
              and isinstance(args[1].value, int)):
            statuses.append(args[1].value)
    return body, query, statuses


def _answers_html(function: Any) -> bool:
    """Whether the module of a view function answers HTML (its pages, or a JSON route's
    browser-facing answers): its operations then declare ``text/html`` beside JSON."""
    module = inspect.getmodule(inspect.unwrap(function))
    try:
        return module is not None and "text/html" in inspect.getsource(module)
    except (OSError, TypeError):
        return False


def _answer_types(function: Any) -> tuple[str, ...]:
    """The media types a view function's module declares it answers with besides JSON
    (``ANSWER_TYPES``: the pages' files, their plain-text 404, the favicon)."""
    module = inspect.getmodule(inspect.unwrap(function))
    return tuple(getattr(module, "ANSWER_TYPES", ()))


def _model(name: str) -> Any:
    from chalicelib.api import schemas

    return getattr(schemas, name, None)


def _query_parameters(model: Any, components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(path: str, method: str, entry: Any, components: dict[str, Any]) -> dict[str, Any]:
    doc = inspect.getdoc(entry.view_function) or ""
    body, query, statuses = _calls(entry.view_function)
    operation: dict[str, Any] = {"operationId": entry.view_name, "summary": doc.split("\n")[0] or entry.view_name}
    parameters = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAMETER_LENGTH}}
        for name in entry.view_args
    ]
    model = _model(query) if query else None
    if model is not None:
        parameters += _query_parameters(model, components)
    if parameters:
        operation["parameters"] = parameters
    model = _model(body) if body else None
    if model is not None:
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        components.update(schema.pop("$defs", {}))
        components[body or model.__name__] = schema
        operation["requestBody"] = {
            "required": True,
            "description": f"at most {MAX_BODY_BYTES} bytes",
            "content": {"application/json": {"schema": {"$ref": REF.format(model=body)}}},
        }
    elif method in ("POST", "PUT", "PATCH"):
        operation["requestBody"] = {
            "required": False,
            "description": f"a JSON object of at most {MAX_BODY_BYTES} bytes",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    html = {"text/html": {"schema": {"type": "string"}}} if _answers_html(entry.view_function) else {}
    html.update({media: {"schema": {"type": "string"}} for media in _answer_types(entry.view_function)})
    success = sorted(set(statuses)) or [200]
    answer = {"description": "the answer", "content": {"application/json": {"schema": {}}, **html}}
    responses: dict[str, Any] = {str(status): answer for status in success if status < 400} or {"200": answer}
    error = {"content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}, **html}}
    for status, description in _ERRORS.items():
        signed = getattr(entry.view_function, "verified_by_signature", False)
        if status == "401" and entry.authorizer is None and not signed:
            continue
        responses[status] = {"description": description, **error}
    operation["responses"] = responses
    if entry.authorizer is not None:
        operation["security"] = [{"bearer": []}]
    return operation


def describe(app: Chalice) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of ``app``."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    taken: set[str] = set()
    for path, methods in sorted(app.routes.items()):
        paths[path] = {}
        for method, entry in sorted(methods.items()):
            operation = _operation(path, method, entry, components)
            if operation["operationId"] in taken:  # one view on many paths (the CORS preflights)
                words = [w.strip("{}") for w in path.split("/") if w]
                operation["operationId"] = "_".join([operation["operationId"], *words])
            taken.add(operation["operationId"])
            paths[path][method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Service desk API", "version": "1.0"},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@cache
def document(app: Chalice) -> dict[str, Any]:
    """``app``'s description, built once per process (``/openapi.json`` and ``/docs``)."""
    return describe(app)


@openapi_blueprint.route("/openapi.json", methods=["GET"])
def openapi_document() -> Response:
    """This API's OpenAPI 3.1 description."""
    return json_response(document(openapi_blueprint.current_app), 200, {"Cache-Control": "max-age=300"})
