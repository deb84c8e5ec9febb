"""The init-time warm-up of the Lambda containers.

Lambda runs a container's init (the import of ``app``) with a full CPU before its first
invocation, and a requester waits for that first invocation. So the API's container does here, once, the work
every first request would otherwise pay for: importing what the routes use, building the
request validators, parsing the shipped configuration (calendars with their holidays...) and
creating the AWS clients. None of it calls AWS: creating a client does not, and clients are
only created when the credentials are in the environment (as on Lambda), so that resolving
them cannot reach for an instance metadata endpoint. ``DESK_WARMUP=0`` turns it off.
"""

from __future__ import annotations

import os

from chalicelib.observability import logger

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
