"""What every route shares: reading the JSON body, validating it, and mapping errors to HTTP.

This is the one place domain errors become HTTP answers: bad input a 400 naming the field, an
illegal move a 409 naming the allowed ones, and so on (``DeskError.status``). Heavy modules
(pydantic, the services and their AWS clients) are imported when a route first runs, not when
the app is imported, to keep the Lambda's cold start short.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Request, Response

from chalicelib.api.auth import identity_from_context
from chalicelib.domain.errors import DeskError, StorageUnavailable, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.observability import logger

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")

#: Content types the JSON routes accept at the gateway, so that a wrong one reaches the
#: route and gets a 400 naming ``Content-Type`` instead of the gateway's bare 415.
ACCEPTED_CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/xml",
    "text/xml",
    "application/octet-stream",
]

MAX_BODY_BYTES = 64 * 1024


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def error_response(error: DeskError) -> Response:
    return json_response(error.body(), error.status, error.headers())


def caller(request: Request) -> Identity:
    return identity_from_context(request.context)


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    return value if value is None else str(value)


def read_json(request: Request) -> Any:
    """The request's JSON body, or :class:`ValidationFailed` naming what is wrong with it."""
    content_type = (_header(request, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ValidationFailed(
            [{"field": "Content-Type", "reason": f"must be application/json, got {content_type or 'nothing'}"}]
        )
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed([{"field": "body", "reason": f"larger than {MAX_BODY_BYTES} bytes"}])
    if not raw.strip():
        raise ValidationFailed([{"field": "body", "reason": "a JSON object is required"}])
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed([{"field": "body", "reason": f"not valid JSON: {exc}"}]) from None


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


def build_validators() -> None:
    """Build the validator of every request schema now (they are declared with ``defer_build``
    so that importing the schemas stays cheap; the app's init calls this, not a request)."""
    from pydantic import BaseModel

    from chalicelib.api import schemas

    for value in vars(schemas).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == schemas.__name__:
            value.model_rebuild()


def query_params(request: Request) -> dict[str, str]:
    return dict(request.query_params or {})


F = TypeVar("F", bound=Callable[..., Any])


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
