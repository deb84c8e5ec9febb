"""Rate limits per caller and per route: fixed windows, counted where every container sees them.

A limit is ``requests`` per ``window_seconds``. Each (caller, route) pair has its own count in
the current window; the request that would exceed it is refused with the seconds left until
the window ends, which the answer's ``Retry-After`` carries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.errors import DeskError, ValidationFailed

#: Methods that write: counted against the write limit; the rest against the read limit.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_seconds: int = 60


class TooManyRequests(DeskError):
    """A caller went over a route's limit; ``retry_after`` seconds until the next window."""

    status = 429
    code = "too_many_requests"

    def __init__(self, route: str, limit: RateLimit, retry_after: int) -> None:
        super().__init__(
            f"more than {limit.requests} requests to {route} in {limit.window_seconds} seconds; "
            f"retry in {retry_after} seconds",
            field="rate",
        )
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class RateLimits:
    """The stage's limits: one for writes, one for reads (None: unlimited), and per-route overrides
    keyed ``"POST /tickets"``."""

    writes: RateLimit | None = None
    reads: RateLimit | None = None
    routes: Mapping[str, RateLimit | None] = field(default_factory=dict)

    def for_route(self, method: str, route: str) -> RateLimit | None:
        key = f"{method} {route}"
        if key in self.routes:
            return self.routes[key]
        return self.writes if method in WRITE_METHODS else self.reads


@dataclass(frozen=True)
class Window:
    """The window a request falls in: its key part and when it ends."""

    start: int
    ends: int

    @classmethod
    def at(cls, now: datetime, limit: RateLimit) -> Window:
        moment = now.timestamp()
        start = int(moment // limit.window_seconds) * limit.window_seconds
        return cls(start, start + limit.window_seconds)

    def retry_after(self, now: datetime) -> int:
        return max(1, math.ceil(self.ends - now.timestamp()))


def parse_limit(text: str, name: str) -> RateLimit | None:
    """``"30"`` (per minute), ``"30/60"`` (per 60 seconds); ``"0"`` or empty: unlimited."""
    text = text.strip()
    if not text or text == "0":
        return None
    count, _, window = text.partition("/")
    try:
        limit = RateLimit(int(count), int(window) if window else 60)
    except ValueError:
        raise ValidationFailed([{"field": name, "reason": f"must be N or N/SECONDS, got {text!r}"}]) from None
    if limit.requests < 0 or limit.window_seconds <= 0:
        raise ValidationFailed([{"field": name, "reason": "must be positive"}])
    return limit


def parse_route_limits(text: str, name: str = "RATE_LIMITS") -> dict[str, RateLimit | None]:
    """``"POST /tickets=10, GET /tickets=120/60"`` -> per-route limits."""
    out: dict[str, RateLimit | None] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        route, sep, limit = part.rpartition("=")
        method, _, path = route.strip().partition(" ")
        if not sep or not method or not path.startswith("/"):
            raise ValidationFailed([{"field": name, "reason": f"expected 'METHOD /path=N', got {part!r}"}])
        out[f"{method.upper()} {path.strip()}"] = parse_limit(limit, name)
    return out
