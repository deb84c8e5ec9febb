"""Rate limits per caller and route: fixed windows, the wait a refusal names, the stage's settings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.rate_limits import RateLimit, RateLimits, TooManyRequests, parse_limit, parse_route_limits
from chalicelib.services.rate_limits import RateLimiter

NOON = datetime(2026, 11, 23, 12, 0, 10, tzinfo=timezone.utc)


class Counters:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.expiries: dict[str, int] = {}

    def hit(self, key: str, limit: int, expires_at: int) -> bool:
        if self.counts.get(key, 0) >= limit:
            return False
        self.counts[key] = self.counts.get(key, 0) + 1
        self.expiries[key] = expires_at
        return True


def _limiter(limits: RateLimits, now: list[datetime]) -> tuple[RateLimiter, Counters]:
    counters = Counters()
    return RateLimiter(counters, lambda: now[0], limits), counters


def test_the_request_over_the_limit_is_refused_until_the_window_ends() -> None:
    now = [NOON]
    limiter, _ = _limiter(RateLimits(writes=RateLimit(2, 60)), now)
    limiter.admit("user:alice", "POST", "/tickets")
    limiter.admit("user:alice", "POST", "/tickets")
    with pytest.raises(TooManyRequests) as refused:
        limiter.admit("user:alice", "POST", "/tickets")
    assert refused.value.status == 429
    assert refused.value.headers() == {"Retry-After": "50"}  # the minute ends at 12:01:00
    now[0] = NOON + timedelta(seconds=50)
    limiter.admit("user:alice", "POST", "/tickets")


def test_each_caller_and_each_route_has_its_own_count() -> None:
    limiter, _ = _limiter(RateLimits(writes=RateLimit(1, 60)), [NOON])
    limiter.admit("user:alice", "POST", "/tickets")
    limiter.admit("user:bob", "POST", "/tickets")
    limiter.admit("user:alice", "POST", "/tickets/{number}/comments")
    with pytest.raises(TooManyRequests):
        limiter.admit("user:alice", "POST", "/tickets")


def test_reads_unlimited_unless_set_and_a_route_override_wins() -> None:
    limits = RateLimits(writes=RateLimit(100), routes={"POST /tickets": RateLimit(1), "GET /tickets": RateLimit(1)})
    limiter, counters = _limiter(limits, [NOON])
    for _ in range(3):
        limiter.admit("user:alice", "GET", "/tickets/{number}")
    assert counters.counts == {}  # no read limit: nothing counted, nothing written
    limiter.admit("user:alice", "POST", "/tickets")
    with pytest.raises(TooManyRequests):
        limiter.admit("user:alice", "POST", "/tickets")
    limiter.admit("user:alice", "GET", "/tickets")
    with pytest.raises(TooManyRequests):
        limiter.admit("user:alice", "GET", "/tickets")


def test_a_counted_window_expires_after_it_ends() -> None:
    limiter, counters = _limiter(RateLimits(writes=RateLimit(5, 60)), [NOON])
    limiter.admit("user:alice", "POST", "/tickets")
    (expiry,) = counters.expiries.values()
    assert expiry == int(NOON.replace(second=0).timestamp()) + 120


def test_limits_are_read_from_their_settings() -> None:
    assert parse_limit("30", "X") == RateLimit(30, 60)
    assert parse_limit("5/10", "X") == RateLimit(5, 10)
    assert parse_limit("0", "X") is None and parse_limit("", "X") is None
    assert parse_route_limits("POST /tickets=10, get /tickets=120/30") == {
        "POST /tickets": RateLimit(10, 60), "GET /tickets": RateLimit(120, 30),
    }
    for bad in ("ten", "5/0", "-1"):
        with pytest.raises(ValidationFailed):
            parse_limit(bad, "RATE_LIMIT_WRITES")
    with pytest.raises(ValidationFailed):
        parse_route_limits("tickets=3")


def test_a_bad_setting_stops_the_desk_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import get_settings

    monkeypatch.setenv("RATE_LIMIT_WRITES", "lots")
    get_settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="RATE_LIMIT_WRITES"):
            get_settings()
    finally:
        get_settings.cache_clear()
