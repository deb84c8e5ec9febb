"""``GET /docs``: the API's OpenAPI description as one plain HTML page, rendered here.

The page is built from the same document ``GET /openapi.json`` serves (one source of truth): a
contents list of every operation, then each operation (method, path, summary, who may call it,
its parameters with their limits, its body's schema and its answers), then every schema with
its properties. It carries no script at all, so the pages' strict policy holds (``script-src
'self'``, no inline script, no eval), and it adds a few kilobytes, not a viewer.

Why no vendored viewer: the small ones measured (``rapidoc`` 9.3.8's ``rapidoc-min.js``,
863 KB; ``openapi-explorer`` 2.4.820, 754 KB; ``redoc`` and ``@stoplight/elements`` larger still)
would each be four times the rest of the UI, and each evaluates code at run time, which the
pages' policy refuses.

Every text of the document is escaped (:func:`html.escape`); nothing in it becomes markup.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

#: The order operations are listed in within a path.
METHODS = ("get", "post", "put", "patch", "delete", "options", "head")
#: Schema keywords shown as a property's limits, in this order.
LIMITS = ("minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "pattern", "format", "default")


def anchor(method: str, path: str) -> str:
    """The page's fragment id of one operation: ``get-tickets-number``."""
    words = [w.strip("{}") for w in path.split("/") if w]
    return "-".join([method.lower(), *words]) if words else f"{method.lower()}-root"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the document, by path, then method."""
    out = []
    for path, item in sorted(document.get("paths", {}).items()):
        for method in sorted(item, key=lambda m: METHODS.index(m) if m in METHODS else len(METHODS)):
            out.append((method.upper(), path, item[method]))
    return out


def schema_text(schema: dict[str, Any]) -> str:
    """A schema in a few words: ``string``, ``array of Comment``, ``one of: string, null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for word in ("anyOf", "oneOf", "allOf"):
        if word in schema:
            parts = ", ".join(schema_text(s) for s in schema[word])
            return f"{'all' if word == 'allOf' else 'one'} of: {parts}"
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(str(k) for k in kind)
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {schema_text(schema['items'])}"
    return str(kind)


def limits_text(schema: dict[str, Any]) -> str:
    """A schema's limits: ``maxLength 200, pattern ^[a-z]+$``."""
    return ", ".join(f"{key} {json.dumps(schema[key]) if key == 'default' else schema[key]}"
                     for key in LIMITS if key in schema)


def _schema_link(schema: dict[str, Any]) -> str:
    text = escape(schema_text(schema))
    if "$ref" in schema:
        return f'<a href="docs#schema-{text}">{text}</a>'
    return text


def _parameters(operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    if not parameters:
        return []
    rows = [
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td><td>{_schema_link(p.get('schema', {}))}</td>"
        f"<td>{escape(limits_text(p.get('schema', {})))}</td></tr>"
        for p in parameters
    ]
    return ['<table><caption>Parameters</caption>',
            "<tr><th>name</th><th>in</th><th>required</th><th>type</th><th>limits</th></tr>", *rows, "</table>"]


def _body(operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody")
    if not body:
        return []
    contents = [f"<code>{escape(media)}</code>: {_schema_link(c.get('schema', {}))}"
                for media, c in body.get("content", {}).items()]
    required = "required" if body.get("required") else "optional"
    return [f"<p>Body ({required}, {escape(body.get('description', ''))}): {'; '.join(contents)}</p>"]


def _responses(operation: dict[str, Any]) -> list[str]:
    items = []
    for status, answer in operation.get("responses", {}).items():
        media = ", ".join(escape(m) for m in answer.get("content", {}))
        items.append(f"<li><strong>{escape(status)}</strong> {escape(answer.get('description', ''))}"
                     + (f" <span class=\"media\">({media})</span>" if media else "") + "</li>")
    return ["<p>Answers:</p>", "<ul>", *items, "</ul>"]


def _operation(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    who = "a bearer token" if operation.get("security") else "no token"
    return [
        f'<section class="card operation" id="{anchor(method, path)}">',
        f'<h3><span class="method">{method}</span> <code>{escape(path)}</code></h3>',
        f"<p>{escape(operation.get('summary', ''))}</p>",
        f"<p class=\"hint\">Needs {who}. Operation <code>{escape(operation.get('operationId', ''))}</code>.</p>",
        *_parameters(operation),
        *_body(operation),
        *_responses(operation),
        "</section>",
    ]


def _schema(name: str, schema: dict[str, Any]) -> list[str]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    out = [f'<section class="card schema" id="schema-{escape(name)}">', f"<h3>{escape(name)}</h3>"]
    if schema.get("description"):
        out.append(f"<p>{escape(str(schema['description']))}</p>")
    if properties:
        out += ["<table>", "<tr><th>property</th><th>type</th><th>required</th><th>limits</th></tr>"]
        out += [
            f"<tr><td><code>{escape(prop)}</code></td><td>{_schema_link(spec)}</td>"
            f"<td>{'yes' if prop in required else 'no'}</td><td>{escape(limits_text(spec))}</td></tr>"
            for prop, spec in properties.items()
        ]
        out.append("</table>")
    else:
        out.append(f"<p>{escape(schema_text(schema))}</p>")
    out.append("</section>")
    return out


def render_docs(document: dict[str, Any], base: str) -> str:
    """The whole page for ``document`` (an OpenAPI 3.1 description), relative links resolved
    against ``base`` (the path the page is served under, ending in ``/``)."""
    info = document.get("info", {})
    title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
    listed = operations(document)
    contents = [
        f'<li><a href="docs#{anchor(m, p)}"><span class="method">{m}</span> <code>{escape(p)}</code></a>'
        f" {escape(op.get('summary', ''))}</li>"
        for m, p, op in listed
    ]
    body = [f"<h2>Operations ({len(listed)})</h2>"]
    for method, path, operation in listed:
        body += _operation(method, path, operation)
    body.append("<h2>Schemas</h2>")
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        body += _schema(name, schema)
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<base href="{escape(base)}">',
        f"<title>{escape(title)}</title>",
        '<link rel="stylesheet" href="ui/style.css">',
        '<link rel="stylesheet" href="ui/docs.css">',
        "</head>",
        "<body>",
        '<main class="docs">',
        f"<h1>{escape(title)}</h1>",
        f"<p>OpenAPI {escape(str(document.get('openapi', '')))}: the machine-readable description is "
        '<a href="openapi.json">openapi.json</a>. Every refusal answers the one <a href="docs#schema-Error">Error</a> '
        "shape.</p>",
        '<nav aria-label="Operations"><ul class="contents">',
        *contents,
        "</ul></nav>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])
