"""Admitting a request under the stage's rate limits (``chalicelib.domain.rate_limits``)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.rate_limits import RateLimits, TooManyRequests, Window
from chalicelib.services.ports import Clock


class RateCounters(Protocol):
    def hit(self, key: str, limit: int, expires_at: int) -> bool:
        """Count one request under ``key``; False (and nothing counted) once ``limit`` is reached."""
        ...


class RateLimiter:
    def __init__(self, counters: RateCounters, clock: Clock, limits: RateLimits) -> None:
        self.counters = counters
        self.clock = clock
        self.limits = limits

    def admit(self, caller: str, method: str, route: str) -> None:
        """Count the request; :class:`TooManyRequests` when the caller is over the route's limit."""
        limit = self.limits.for_route(method, route)
        if limit is None:
            return
        now = self.clock()
        window = Window.at(now, limit)
        key = f"rate#{caller}#{method} {route}#{window.start}"
        if not self.counters.hit(key, limit.requests, window.ends + limit.window_seconds):
            raise TooManyRequests(f"{method} {route}", limit, window.retry_after(now))
