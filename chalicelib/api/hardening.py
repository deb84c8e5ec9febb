"""What every HTTP answer of the API goes through: the rate limits, the security headers a
browser-facing API sends, and CORS for the stage's configured origins.

Headers already set by a route win (the pages set their own Content-Security-Policy; this module
sets none). A cross-origin request from an origin not configured gets no CORS headers, so the
browser keeps the answer from the page; its preflight is refused with a 403.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib.api.common import error_response, json_response
from chalicelib.config import get_settings
from chalicelib.domain.errors import Forbidden, StorageUnavailable, ValidationFailed
from chalicelib.domain.rate_limits import TooManyRequests
from chalicelib.observability import logger

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: What a configured origin may send and read.
CORS_ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"
CORS_EXPOSED_HEADERS = "Location, Retry-After"
CORS_MAX_AGE_SECONDS = 600
#: The longest a path parameter may be (ticket numbers, names, signed link tokens of ~300).
MAX_PATH_PARAMETER_LENGTH = 500


def _context(request: Request) -> dict[str, Any]:
    return dict(request.context or {})


def caller_key(request: Request) -> str:
    """Who a request is counted against: its verified user, else its source address."""
    context = _context(request)
    user = (context.get("authorizer") or {}).get("principalId")
    if user:
        return f"user:{user}"
    return f"ip:{(context.get('identity') or {}).get('sourceIp') or 'unknown'}"


def admit(request: Request) -> Response | None:
    """None when the request is within its limits, else the answer refusing it: a ``400`` for a
    path parameter longer than :data:`MAX_PATH_PARAMETER_LENGTH`, a ``429`` over a rate limit."""
    from chalicelib.wiring import desk

    too_long = [
        {"field": name, "reason": f"longer than {MAX_PATH_PARAMETER_LENGTH} characters"}
        for name, value in sorted((request.uri_params or {}).items())
        if len(str(value)) > MAX_PATH_PARAMETER_LENGTH
    ]
    if too_long:
        return error_response(ValidationFailed(too_long))

    route = _context(request).get("resourcePath") or request.path
    try:
        desk().rate_limiter.admit(caller_key(request), request.method, route)
    except TooManyRequests as refusal:
        logger.info("rate limited", extra={"route": route, "retry_after": refusal.retry_after})
        return error_response(refusal)
    except StorageUnavailable:
        logger.warning("rate limits unavailable; request admitted", extra={"route": route})
    return None


def _origin(request: Request) -> str | None:
    origin = request.headers.get("origin") if request.headers else None
    return str(origin) if origin and str(origin) in get_settings().cors_origins else None


def secure(response: Response, request: Request) -> Response:
    """Add the security headers (never replacing a route's own) and CORS for a configured origin."""
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        if not any(existing.lower() == name.lower() for existing in headers):
            headers[name] = value
    origin = _origin(request)
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        headers["Vary"] = "Origin"
    return response


def register_preflights(app: Chalice) -> None:
    """An ``OPTIONS`` route on every path, answering a configured origin's preflight."""
    for path, methods in list(app.routes.items()):
        if "OPTIONS" in methods:
            continue
        allowed = ", ".join(sorted(methods))

        def preflight(*_: Any, allowed: str = allowed, **__: Any) -> Response:
            """Answers a browser's CORS preflight for a configured origin."""
            request = app.current_request
            if request is None or _origin(request) is None:
                return error_response(Forbidden("this origin may not call the API", field="Origin"))
            return json_response(None, 204, {
                "Access-Control-Allow-Methods": allowed,
                "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS,
                "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
            })

        preflight.__name__ = "preflight"
        app.route(path, methods=["OPTIONS"])(preflight)
