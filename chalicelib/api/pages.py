"""The pages: the single HTML page, its scripts and styles, and signing in.

Everything the browser loads is served by this app under flat routes (Chalice has no catch-all
route): ``GET /`` (the page), ``GET /ui/{name}`` (``chalicelib/web/``), ``GET /ui/vendor/{name}``
(``chalicelib/web/vendor/``, pinned third-party modules listed in its ``MANIFEST.json``), an
empty ``GET /favicon.ico`` and ``GET /docs``, the API's description as a page, without script.
Only text types are served (HTML, JavaScript, CSS, SVG): binary bodies through API Gateway need
matching ``Accept`` headers. The page carries ``<base href>`` computed
from the request's own path, so relative URLs (scripts, the API) work behind API Gateway's stage
prefix as on ``make run``. Every page answer carries :data:`CONTENT_SECURITY_POLICY`: scripts and
styles from this origin only, no inline script, no eval.

Signing in: ``GET /session/config`` tells the page how (a local desk: a name and a role; a
deployed stage: the Cognito hosted UI, authorization code with PKCE, from ``COGNITO_*``);
``POST /session/local`` mints a local token, on a desk marked local (``DESK_LOCAL``) only; on
any other stage it is a 404.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from pathlib import Path

from chalice.app import Blueprint, Response

from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, answers_errors, json_response, parse_body
from chalicelib.config import Settings, get_settings
from chalicelib.domain.errors import NotFound

pages_blueprint = Blueprint(__name__)
bp = pages_blueprint

WEB = Path(__file__).resolve().parent.parent / "web"
#: The text types served, by extension.
TEXT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
#: Every media type this module answers with (the API description declares them for its routes):
#: the files, a missing one's plain-text 404 and the empty favicon.
ANSWER_TYPES = (*sorted({t.split(";")[0] for t in TEXT_TYPES.values()}), "text/plain", "image/x-icon")
_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,80}$")
_SAFE_BASE = re.compile(r"^/[A-Za-z0-9/_.~-]*$")
BASE_MARK = "{{base}}"


def content_security_policy(settings: Settings) -> str:
    """The pages' policy: this origin's scripts and styles only (no inline script, no eval), API
    calls to this origin, uploads to the attachments bucket and, on a deployed stage, the token
    exchange with Cognito."""
    connect = ["'self'", *upload_origins(settings)]
    if settings.cognito_domain:
        connect.append(settings.cognito_domain)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            "form-action 'self'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


def upload_origins(settings: Settings) -> list[str]:
    """Where the browser posts attachments: the S3 endpoint given (``make run``: moto), else the
    bucket's virtual-hosted addresses."""
    if settings.s3_endpoint:
        return [settings.s3_endpoint.rstrip("/")]
    bucket = settings.attachments_bucket
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{settings.region}.amazonaws.com"]


def page_headers(content_type: str) -> dict[str, str | list[str]]:
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": content_security_policy(get_settings()),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


@cache
def _read(folder: str, name: str) -> str | None:
    if not _FILE_NAME.match(name) or Path(name).suffix not in TEXT_TYPES:
        return None
    path = WEB / folder / name if folder else WEB / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _asset(folder: str, name: str) -> Response:
    text = _read(folder, name)
    if text is None or name == "index.html":
        missing: dict[str, str | list[str]] = {"Content-Type": "text/plain; charset=utf-8"}
        return Response(body="not found", status_code=404, headers=missing)
    return Response(body=text, status_code=200, headers=page_headers(TEXT_TYPES[Path(name).suffix]))


def base_href(context: dict[str, object]) -> str:
    """The path the page was served at, ending in ``/``: ``/`` on ``make run``, ``/api/`` behind
    the stage prefix ``api``. Anything unexpected falls back to ``/``."""
    path = str(context.get("path") or "/")
    base = path if path.endswith("/") else path + "/"
    return base if _SAFE_BASE.match(base) and "//" not in base else "/"


def base_href_of_child(context: dict[str, object]) -> str:
    """The base of a page served one level below it (``/docs``: ``/``; ``/api/docs``: ``/api/``)."""
    path = str(context.get("path") or "/")
    return base_href({"path": path.rsplit("/", 1)[0] + "/"})


@bp.route("/", methods=["GET"])
def index() -> Response:
    page = _read("", "index.html") or ""
    body = page.replace(BASE_MARK, escape(base_href(bp.current_request.context or {})))
    headers = page_headers(TEXT_TYPES[".html"])
    headers["Cache-Control"] = "no-store"
    return Response(body=body, status_code=200, headers=headers)


@bp.route("/docs", methods=["GET"])
def api_docs() -> Response:
    """The API's OpenAPI description as a page (``chalicelib.api.docs``): no script, no token."""
    from chalicelib.api.docs import render_docs
    from chalicelib.api.openapi import document

    body = render_docs(document(bp.current_app), base_href_of_child(bp.current_request.context or {}))
    return Response(body=body, status_code=200, headers=page_headers(TEXT_TYPES[".html"]))


@bp.route("/favicon.ico", methods=["GET"])
def favicon() -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": "image/x-icon", "Cache-Control": "max-age=86400"}
    return Response(body="", status_code=200, headers=headers)


@bp.route("/ui/{name}", methods=["GET"])
def asset(name: str) -> Response:
    return _asset("", name)


@bp.route("/ui/vendor/{name}", methods=["GET"])
def vendor_asset(name: str) -> Response:
    return _asset("vendor", name)


@bp.route("/session/config", methods=["GET"])
def session_config() -> Response:
    """How the page signs in on this stage."""
    settings = get_settings()
    cognito = None
    if settings.cognito_domain and settings.cognito_client_id:
        cognito = {
            "authorize_url": f"{settings.cognito_domain}/oauth2/authorize",
            "token_url": f"{settings.cognito_domain}/oauth2/token",
            "client_id": settings.cognito_client_id,
            "scopes": settings.cognito_scopes,
        }
    from chalicelib.domain.identity import ROLES

    return json_response(
        {
            "stage": settings.stage,
            "local": settings.local,
            "roles": list(ROLES) if settings.local else [],
            "cognito": cognito,
        },
        headers={"Cache-Control": "no-store"},
    )


@bp.route("/session/local", methods=["POST"], content_types=ACCEPTED_CONTENT_TYPES)
@answers_errors
def local_sign_in() -> Response:
    """A local token for a user name and a role: a local desk only (``DESK_LOCAL``), 404 elsewhere."""
    from chalicelib.api.portal_schemas import LocalSignInBody
    from chalicelib.services.tokens import mint_token

    settings = get_settings()
    if not settings.local or not settings.jwt_hs256_secret:
        raise NotFound("signing in with a name is offered on a local desk only", field="path")
    body = parse_body(bp.current_request, LocalSignInBody)
    token = mint_token(settings, body.user, body.role)
    return json_response(
        {"token": token, "user": body.user, "role": body.role, "expires_in": settings.token_max_seconds},
        headers={"Cache-Control": "no-store"},
    )
