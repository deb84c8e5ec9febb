"""The init-time warm-up of the Lambda containers.

Lambda runs a container's init (the import of ``app``) with a full CPU before its first
invocation, and a requester waits for that first invocation. So the API's container does here, once, the work
the first requests would otherwise pay for (see :func:`warm_up_api` for what, and what not):
importing what the routes use, building the intake's validator and creating the AWS clients
on one botocore session. None of it calls AWS: creating a client does not, and clients are
only created when the credentials are in the environment (as on Lambda), so that resolving
them cannot reach for an instance metadata endpoint. ``DESK_WARMUP=0`` turns it off.

On Lambda the admin routes have an API function of their own (``infra.stack.API_SPLITS``), whose
environment says ``DESK_API_FAMILY=admin``: its init creates the clients and nothing else, since
intake's work would make an administrator's cold start longer than it saves (``make bench``:
``cold``). Everywhere else (the main API function, ``make run``, the tests) the family is unset
and the init warms every family's needs.
"""

from __future__ import annotations

import os

from chalicelib.observability import logger

#: The handlers (Lambda's ``_HANDLER``) whose init warms the routes, and the token verifier (on
#: Lambda the authorizer is a function of its own). Unset (``chalice local``, the tests, the
#: bench): both, as one process serves both.
API_HANDLERS = frozenset({"app.app"})
AUTHORIZER_HANDLERS = frozenset({"app.desk_authorizer"})
#: ``DESK_API_FAMILY`` of the API function that serves the admin routes alone.
ADMIN_FAMILY = "admin"


def credentials_in_environment() -> bool:
    """Whether botocore finds credentials in the environment (on Lambda it does): then creating
    a client reads no file and calls no credential endpoint."""
    return bool(os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"))


def warm_up_admin_api() -> None:
    """The admin function's warm-up: the DynamoDB clients, which its first request needs. The
    admin routes' own modules and validators are left to that request: they cost it less than
    intake's warm-up would cost the init."""
    if credentials_in_environment():
        warm_up_clients()


def warm_up_api() -> None:
    """Do, short of calling AWS, what the first request of every route family needs, and what
    the first intake needs besides (its body's validator, Powertools' idempotency): a container's
    first request is most often a requester's, and intake is the heaviest. What only some
    other families use (the other routes' validators, business calendars with their holiday
    tables) is left to their first request: moved here, it would make every other family's
    init plus first request longer than it saves (``make bench``: ``cold``)."""
    from chalicelib.api.schemas import OpenTicketBody
    from chalicelib.observability import tracer
    from chalicelib.storage.models import parse_instant
    from chalicelib.wiring import bootstrap

    tracer.warm_up()
    OpenTicketBody.model_rebuild()
    parse_instant("2000-01-01T00:00:00.000000Z")  # strptime compiles its pattern once
    # A desk of its own, so that the process's desk is still built on first use: its services
    # are cheap to build, but building them imports every module the routes use.
    scratch = bootstrap()
    _ = scratch.config_service, scratch.clock_keeper, scratch.ticket_service
    if credentials_in_environment():
        warm_up_clients()
        _ = scratch.intake  # Powertools' idempotency, on the client just created


def warm_up_clients() -> None:
    """Create the tables' shared DynamoDB client and the desk's own client, on the process's
    one botocore session (which parses botocore's descriptions once)."""
    from chalicelib.storage.aws import client
    from chalicelib.storage.repository import transaction_connection

    _ = transaction_connection().client
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
            if os.environ.get("DESK_API_FAMILY", "").strip() == ADMIN_FAMILY:
                warm_up_admin_api()
            else:
                warm_up_api()
    except Exception:  # the first request will do the work instead
        logger.exception("init-time warm-up failed")
