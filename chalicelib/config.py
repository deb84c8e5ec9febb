"""Typed settings, read from environment variables through functions.

Every stage (``dev``, ``staging``, ``prod`` in ``.chalice/config.json``) sets these variables,
and :func:`get_settings` is where the desk reads them. Outside it, only the command line touches
the environment: ``desk --stage`` fills in the variables it lacks from ``.chalice/config.json``
(``chalicelib.cli.apply_stage_environment``) before the settings are read; AWS SDK and Powertools
variables (``AWS_REGION``, ``POWERTOOLS_*``) are read by those libraries themselves. Endpoints are configuration: leave
``DYNAMODB_ENDPOINT`` (and the SNS/SQS ones) unset on AWS and set them to a local server's URL
for ``make run``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.rate_limits import RateLimits, parse_limit, parse_route_limits


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:  # a deployment mistake: say which variable
        raise RuntimeError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise RuntimeError(f"environment variable {name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """The desk's configuration for one stage.

    ``DESK_STAGE``                  stage name (dev, staging, prod); default ``dev``.
    ``AWS_REGION``                  region of every client; default ``us-east-1``.
    ``DYNAMODB_ENDPOINT``           DynamoDB endpoint URL; unset on AWS.
    ``SNS_ENDPOINT``, ``SQS_ENDPOINT``, ``SES_ENDPOINT``  the same for SNS, SQS and SES.
    ``TICKETS_TABLE`` ...           table names; default ``desk-<stage>-<table>``.
    ``DESK_LOCAL``                  ``true`` marks a desk running on a developer's machine (``make run``,
                                    the tests, ``desk token``); never set on a deployed stage.
    ``JWT_HS256_SECRET``            shared secret for HS256 tokens, accepted only when ``DESK_LOCAL``
                                    is true (at least 32 characters; ``make run`` generates one per
                                    data directory in ``.run/``). A stage not marked local refuses
                                    to start with one: its tokens would be forgeable by anyone
                                    holding the secret.
    ``TOKEN_MAX_SECONDS``           the longest lifetime (``exp - iat``) a token may have; longer
                                    ones, and tokens without ``exp``, are refused; default 43200 (12 h).
    ``JWT_JWKS_URL``                JWKS of a Cognito user pool; when set, RS256 tokens are
                                    verified against it (with ``JWT_ISSUER``/``JWT_AUDIENCE``).
    ``REOPEN_WINDOW_DAYS``          how long after resolution a ticket may be reopened; default 14.
    ``IDEMPOTENCY_TTL_SECONDS``     how long an Idempotency-Key is remembered; default 86400.
    ``TRIAGE_CONFIDENCE``           below this classification confidence a ticket goes to triage.
    ``PUBLIC_URL``                  base URL used in links sent to people.
    ``CONFIG_CACHE_SECONDS``        how long a process reuses the latest configuration documents.
    ``MODEL_CACHE_SECONDS``         how often a process checks for newly trained models.
    ``CURSOR_SECRET``               key of the HMAC that signs page cursors; default the HS256
                                    secret, else the stage and table (cursors are shape-checked too).
    ``CHANGE_RISK_LOW_MAX``, ``CHANGE_RISK_MEDIUM_MAX``  a change's risk level (likelihood x
                                    impact, 1-25) up to the first is low, up to the second medium,
                                    above it high; default 6 and 12.
    ``CHANGE_EMERGENCY_AUTHORIZATION_HOURS``  an emergency change's authorization is due this long
                                    after implementation started (default 24).
    ``CHANGE_REVIEW_DAYS``          a change's review is due this long after it entered review (5).
    ``CLAIMS_TABLE``, ``OUTBOX_TABLE``  exactly-once claims and the notice outbox.
    ``EXAMPLES_TABLE``              the labelled examples the classifier is trained on.
    ``CHANGE_SLOTS_TABLE``          change windows per service (conflict checks, the calendar).
    ``SEARCH_TERMS_TABLE``          the ticket search index (``GET /tickets?q=``).
    ``SEARCH_BACKEND``              where ``GET /tickets?q=`` searches: ``dynamodb`` (the term
                                    index above, the only one built in; OpenSearch Serverless is
                                    where a desk that outgrows it goes, behind the same port).
    ``PROBLEM_CANDIDATES_TABLE``    the problem candidates the desk found, with their state.
    ``NOTICES_QUEUE_URL``           SQS queue between the outbox and the notifier.
    ``NOTIFY_CHANNELS``             channels notices go to, comma-separated: names declared in
                                    ``chalicelib.domain.notice.CHANNELS`` (the outbox is always on).
    ``ALERTS_TOPIC_ARN``            SNS topic for operations alerts.
    ``SLACK_WEBHOOK_URL``           Slack incoming webhook for operations alerts.
    ``EMAIL_SENDER``                SES sender address of requester notices.
    ``EMAIL_DOMAIN``                domain of requesters' addresses when their user id is not one.
    ``SERVICE_MANAGER``             user id of the Service Manager (patrol digest, escalations).
    ``ON_CALL``                     who is paged for a group without an on-call rota (user or pager alias).
    ``SERVICE_MANAGER_TIMEZONE``    the Service Manager's IANA zone (patrol time, "today").
    ``PATROL_TIME``                 local time of the morning patrol digest; default ``08:00``.
    ``AUTO_CLOSE_BUSINESS_DAYS``    resolved tickets close after this many business days unanswered.
    ``CLOSURE_CALENDAR``            the calendar those business days are counted on; default ``office``.
    ``AWS_CONNECT_TIMEOUT_SECONDS`` how long a client waits to connect to DynamoDB, SQS...; default 2.
    ``AWS_READ_TIMEOUT_SECONDS``    how long a client waits for an answer; default 5.
    ``AWS_MAX_ATTEMPTS_PER_CALL``   attempts per request, first one included (standard retry mode); default 3.
    ``HEALTH_CACHE_SECONDS``        how long ``/health`` reuses its last look at its dependencies; default 5.
    ``DESK_TIMEZONE``               the zone notices show times in for a reader whose own zone (their
                                    shift calendar's, else their service's calendar's) is unknown.
    ``ACTION_LINK_SECRET``          HMAC key of the confirm/reopen links in completion notices; default
                                    ``JWT_HS256_SECRET``; with neither, notices link the ticket only.
    ``ACTION_LINK_DAYS``            how long those links work; default 7.
    ``PROBLEM_GATE_PRIORITIES``     incident priorities that close only once a linked problem is
                                    addressed (comma-separated); default ``P1,P2``.
    ``ROOT_CAUSE_CATEGORIES``       the categories a problem's root causes take (comma-separated).
    ``ATTACHMENTS_BUCKET``          the S3 bucket of ticket attachments; default ``desk-<stage>-attachments``.
    ``S3_ENDPOINT``                 S3 endpoint URL; unset on AWS (``make run`` points it at moto).
    ``ATTACHMENT_MAX_BYTES``        the largest file one upload may carry; default 10485760 (10 MiB).
    ``COGNITO_DOMAIN``              the Cognito hosted UI's base URL (``https://<prefix>.auth.<region>.
                                    amazoncognito.com`` or a custom domain); the pages sign in there
                                    (authorization code with PKCE) on a stage not marked local.
    ``COGNITO_CLIENT_ID``           the user pool app client the pages sign in with (public, no secret).
    ``COGNITO_SCOPES``              the scopes asked for; default ``openid email profile``.
    ``DESK_SECRETS_PATH``           SSM path of the stage's secrets (``/desk/<stage>/``, set by the
                                    template): the HS256 secret, Slack webhook, action-link and cursor
                                    keys are read from there once per container (``chalicelib.secrets``).
    ``JWT_HS256_ALLOWED``           ``true`` lets a stage other than dev verify HS256 tokens with the
                                    secret stored under its path; without it such a stage refuses to start.
    ``CORS_ORIGINS``                browser origins allowed to call the API (comma-separated); none: no CORS.
    ``RATE_LIMIT_WRITES``           requests one caller may make to one writing route (POST, PUT, PATCH,
                                    DELETE) per window: ``N`` (per minute) or ``N/SECONDS``; ``0`` or
                                    unset: unlimited. Counted in the counters table (one more write a request).
    ``RATE_LIMIT_READS``            the same for the reading routes; unset: unlimited.
    ``RATE_LIMITS``                 per-route limits over those: ``POST /tickets=10,GET /tickets=120/60``.
    ``EVENT_BUS_NAME``              the EventBridge bus the ``events`` channel publishes to; default
                                    ``desk-<stage>-bus``. ``EVENTS_ENDPOINT``: its endpoint (unset on AWS).
    ``SLACK_SIGNING_SECRET``        verifies Slack's requests (``/slack/...``); none: Slack is refused.
    ``SLACK_BOT_TOKEN``             the bot token of the Slack Web API calls (thread replies, the patrol).
    ``SLACK_API_URL``               the Slack Web API's base; default ``https://slack.com/api``.
    ``SLACK_PATROL_CHANNELS``       Slack channel ids the morning patrol reads (comma-separated).
    ``GITHUB_WEBHOOK_SECRET``, ``JIRA_WEBHOOK_SECRET``  verify the bridges' webhooks; none: refused.
    (The four secrets come from the stage's secrets store, ``chalicelib.secrets``.)
    ``MAIL_ADDRESS``                the desk's own address mail comes in on (SES receives it); its plus
                                    addresses pick a type (``desk+request@``) or a ticket (the Reply-To
                                    of the desk's mail, ``desk+INC-000123@``); default ``desk@<EMAIL_DOMAIN>``.
    ``INBOUND_MAIL_BUCKET``         where SES stores received mail; default ``desk-<stage>-inbound-mail``.
    ``MAIL_UNKNOWN_SENDERS``        ``true``: mail from an address outside ``EMAIL_DOMAIN`` opens a ticket
                                    for a requester identified by that address; else it is refused.
    """

    stage: str
    region: str
    dynamodb_endpoint: str | None
    sns_endpoint: str | None
    sqs_endpoint: str | None
    ses_endpoint: str | None
    tickets_table: str
    events_table: str
    counters_table: str
    idempotency_table: str
    config_table: str
    claims_table: str
    outbox_table: str
    examples_table: str
    change_slots_table: str
    search_terms_table: str
    search_backend: str
    notices_queue_url: str
    alerts_topic_arn: str
    slack_webhook_url: str
    email_sender: str
    email_domain: str
    notify_channels: tuple[str, ...]
    service_manager: str
    on_call: str
    service_manager_timezone: str
    patrol_time: str
    auto_close_business_days: int
    closure_calendar: str
    jwt_hs256_secret: str
    jwt_jwks_url: str
    jwt_issuer: str
    jwt_audience: str
    reopen_window_days: int
    idempotency_ttl_seconds: int
    triage_confidence: float
    public_url: str
    config_cache_seconds: float = 30.0
    model_cache_seconds: float = 300.0
    page_size_max: int = 100
    aws_connect_timeout_seconds: float = 2.0
    aws_read_timeout_seconds: float = 5.0
    aws_max_attempts: int = 3
    health_cache_seconds: float = 5.0
    cursor_secret: str = ""
    local: bool = False
    token_max_seconds: int = 12 * 3600
    desk_timezone: str = "America/Chicago"
    action_link_secret: str = ""
    action_link_days: int = 7
    change_risk_low_max: int = 6
    change_risk_medium_max: int = 12
    change_emergency_authorization_hours: int = 24
    change_review_days: int = 5
    problem_candidates_table: str = "desk-dev-problem-candidates"
    problem_gate_priorities: tuple[str, ...] = ("P1", "P2")
    #: Empty: the domain's default categories (``chalicelib.domain.problem.DEFAULT_ROOT_CAUSE_CATEGORIES``).
    root_cause_categories: tuple[str, ...] = ()
    rollups_table: str = "desk-dev-rollups"
    #: A clock paused longer than this share of its target is listed by pause governance.
    pause_governance_share: float = 0.5
    #: Satisfaction ratings at or below this are low: the morning patrol lists them.
    low_rating_max: int = 2
    attachments_bucket: str = "desk-dev-attachments"
    s3_endpoint: str | None = None
    attachment_max_bytes: int = 10 * 1024 * 1024
    cognito_domain: str = ""
    cognito_client_id: str = ""
    cognito_scopes: str = "openid email profile"
    #: The SSM path of the stage's secrets (``chalicelib.secrets``); empty: none stored.
    secrets_path: str = ""
    #: The HS256 secret came from the stage's secrets store (not from the environment).
    jwt_secret_stored: bool = False
    #: ``JWT_HS256_ALLOWED``: a stage other than dev may verify HS256 tokens with its stored secret.
    jwt_hs256_allowed: bool = False
    #: ``CORS_ORIGINS``: the browser origins the API answers cross-origin requests from.
    cors_origins: tuple[str, ...] = ()
    #: ``RATE_LIMIT_WRITES``, ``RATE_LIMIT_READS``, ``RATE_LIMITS``: requests per caller and route.
    rate_limits: RateLimits = field(default_factory=RateLimits)
    event_bus_name: str = ""
    events_endpoint: str | None = None
    slack_signing_secret: str = ""
    slack_bot_token: str = ""
    slack_api_url: str = "https://slack.com/api"
    slack_patrol_channels: tuple[str, ...] = ()
    github_webhook_secret: str = ""
    jira_webhook_secret: str = ""
    #: Mail in (``chalicelib.services.mail_in``): the desk's address, the bucket SES stores into,
    #: whether senders outside ``EMAIL_DOMAIN`` may open tickets.
    mail_address: str = "desk@example.com"
    inbound_mail_bucket: str = "desk-dev-inbound-mail"
    mail_unknown_senders: bool = False

    @property
    def hs256_accepted(self) -> bool:
        """Whether HS256 tokens are verified: on a local desk, or with the stage's stored secret
        (once :func:`check_token_settings` has let it through)."""
        return bool(self.jwt_hs256_secret) and (self.local or self.jwt_secret_stored)


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list; unset or empty gives ``default``."""
    items = tuple(part.strip() for part in _env(name).split(",") if part.strip())
    return items or default


def _env_bool(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise RuntimeError(f"environment variable {name} must be true or false, got {raw!r}")


#: The shortest HS256 secret a local desk accepts (RFC 7518 3.2: at least the hash's 256 bits).
MIN_HS256_SECRET_LENGTH = 32


def check_token_settings(settings: Settings, *, on_lambda: bool = False) -> Settings:
    """Refuse token settings that would let anyone forge a token: an HS256 secret in the
    environment of a stage not marked local (``DESK_LOCAL``), a stored one on a stage other than
    dev without ``JWT_HS256_ALLOWED``, a short one, a stage marked local running on AWS Lambda
    (``on_lambda``), or a lifetime cap that is not positive."""
    if settings.local and on_lambda:
        raise RuntimeError("DESK_LOCAL=true on AWS Lambda: a deployed stage is never local; remove the variable")
    if settings.jwt_hs256_secret and settings.jwt_secret_stored and not settings.local:
        if settings.stage != "dev" and not settings.jwt_hs256_allowed:
            raise RuntimeError(
                f"stage {settings.stage!r} holds an HS256 secret: a stage other than dev verifies RS256 tokens "
                "(JWT_JWKS_URL) unless JWT_HS256_ALLOWED=true says HS256 is meant"
            )
    elif settings.jwt_hs256_secret and not settings.local:
        raise RuntimeError(
            f"JWT_HS256_SECRET is set on stage {settings.stage!r}, which is not marked local "
            "(DESK_LOCAL=true): HS256 tokens are accepted only by a desk on a developer's machine; "
            "remove the secret and configure JWT_JWKS_URL"
        )
    if settings.jwt_hs256_secret and len(settings.jwt_hs256_secret) < MIN_HS256_SECRET_LENGTH:
        raise RuntimeError(f"JWT_HS256_SECRET must be at least {MIN_HS256_SECRET_LENGTH} characters")
    if settings.token_max_seconds <= 0:
        raise RuntimeError("TOKEN_MAX_SECONDS must be a positive number of seconds")
    return settings


def _rate_limits() -> RateLimits:
    try:
        return RateLimits(
            writes=parse_limit(_env("RATE_LIMIT_WRITES"), "RATE_LIMIT_WRITES"),
            reads=parse_limit(_env("RATE_LIMIT_READS"), "RATE_LIMIT_READS"),
            routes=parse_route_limits(_env("RATE_LIMITS")),
        )
    except ValidationFailed as exc:  # a deployment mistake: say which variable
        raise RuntimeError(f"environment variable {exc.errors[0]['field']}: {exc.errors[0]['reason']}") from exc


def _table(stage: str, var: str, suffix: str) -> str:
    return _env(var) or f"desk-{stage}-{suffix}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached; tests call ``get_settings.cache_clear()``)."""
    stage = _env("DESK_STAGE", "dev")
    settings = Settings(
        stage=stage,
        region=_env("AWS_REGION") or _env("AWS_DEFAULT_REGION") or "us-east-1",
        dynamodb_endpoint=_env("DYNAMODB_ENDPOINT") or None,
        sns_endpoint=_env("SNS_ENDPOINT") or None,
        sqs_endpoint=_env("SQS_ENDPOINT") or None,
        ses_endpoint=_env("SES_ENDPOINT") or None,
        tickets_table=_table(stage, "TICKETS_TABLE", "tickets"),
        events_table=_table(stage, "EVENTS_TABLE", "events"),
        counters_table=_table(stage, "COUNTERS_TABLE", "counters"),
        idempotency_table=_table(stage, "IDEMPOTENCY_TABLE", "idempotency"),
        config_table=_table(stage, "CONFIG_TABLE", "config"),
        claims_table=_table(stage, "CLAIMS_TABLE", "claims"),
        outbox_table=_table(stage, "OUTBOX_TABLE", "outbox"),
        examples_table=_table(stage, "EXAMPLES_TABLE", "examples"),
        change_slots_table=_table(stage, "CHANGE_SLOTS_TABLE", "change-slots"),
        search_terms_table=_table(stage, "SEARCH_TERMS_TABLE", "search-terms"),
        search_backend=_env("SEARCH_BACKEND", "dynamodb"),
        problem_candidates_table=_table(stage, "PROBLEM_CANDIDATES_TABLE", "problem-candidates"),
        notices_queue_url=_env("NOTICES_QUEUE_URL"),
        alerts_topic_arn=_env("ALERTS_TOPIC_ARN"),
        slack_webhook_url=_env("SLACK_WEBHOOK_URL"),
        email_sender=_env("EMAIL_SENDER"),
        email_domain=_env("EMAIL_DOMAIN", "example.com"),
        notify_channels=tuple(c.strip() for c in _env("NOTIFY_CHANNELS", "outbox").split(",") if c.strip()),
        service_manager=_env("SERVICE_MANAGER", "service.manager"),
        on_call=_env("ON_CALL", "on-call"),
        service_manager_timezone=_env("SERVICE_MANAGER_TIMEZONE", "America/Chicago"),
        patrol_time=_env("PATROL_TIME", "08:00"),
        auto_close_business_days=_env_int("AUTO_CLOSE_BUSINESS_DAYS", 3),
        closure_calendar=_env("CLOSURE_CALENDAR", "office"),
        jwt_hs256_secret=_env("JWT_HS256_SECRET"),
        jwt_jwks_url=_env("JWT_JWKS_URL"),
        jwt_issuer=_env("JWT_ISSUER"),
        jwt_audience=_env("JWT_AUDIENCE"),
        reopen_window_days=_env_int("REOPEN_WINDOW_DAYS", 14),
        idempotency_ttl_seconds=_env_int("IDEMPOTENCY_TTL_SECONDS", 86400),
        triage_confidence=_env_float("TRIAGE_CONFIDENCE", 0.6),
        public_url=_env("PUBLIC_URL", "http://127.0.0.1:8000"),
        config_cache_seconds=_env_float("CONFIG_CACHE_SECONDS", 30.0),
        model_cache_seconds=_env_float("MODEL_CACHE_SECONDS", 300.0),
        aws_connect_timeout_seconds=_env_float("AWS_CONNECT_TIMEOUT_SECONDS", 2.0),
        aws_read_timeout_seconds=_env_float("AWS_READ_TIMEOUT_SECONDS", 5.0),
        aws_max_attempts=max(1, _env_int("AWS_MAX_ATTEMPTS_PER_CALL", 3)),
        health_cache_seconds=_env_float("HEALTH_CACHE_SECONDS", 5.0),
        local=_env_bool("DESK_LOCAL"),
        token_max_seconds=_env_int("TOKEN_MAX_SECONDS", 12 * 3600),
        cursor_secret=_env("CURSOR_SECRET"),
        desk_timezone=_env("DESK_TIMEZONE", "America/Chicago"),
        action_link_secret=_env("ACTION_LINK_SECRET") or _env("JWT_HS256_SECRET"),
        action_link_days=_env_int("ACTION_LINK_DAYS", 7),
        change_risk_low_max=_env_int("CHANGE_RISK_LOW_MAX", 6),
        change_risk_medium_max=_env_int("CHANGE_RISK_MEDIUM_MAX", 12),
        change_emergency_authorization_hours=_env_int("CHANGE_EMERGENCY_AUTHORIZATION_HOURS", 24),
        change_review_days=_env_int("CHANGE_REVIEW_DAYS", 5),
        problem_gate_priorities=_env_list("PROBLEM_GATE_PRIORITIES", ("P1", "P2")),
        root_cause_categories=_env_list("ROOT_CAUSE_CATEGORIES", ()),
        rollups_table=_table(stage, "ROLLUPS_TABLE", "rollups"),
        pause_governance_share=_env_float("PAUSE_GOVERNANCE_SHARE", 0.5),
        low_rating_max=_env_int("LOW_RATING_MAX", 2),
        attachments_bucket=_env("ATTACHMENTS_BUCKET") or f"desk-{stage}-attachments",
        s3_endpoint=_env("S3_ENDPOINT") or None,
        attachment_max_bytes=_env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
        cognito_domain=_env("COGNITO_DOMAIN").rstrip("/"),
        cognito_client_id=_env("COGNITO_CLIENT_ID"),
        cognito_scopes=_env("COGNITO_SCOPES", "openid email profile"),
        secrets_path=_env("DESK_SECRETS_PATH"),
        jwt_hs256_allowed=_env_bool("JWT_HS256_ALLOWED"),
        cors_origins=_env_list("CORS_ORIGINS", ()),
        rate_limits=_rate_limits(),
        event_bus_name=_env("EVENT_BUS_NAME") or f"desk-{stage}-bus",
        events_endpoint=_env("EVENTS_ENDPOINT") or None,
        slack_signing_secret=_env("SLACK_SIGNING_SECRET"),
        slack_bot_token=_env("SLACK_BOT_TOKEN"),
        slack_api_url=_env("SLACK_API_URL", "https://slack.com/api").rstrip("/"),
        slack_patrol_channels=_env_list("SLACK_PATROL_CHANNELS", ()),
        github_webhook_secret=_env("GITHUB_WEBHOOK_SECRET"),
        jira_webhook_secret=_env("JIRA_WEBHOOK_SECRET"),
        mail_address=(_env("MAIL_ADDRESS") or f"desk@{_env('EMAIL_DOMAIN', 'example.com')}").lower(),
        inbound_mail_bucket=_env("INBOUND_MAIL_BUCKET") or f"desk-{stage}-inbound-mail",
        mail_unknown_senders=_env_bool("MAIL_UNKNOWN_SENDERS"),
    )
    if settings.secrets_path:
        from chalicelib.secrets import with_secrets

        settings = with_secrets(settings)
    return check_token_settings(settings, on_lambda=bool(_env("AWS_LAMBDA_FUNCTION_NAME")))


def notices_queue_name() -> str:
    """The notice queue's name, read when the app is imported (Chalice wires the queue's event
    source at deployment): ``NOTICES_QUEUE_NAME``, default ``desk-<stage>-notices``."""
    return _env("NOTICES_QUEUE_NAME") or f"desk-{_env('DESK_STAGE', 'dev')}-notices"


def events_stream_arn() -> str:
    """The events table's stream, read when the app is imported (Chalice wires the stream's
    event source at deployment): ``EVENTS_STREAM_ARN``; a placeholder ARN of the stage's events
    table when unset (the local runner plays the stream itself)."""
    stage = _env("DESK_STAGE", "dev")
    return _env("EVENTS_STREAM_ARN") or (
        f"arn:aws:dynamodb:us-east-1:000000000000:table/desk-{stage}-events/stream/local"
    )
