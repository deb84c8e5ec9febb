"""Runs the app's scheduled functions locally on their schedules (``chalice local`` does not)."""

from __future__ import annotations

import threading
import time
from typing import Any

from chalicelib.observability import logger


def _interval_seconds(expression: Any) -> float | None:
    """Seconds between runs for ``rate(...)`` and ``Rate`` expressions; None if not a rate."""
    text = expression if isinstance(expression, str) else getattr(expression, "to_string", lambda: "")()
    text = text.strip()
    if not text.startswith("rate(") or not text.endswith(")"):
        return None
    amount, unit = text[5:-1].split()
    factor = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}[unit]
    return float(amount) * factor


def scheduled_functions() -> list[tuple[str, Any, float]]:
    """(name, handler, interval) of every ``@app.schedule`` function with a rate expression."""
    from app import app

    found = []
    for source in app.event_sources:
        schedule = getattr(source, "schedule_expression", None)
        if schedule is None:
            continue
        interval = _interval_seconds(schedule)
        if interval is not None:
            found.append((source.name, app.handler_map[source.name], interval))
    return found


def scheduled_event() -> dict[str, Any]:
    """An EventBridge scheduled event as Lambda receives it."""
    return {
        "version": "0",
        "id": "local",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }


def start_scheduler(stop: threading.Event, speedup: float = 1.0) -> threading.Thread:
    def loop() -> None:
        jobs = scheduled_functions()
        next_run = {name: time.monotonic() for name, _, _ in jobs}
        while not stop.is_set():
            now = time.monotonic()
            for name, handler, interval in jobs:
                if now >= next_run[name]:
                    next_run[name] = now + interval / speedup
                    try:
                        handler(scheduled_event(), None)
                    except Exception:
                        logger.exception("scheduled function failed", extra={"function": name})
            stop.wait(1.0)

    thread = threading.Thread(target=loop, name="scheduler", daemon=True)
    thread.start()
    return thread
