"""What every route shares: reading the JSON body, validating it, and mapping errors to HTTP.

This is the one place domain errors become HTTP answers: bad input a 400 naming the field, an
illegal move a 409 naming the allowed ones, and so on (``DeskError.status``). Heavy modules
(pydantic, the services and their AWS clients) are imported when a route first runs, not when
the app is imported, to keep the Lambda's cold start short.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Request, Response

from chalicelib.api.auth import identity_from_context
from chalicelib.domain.errors import DeskError, StorageUnavailable, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.domain.instants import outside_accepted, utc
from chalicelib.observability import logger

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")

#: Content types the JSON routes accept at the gateway: all of them, so that a wrong one reaches
#: the route and gets a 400 naming ``Content-Type`` instead of the gateway's bare 415 (Chalice
#: matches ``*/*`` against any request type, and API Gateway's ``consumes`` takes it too).
ACCEPTED_CONTENT_TYPES = ["*/*"]

#: The longest texts one body may carry, in characters: the largest request the schemas allow
#: (``POST /tickets``: title 200, description 20,000, service 100, 20 tags of 50).
LARGEST_BODY_CHARACTERS = 200 + 20_000 + 100 + 20 * 50
#: The most bytes one character may take in a JSON body: a character outside the BMP written as
#: an escaped surrogate pair (``\ud83d\ude00``, 12 bytes; 4 bytes as plain UTF-8).
MAX_BYTES_PER_CHARACTER = 12
#: Room for the field names, punctuation and the small fields.
BODY_SLACK_BYTES = 8 * 1024
#: The largest body read: every documented field limit filled with the widest characters fits.
MAX_BODY_BYTES = LARGEST_BODY_CHARACTERS * MAX_BYTES_PER_CHARACTER + BODY_SLACK_BYTES
#: The deepest nesting of arrays and objects a body may have (documents nest a few levels).
MAX_JSON_DEPTH = 32
#: The longest number a query parameter may spell (ASCII digits only).
MAX_NUMBER_DIGITS = 6

_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def error_response(error: DeskError) -> Response:
    return json_response(error.body(), error.status, error.headers())


def caller(request: Request) -> Identity:
    return identity_from_context(request.context)


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return value if value is None else str(value)


def body_bytes(request: Request) -> bytes:
    """The request's body as bytes; a body handed over as text with a lone surrogate (which no
    UTF-8 encodes) is a :class:`ValidationFailed` on ``body``, never a 500."""
    try:
        raw = request.raw_body or b""
    except UnicodeEncodeError:
        raise ValidationFailed([{"field": "body", "reason": "not valid UTF-8"}]) from None
    return raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw


def read_json(request: Request) -> Any:
    """The request's JSON body, or :class:`ValidationFailed` naming what is wrong with it."""
    content_type = (_header(request, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ValidationFailed(
            [{"field": "Content-Type", "reason": f"must be application/json, got {content_type or 'nothing'}"}]
        )
    raw = body_bytes(request)
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed([{"field": "body", "reason": f"larger than {MAX_BODY_BYTES} bytes"}])
    if not raw.strip():
        raise ValidationFailed([{"field": "body", "reason": "a JSON object is required"}])
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise ValidationFailed([{"field": "body", "reason": f"nested deeper than {MAX_JSON_DEPTH} levels"}])
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationFailed([{"field": "body", "reason": f"not valid JSON: {exc}"}]) from None


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in the JSON text ``raw`` (brackets inside strings
    do not count), found without parsing it, so that no depth can exhaust the parser's stack."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(raw):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        elif mark in (b"]", b"}"):
            depth -= 1
    return deepest


def pydantic_errors(exc: ValidationError) -> ValidationFailed:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
        reason = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            reason = "unknown field"
        problems.append({"field": loc, "reason": reason})
    return ValidationFailed(problems)


def parse_body(request: Request, schema: type[M]) -> M:
    data = read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed([{"field": "body", "reason": "must be a JSON object"}])
    return validate(schema, data)


def validate(schema: type[M], data: Any) -> M:
    from pydantic import ValidationError

    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None


def query_params(request: Request) -> dict[str, str]:
    return dict(request.query_params or {})


def date_param(params: Mapping[str, str], name: str, now: datetime) -> date | None:
    """The day ``YYYY-MM-DD`` in the query parameter ``name`` (None when absent), within the days
    the desk accepts (:func:`~chalicelib.domain.instants.accepted_days`)."""
    raw = params.get(name)
    if raw is None:
        return None
    if not (len(raw) == 10 and raw.isascii()):
        raise ValidationFailed([{"field": name, "reason": "must be a date YYYY-MM-DD"}])
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed([{"field": name, "reason": "must be a date YYYY-MM-DD"}]) from None
    refused = outside_accepted(day, now)
    if refused is not None:
        raise ValidationFailed([{"field": name, "reason": refused}])
    return day


def accepted_instant(moment: datetime, name: str, now: datetime) -> datetime:
    """``moment`` when its day (in UTC) is one the desk accepts; else :class:`ValidationFailed`."""
    try:
        day = utc(moment).date()
    except OverflowError:  # an offset that moves it past datetime's range
        day = moment.date()
    refused = outside_accepted(day, now)
    if refused is not None:
        raise ValidationFailed([{"field": name, "reason": refused}])
    return moment


def count_param(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The integer query parameter ``name`` (``default`` when absent), spelled in ASCII digits and
    between ``low`` and ``high``; else :class:`ValidationFailed` naming it."""
    raw = params.get(name)
    if raw is None:
        return default
    reason = f"must be an integer from {low} to {high}"
    if not (0 < len(raw) <= MAX_NUMBER_DIGITS and raw.isascii() and raw.isdigit()):
        raise ValidationFailed([{"field": name, "reason": reason}])
    value = int(raw)
    if not low <= value <= high:
        raise ValidationFailed([{"field": name, "reason": reason}])
    return value


F = TypeVar("F", bound=Callable[..., Any])


def signed(func: F) -> F:
    """Marks a route that a signature verifies instead of a token (Slack's, the bridges'
    webhooks): its refusal of an unsigned, mis-signed or replayed request is a 401, which the API
    description (``chalicelib.api.openapi``) then declares."""
    func.verified_by_signature = True  # type: ignore[attr-defined]
    return func


def answers_errors(func: F) -> F:
    """Turn a :class:`DeskError` raised by a route into its HTTP answer, and a fault of the
    storage (unreachable, timed out, throttled, failing: ``storage.aws.storage_fault``) into a
    503 with ``Retry-After``, logged as one short line without a stack trace."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StorageUnavailable as error:
            return _unavailable(error)
        except DeskError as error:
            logger.info("request refused", extra={"error": error.code, "detail": error.message})
            return error_response(error)
        except Exception as exc:
            from chalicelib.storage.aws import storage_fault

            fault = storage_fault(exc)
            if fault is None:
                raise
            return _unavailable(fault, exc)

    return wrapper  # type: ignore[return-value]


def _unavailable(error: StorageUnavailable, cause: BaseException | None = None) -> Response:
    logger.warning(
        "storage unavailable",
        extra={
            "error": error.code,
            "reason": error.reason,
            "operation": error.operation or None,
            "fault": type(cause).__name__ if cause is not None else None,
        },
    )
    return error_response(error)
