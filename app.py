"""The service desk's Chalice app: registers the blueprints and the scheduled functions."""

from __future__ import annotations

import os
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Rate, Response, SQSEvent

from chalicelib.api.action_links import action_links_blueprint
from chalicelib.api.admin import admin_blueprint
from chalicelib.api.auth import auth_blueprint
from chalicelib.api.changes import changes_blueprint
from chalicelib.api.common import json_response
from chalicelib.api.reports import reports_blueprint
from chalicelib.api.tickets import tickets_blueprint
from chalicelib.config import notices_queue_name
from chalicelib.observability import logger
from chalicelib.storage.aws import RETRY_AFTER_UNAVAILABLE
from chalicelib.wiring import desk

app = Chalice(app_name="service-desk")
app.register_blueprint(auth_blueprint)
app.register_blueprint(tickets_blueprint)
app.register_blueprint(changes_blueprint)
app.register_blueprint(admin_blueprint)
app.register_blueprint(reports_blueprint)
app.register_blueprint(action_links_blueprint)


@app.middleware("http")
def observe_request(event: Any, get_response: Any) -> Response:
    """Correlate every log line of a request with API Gateway's request id."""
    request_id = (event.context or {}).get("requestId")
    logger.set_correlation_id(request_id)
    logger.append_keys(path=event.path, method=event.method)
    response: Response = get_response(event)
    return response


@app.route("/health", methods=["GET"])
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
    relayed = desk().outbox_relay.relay()
    return {**report.to_dict(), "queued": relayed.queued, "delivered_inline": relayed.delivered_inline}


@app.schedule(Rate(15, unit=Rate.MINUTES), name="morning_patrol")
def morning_patrol(event: CloudWatchEvent) -> dict[str, Any]:
    """Sends the Service Manager's digest once a day, at the first run after the patrol time."""
    sent = desk().morning_patrol.send_if_due()
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


# -- init-time warm-up ------------------------------------------------------------------------
#
# Lambda runs a container's init (this import) with a full CPU before its first invocation, and
# a requester waits for that first invocation. So the API's container does here, once, the work
# every first request would otherwise pay for: importing what the routes use, building the
# request validators, parsing the shipped configuration (calendars with their holidays...) and
# creating the AWS clients. None of it calls AWS: creating a client does not, and clients are
# only created when the credentials are in the environment (as on Lambda), so that resolving
# them cannot reach for an instance metadata endpoint. ``DESK_WARMUP=0`` turns it off.

#: The handlers (Lambda's ``_HANDLER``) whose init warms the routes, and the token verifier (on
#: Lambda the authorizer is a function of its own). Unset (``chalice local``, the tests, the
#: bench): both, as one process serves both.
API_HANDLERS = frozenset({"app.app"})
AUTHORIZER_HANDLERS = frozenset({"app.desk_authorizer"})


def credentials_in_environment() -> bool:
    """Whether botocore finds credentials in the environment (on Lambda it does): then creating
    a client reads no file and calls no credential endpoint."""
    return bool(os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"))


def warm_up_api() -> None:
    """Do what the first request of each route family would do, short of calling AWS."""
    from chalicelib.api import common
    from chalicelib.observability import tracer
    from chalicelib.storage.repository import parse_instant
    from chalicelib.wiring import bootstrap

    tracer.warm_up()
    common.build_validators()
    warm_up_calendars()
    parse_instant("2000-01-01T00:00:00.000000Z")  # strptime compiles its pattern once
    # A desk of its own, so that the process's desk is still built on first use: its services
    # are cheap to build, but building them imports every module the routes use.
    scratch = bootstrap()
    _ = scratch.config_service, scratch.clock_keeper, scratch.ticket_service
    if credentials_in_environment():
        warm_up_clients()
        _ = scratch.intake  # Powertools' idempotency, on the client just created


def warm_up_calendars() -> None:
    """Parse the calendars the desk ships with (and is seeded with), and find an hour of work on
    each: this loads the holiday tables and computes this year's holidays of each calendar."""
    from datetime import datetime, timezone

    from chalicelib.domain.sla.calendar import BusinessCalendar
    from chalicelib.domain.sla.defaults import default_calendars

    now = datetime.now(timezone.utc)
    for document in default_calendars():
        BusinessCalendar.from_dict(document).add(now, 3600)


def warm_up_clients() -> None:
    """Create the DynamoDB clients of the tables' connections, and the desk's own client.

    Every PynamoDB connection has a botocore session of its own, and each session would parse
    botocore's endpoint and service descriptions again (about 0.1 s a session); the sessions
    created here share one loader of those files, so they are parsed once.
    """
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.models import ALL_MODELS, bind_models
    from chalicelib.storage.repository import transaction_connection

    bind_models(get_settings())
    connections = [transaction_connection(), *(model._get_connection().connection for model in ALL_MODELS)]
    loader = connections[0].session.get_component("data_loader")
    for connection in connections:
        connection.session.register_component("data_loader", loader)
        _ = connection.client
    client("dynamodb")


def warm_up() -> None:
    """The init-time warm-up of this container's handler (see above); never fails the init."""
    if os.environ.get("DESK_WARMUP", "1").strip().lower() in ("0", "false", "no", "off"):
        return
    handler = os.environ.get("_HANDLER")
    try:
        if handler is None or handler in AUTHORIZER_HANDLERS:
            from chalicelib.api import auth

            auth.warm_up()
        if handler is None or handler in API_HANDLERS:
            warm_up_api()
    except Exception:  # the first request will do the work instead
        logger.exception("init-time warm-up failed")


warm_up()
