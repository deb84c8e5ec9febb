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


def poll_notice_queue(stop: threading.Event) -> None:
    """Plays the SQS event source: hands each queued notice to the notifier Lambda's handler and
    deletes it on success; a failure leaves it for SQS to redeliver (and dead-letter)."""
    from app import app
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client

    url = get_settings().notices_queue_url
    if not url:
        return
    sqs = client("sqs")
    handler = app.handler_map["deliver_notices"]
    while not stop.is_set():
        received = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["ApproximateReceiveCount"]
        )
        for message in received.get("Messages", []):
            event = {
                "Records": [
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": message["Body"],
                        "attributes": message.get("Attributes", {}),
                        "messageAttributes": {},
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:local",
                        "awsRegion": "us-east-1",
                    }
                ]
            }
            try:
                handler(event, None)
            except Exception:
                logger.warning("notice delivery failed; SQS will retry it", extra={"sqs_message": message["MessageId"]})
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def play_events_stream(stop: threading.Event, every_seconds: float = 1.0) -> None:
    """Plays the events table's DynamoDB stream into the rollups' handler (as Lambda's event
    source mapping does): every record from the stream's start, then each new one; a failed
    batch is offered again on the next round."""
    from app import app
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.streams import StreamPlayer, streams_client

    player = StreamPlayer(client("dynamodb"), streams_client(), get_settings().events_table)
    handler = app.handler_map["apply_events_to_rollups"]
    while not stop.is_set():
        try:
            player.play(handler)
        except Exception:
            logger.exception("applying the events stream to the rollups failed; retrying")
        stop.wait(every_seconds)


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
    threading.Thread(target=poll_notice_queue, args=(stop,), name="notifier", daemon=True).start()
    threading.Thread(target=play_events_stream, args=(stop,), name="events-stream", daemon=True).start()
    return thread
