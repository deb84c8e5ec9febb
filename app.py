"""The service desk's Chalice app: registers the blueprints and the scheduled functions."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, CloudWatchEvent, DynamoDBEvent, Rate, Response, SQSEvent

from chalicelib.api.action_links import action_links_blueprint
from chalicelib.api.admin import admin_blueprint
from chalicelib.api.auth import auth_blueprint
from chalicelib.api.changes import changes_blueprint
from chalicelib.api.common import ACCEPTED_CONTENT_TYPES, json_response
from chalicelib.api.hardening import admit, register_preflights, secure
from chalicelib.api.openapi import openapi_blueprint
from chalicelib.api.pages import pages_blueprint
from chalicelib.api.portal import portal_blueprint
from chalicelib.api.problems import problems_blueprint
from chalicelib.api.reports import reports_blueprint
from chalicelib.api.satisfaction import satisfaction_blueprint
from chalicelib.api.tickets import tickets_blueprint
from chalicelib.config import events_stream_arn, notices_queue_name
from chalicelib.inbound.bridges import bridges_blueprint
from chalicelib.inbound.slack import slack_blueprint
from chalicelib.observability import logger, record_sweep_lag
from chalicelib.storage.aws import RETRY_AFTER_UNAVAILABLE
from chalicelib.warmup import warm_up
from chalicelib.wiring import desk

app = Chalice(app_name="service-desk")
app.register_blueprint(auth_blueprint)
app.register_blueprint(tickets_blueprint)
app.register_blueprint(changes_blueprint)
app.register_blueprint(admin_blueprint)
app.register_blueprint(reports_blueprint)
app.register_blueprint(action_links_blueprint)
app.register_blueprint(problems_blueprint)
app.register_blueprint(pages_blueprint)
app.register_blueprint(portal_blueprint)
app.register_blueprint(satisfaction_blueprint)
app.register_blueprint(openapi_blueprint)
app.register_blueprint(slack_blueprint)
app.register_blueprint(bridges_blueprint)


@app.middleware("http")
def observe_request(event: Any, get_response: Any) -> Response:
    """Correlate every log line of a request with API Gateway's request id; hold the caller to the
    stage's rate limits; add the security headers and CORS (``chalicelib.api.hardening``)."""
    request_id = (event.context or {}).get("requestId")
    logger.set_correlation_id(request_id)
    logger.append_keys(path=event.path, method=event.method)
    response: Response = admit(event) or get_response(event)
    return secure(response, event)


@app.route("/health", methods=["GET"], content_types=ACCEPTED_CONTENT_TYPES)
def health() -> Response:
    """200 when the storage and the notice queue answer, else 503 naming what is down (the
    answer is reused for ``HEALTH_CACHE_SECONDS``)."""
    report = desk().health.report()
    headers = {"Cache-Control": "no-store"}
    if not report.ok:
        headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE)
    return json_response(report.to_dict(), 200 if report.ok else 503, headers)


# -- scheduled functions and the notifier ---------------------------------------------------------


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sla_sweep")
def sla_sweep(event: CloudWatchEvent) -> dict[str, Any]:
    """Every minute: fire due warnings, breaches and escalation steps, then hand notices to the queue."""
    report = desk().sla_sweep.run()
    record_sweep_lag(report.lag_seconds)
    relayed = desk().outbox_relay.relay()
    return {**report.to_dict(), "queued": relayed.queued, "delivered_inline": relayed.delivered_inline}


@app.schedule(Rate(1, unit=Rate.HOURS), name="problem_candidates")
def problem_candidates(event: CloudWatchEvent) -> dict[str, Any]:
    """Hourly: group recent incidents that look alike and have no problem into candidates."""
    return {"new": [c.id for c in desk().candidate_finder.scan()]}


@app.schedule(Rate(15, unit=Rate.MINUTES), name="morning_patrol")
def morning_patrol(event: CloudWatchEvent) -> dict[str, Any]:
    """Sends the Service Manager's digest once a day, at the first run after the patrol time."""
    sent = desk().morning_patrol.send_if_due()
    relayed = desk().outbox_relay.relay() if sent else None
    return {"sent": sent, "queued": relayed.queued if relayed else 0}


@app.schedule(Rate(15, unit=Rate.MINUTES), name="steering_report")
def steering_report(event: CloudWatchEvent) -> dict[str, Any]:
    """Monday morning (the Service Manager's zone): last week's steering report, kept and sent once."""
    sent = desk().steering.send_if_due()
    relayed = desk().outbox_relay.relay() if sent else None
    return {"sent": sent, "queued": relayed.queued if relayed else 0}


@app.schedule(Rate(1, unit=Rate.HOURS), name="auto_close")
def auto_close(event: CloudWatchEvent) -> dict[str, Any]:
    """Closes resolved tickets left unanswered for the configured number of business days."""
    return {"closed": desk().auto_closer().run()}


@app.schedule(Rate(1, unit=Rate.DAYS), name="retrain_classifier")
def retrain_classifier(event: CloudWatchEvent) -> dict[str, Any]:
    """Retrains the intake models from labelled history (closed tickets and corrections)."""
    return desk().learning.retrain()


@app.on_sqs_message(queue=notices_queue_name(), batch_size=1, name="deliver_notices")
def deliver_notices(event: SQSEvent) -> None:
    """Delivers each queued notice to its channel; a failure raises so SQS retries it."""
    from chalicelib.notify.queue import notice_from_message

    notifier = desk().notifier
    for record in event:
        attempt = int(record.to_dict().get("attributes", {}).get("ApproximateReceiveCount", "1"))
        notifier.deliver(notice_from_message(record.body), attempt)


@app.on_dynamodb_record(
    stream_arn=events_stream_arn(), batch_size=100, starting_position="TRIM_HORIZON", name="apply_events_to_rollups"
)
def apply_events_to_rollups(event: DynamoDBEvent) -> dict[str, int]:
    """The events table's stream: each ticket's new events applied to the reports' rollups
    exactly once (a repeated delivery is skipped; a failure raises so the batch is retried)."""
    from chalicelib.storage.rollups import latest_seqs

    return desk().rollups.apply(latest_seqs(record.keys for record in event if record.event_name == "INSERT"))


@app.lambda_function(name="receive_mail")
def receive_mail(event: dict[str, Any], context: Any) -> list[dict[str, str | None]]:
    """SES stored received mail in the inbound-mail bucket: each new object becomes one desk
    action (``chalicelib.services.mail_in``). Wired to the bucket's notifications by the stack
    (``infra/stack.py``): Chalice's CloudFormation packager refuses ``on_s3_event``."""
    from chalicelib.inbound.mail import receive_s3_event

    return receive_s3_event(desk(), event)


# Every path answers a configured origin's CORS preflight (after every route is registered).
register_preflights(app)

# Lambda runs this import as the container's init, with a full CPU: do there what every first
# request would otherwise pay for (``chalicelib.warmup``).
warm_up()
