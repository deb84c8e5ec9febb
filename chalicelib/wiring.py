"""The composition root: the desk's services built from settings, every collaborator overridable.

:func:`bootstrap` builds a :class:`Desk` from :class:`~chalicelib.config.Settings`; anything not
given (repositories, the notice queue, the channels, the clock...) is the real thing for that
stage, built on first use so a request pays only for what it touches. The app, the CLI, the
local runner, the bench and the tests all take their services from a desk:

* the Lambda handlers and routes use :func:`desk`, the process's desk (built on first use);
* tests, replays and what-ifs build their own (``bootstrap(settings, clock=fake)``) and
  :func:`install` it for the routes, or call its services directly.

A desk keeps its caches (configuration documents, trained models) for as long as it lives, so
in Lambda they survive between invocations of a warm container.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, get_settings

if TYPE_CHECKING:
    from chalicelib.domain.similarity import ServiceTerms
    from chalicelib.services.action_links import ActionLinks
    from chalicelib.services.attachments import Attachments, ObjectStore
    from chalicelib.services.bridges import BridgeService
    from chalicelib.services.candidates import CandidateFinder, CandidateStore
    from chalicelib.services.change_timers import ChangeTimers
    from chalicelib.services.changes import ChangeService, SlotIndex
    from chalicelib.services.classification import CatalogReferences, IntakeClassifier, WorkloadReader
    from chalicelib.services.configuration import ConfigService
    from chalicelib.services.delivery import Channel, NoticeQueue, Notifier, OutboxLog, OutboxRelay
    from chalicelib.services.directory import Directory
    from chalicelib.services.escalation import TicketEscalations
    from chalicelib.services.health import HealthCheck, Probe
    from chalicelib.services.intake import IdempotentIntake
    from chalicelib.services.knowledge import KnowledgeService
    from chalicelib.services.learning import ExampleSource, Learning, ModelCache, ModelStore
    from chalicelib.services.links import LinkService
    from chalicelib.services.mail_in import MailIntake
    from chalicelib.services.notices import NoticeFactory
    from chalicelib.services.patrol import AutoCloser, Claims, MorningPatrol
    from chalicelib.services.portal import KnownBroken
    from chalicelib.services.ports import Clock, ConfigRepository, TicketRepository, TicketSearch
    from chalicelib.services.problem_timers import ProblemTimers
    from chalicelib.services.problems import ProblemService
    from chalicelib.services.queues import QueueService
    from chalicelib.services.rate_limits import RateLimiter
    from chalicelib.services.reports import MeasureCalculator, ReportService, RollupKeeper, RollupRebuild
    from chalicelib.services.satisfaction import RecentRatings, SatisfactionService
    from chalicelib.services.sla import SlaClockKeeper
    from chalicelib.services.slack import SlackIntakeService
    from chalicelib.services.steering import SteeringReports
    from chalicelib.services.sweep import DueTickets, SlaSweep
    from chalicelib.services.tickets import TicketService


def real_now() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


#: Marks "not given: build the real one" where None is itself a meaningful choice (no queue).
_REAL: Any = object()


class Desk:
    """The desk's services for one stage. Keyword arguments replace the real collaborators."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        tickets: TicketRepository | None = None,
        config_repository: ConfigRepository | None = None,
        due_tickets: DueTickets | None = None,
        change_slots: SlotIndex | None = _REAL,
        ticket_search: TicketSearch | None = _REAL,
        candidates: CandidateStore = _REAL,
        claims: Claims | None = None,
        outbox: OutboxLog | None = None,
        notice_queue: NoticeQueue | None = _REAL,
        channels: Mapping[str, Channel] | None = None,
        examples: ExampleSource | None = None,
        models: ModelStore | None = None,
        workloads: WorkloadReader | None = None,
        dynamodb_client: Any = None,
        health_probes: Mapping[str, Probe] | None = None,
        rollups: Any = None,
        attachment_store: ObjectStore | None = None,
        http_post: Any = None,
        s3_client: Any = None,
        mail_ledger: Any = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or real_now
        self._tickets = tickets
        self._config_repository = config_repository
        self._due_tickets = due_tickets
        self._change_slots = change_slots
        self._ticket_search = ticket_search
        self._candidates = candidates
        self._claims = claims
        self._outbox = outbox
        self._notice_queue = notice_queue
        self._channels = channels
        self._examples = examples
        self._models = models
        self._workloads = workloads
        self._dynamodb_client = dynamodb_client
        self._health_probes = health_probes
        self._rollups = rollups
        self._attachment_store = attachment_store
        #: ``post(url, body, headers, timeout)`` of the Slack Web API (a local fake in tests).
        self._http_post = http_post
        self._s3_client = s3_client
        self._mail_ledger = mail_ledger

    def now(self) -> datetime:
        return self.clock()

    # -- adapters (the real ones unless given) -------------------------------------------------

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """The stage's rate limits, counted in the counters table."""
        from chalicelib.services.rate_limits import RateLimiter
        from chalicelib.storage.rate_counters import DynamoRateCounters

        dynamodb = self._dynamodb_client
        if dynamodb is None:
            from chalicelib.storage.aws import client

            dynamodb = client("dynamodb")
        return RateLimiter(DynamoRateCounters(self.settings, dynamodb), self.clock, self.settings.rate_limits)

    @cached_property
    def tickets(self) -> TicketRepository:
        if self._tickets is not None:
            return self._tickets
        from chalicelib.storage.repository import DynamoTicketRepository

        return DynamoTicketRepository()

    @cached_property
    def due_tickets(self) -> DueTickets:
        if self._due_tickets is not None:
            return self._due_tickets
        from chalicelib.storage.outbox import DeadlineIndex

        return DeadlineIndex()

    @cached_property
    def claims(self) -> Claims:
        if self._claims is not None:
            return self._claims
        from chalicelib.storage.outbox import DynamoClaims

        return DynamoClaims()

    @cached_property
    def outbox(self) -> OutboxLog:
        if self._outbox is not None:
            return self._outbox
        from chalicelib.storage.outbox import DynamoOutbox

        return DynamoOutbox()

    @cached_property
    def notice_queue(self) -> NoticeQueue | None:
        if self._notice_queue is not _REAL:
            queue: NoticeQueue | None = self._notice_queue
            return queue
        url = self.settings.notices_queue_url
        if not url:
            return None
        from chalicelib.notify.queue import SqsNoticeQueue
        from chalicelib.storage.aws import client

        return SqsNoticeQueue(client("sqs"), url)

    @cached_property
    def channels(self) -> Mapping[str, Channel]:
        """The notice channels this stage has configured (``chalicelib.notify.registry``)."""
        if self._channels is not None:
            return self._channels
        from chalicelib.domain.notice import SLACK_INTAKE_CHANNEL, SLACK_THREAD
        from chalicelib.notify.registry import build_channels
        from chalicelib.services.slack import SlackIntakeChannel
        from chalicelib.storage.aws import client

        channels = build_channels(self.settings, client)
        if self.slack_api is not None and SLACK_THREAD in channels:
            from chalicelib.notify.slack_api import SlackThreadChannel

            channels[SLACK_THREAD] = SlackThreadChannel(self.slack_api, self.slack_threads)
        channels[SLACK_INTAKE_CHANNEL] = SlackIntakeChannel(lambda: self.slack_intake)
        return channels

    # -- Slack and the bridges (``chalicelib.inbound``) ----------------------------------------

    @cached_property
    def slack_api(self) -> Any:
        """The Slack Web API on ``SLACK_BOT_TOKEN`` at ``SLACK_API_URL``; None without a token."""
        if not self.settings.slack_bot_token:
            return None
        from chalicelib.notify.slack_api import SlackWebApi

        return SlackWebApi(self.settings.slack_api_url, self.settings.slack_bot_token, post=self._http_post)

    @cached_property
    def slack_threads(self) -> Any:
        from chalicelib.storage.slack_threads import DynamoSlackThreads

        return DynamoSlackThreads()

    @cached_property
    def slack_intake(self) -> SlackIntakeService:
        from chalicelib.services.slack import SlackIntakeService

        return SlackIntakeService(
            self.ticket_service,
            self.claims,
            lambda: self.outbox_relay,
            self.clock,
            api=self.slack_api,
            threads=self.slack_threads if self.slack_api is not None else None,
            public_url=self.settings.public_url,
        )

    @cached_property
    def bridges(self) -> BridgeService:
        from chalicelib.services.bridges import BridgeService
        from chalicelib.storage.bridges import DynamoBridges

        return BridgeService(self.ticket_service, DynamoBridges(), self.clock)

    @cached_property
    def examples(self) -> ExampleSource:
        if self._examples is not None:
            return self._examples
        from chalicelib.storage.learning_store import DynamoExampleStore

        return DynamoExampleStore(self.settings)

    @cached_property
    def models(self) -> ModelStore:
        if self._models is not None:
            return self._models
        from chalicelib.storage.learning_store import DynamoModelStore

        return DynamoModelStore(self.settings)

    @cached_property
    def workloads(self) -> WorkloadReader:
        if self._workloads is not None:
            return self._workloads
        from chalicelib.storage.repository import read_workloads

        return read_workloads

    # -- services ---------------------------------------------------------------------------

    @cached_property
    def config_service(self) -> ConfigService:
        from chalicelib.services.configuration import ConfigService

        repository = self._config_repository
        if repository is None:
            from chalicelib.storage.config_repository import DynamoConfigRepository

            repository = DynamoConfigRepository()
        return ConfigService(repository, self.clock, cache_seconds=self.settings.config_cache_seconds)

    @cached_property
    def attachments(self) -> Attachments:
        """Ticket attachments in the ``ATTACHMENTS_BUCKET`` (or the given ``attachment_store``)."""
        from chalicelib.services.attachments import Attachments

        store = self._attachment_store
        if store is None:
            from chalicelib.storage.attachments import S3ObjectStore, s3_client

            store = S3ObjectStore(s3_client(self.settings), self.settings.attachments_bucket)
        return Attachments(
            store, self.ticket_service.get_ticket, self.clock, max_bytes=self.settings.attachment_max_bytes
        )

    # -- mail in ------------------------------------------------------------------------------

    @cached_property
    def s3(self) -> Any:
        """The S3 client of the attachments and the inbound mail (``s3_client=`` replaces it)."""
        if self._s3_client is not None:
            return self._s3_client
        from chalicelib.storage.attachments import s3_client

        return s3_client(self.settings)

    @cached_property
    def mail_ledger(self) -> Any:
        """The claims and sent Message-IDs of mail (``chalicelib.storage.mail``)."""
        if self._mail_ledger is not None:
            return self._mail_ledger
        from chalicelib.storage.mail import DynamoMailLedger

        return DynamoMailLedger(self.settings)

    @cached_property
    def mail_intake(self) -> MailIntake:
        """Received mail turned into tickets and comments (``chalicelib.services.mail_in``)."""
        from chalicelib.services.mail_in import KnownSenders, MailIntake
        from chalicelib.storage.mail import S3MailFiles

        config = self.config_service

        def is_agent(user: str) -> bool:
            from chalicelib.services.configuration import AGENT

            return any(doc.name == user and doc.body.get("active", True) for doc in config.latest_all(AGENT))

        settings = self.settings
        return MailIntake(
            self.ticket_service,
            senders=KnownSenders(settings.email_domain, is_agent, settings.mail_unknown_senders),
            ledger=self.mail_ledger,
            claims=self.claims,
            files=S3MailFiles(self.s3, settings.attachments_bucket),
            notices=self.notice_factory,
            clock=self.clock,
            desk_address=settings.mail_address,
            guess_type=self.intake_classifier.requester_type,
            max_bytes=settings.attachment_max_bytes,
        )

    def catalog_services(self) -> list[Any]:
        """The latest version of every catalog service document, parsed."""
        from chalicelib.services.configuration import SERVICE

        return self.config_service.parsed_latest(SERVICE)

    def _known_errors_now(self) -> list[Any]:
        index = self.problem_service.known_errors
        return index.current() if index is not None else []

    @cached_property
    def known_broken(self) -> KnownBroken:
        """The portal banner's one data source; each kind of known trouble is one source here."""
        from chalicelib.services.portal import KnownBroken, known_errors, major_incidents

        sources = [
            major_incidents(self.tickets, self.catalog_services),
            known_errors(self._known_errors_now, self.catalog_services),
        ]
        return KnownBroken(sources, self.clock, cache_seconds=self.settings.config_cache_seconds)

    @cached_property
    def directory(self) -> Directory:
        from chalicelib.services.directory import Directory

        return Directory(
            self.config_service,
            service_manager=self.settings.service_manager,
            on_call=self.settings.on_call,
            clock=self.clock,
        )

    @cached_property
    def notice_factory(self) -> NoticeFactory:
        from chalicelib.services.notices import NoticeFactory

        # Mail goes out only where the stage has a sender: a stage listing ``email`` without
        # ``EMAIL_SENDER`` (dev, deployed without one) writes no notice nobody could send.
        channels = tuple(c for c in self.settings.notify_channels if c != "email" or self.settings.email_sender)
        return NoticeFactory(
            channels=channels,
            public_url=self.settings.public_url,
            email_domain=self.settings.email_domain,
            links=self.action_links,
            readers=self.directory,
            default_zone=self.settings.desk_timezone,
        )

    @cached_property
    def action_links(self) -> ActionLinks | None:
        """Signs the completion notices' confirm and reopen links; None without a secret."""
        if not self.settings.action_link_secret:
            return None
        from chalicelib.services.action_links import ActionLinks

        return ActionLinks(
            self.settings.action_link_secret,
            self.settings.public_url,
            timedelta(days=self.settings.action_link_days),
        )

    @cached_property
    def escalations(self) -> TicketEscalations:
        from chalicelib.services.escalation import TicketEscalations

        return TicketEscalations(self.config_service, self.notice_factory, self.directory)

    @cached_property
    def clock_keeper(self) -> SlaClockKeeper:
        from chalicelib.services.change_timers import StepsInTurn
        from chalicelib.services.sla import SlaClockKeeper

        return SlaClockKeeper(
            self.config_service, self.escalations, timers=StepsInTurn(self.change_timers, self.problem_timers)
        )

    @cached_property
    def change_timers(self) -> ChangeTimers:
        from chalicelib.domain.change_timers import TimerSettings
        from chalicelib.services.change_timers import ChangeTimers

        settings = TimerSettings(
            self.settings.change_emergency_authorization_hours, self.settings.change_review_days
        )
        return ChangeTimers(self.notice_factory, self.directory, settings)

    @cached_property
    def model_cache(self) -> ModelCache:
        from chalicelib.services.learning import ModelCache

        return ModelCache(self.models, ttl_seconds=self.settings.model_cache_seconds)

    def current_models(self) -> dict[str, Any]:
        """The latest trained model of each field (cached; see ``chalicelib.services.learning``)."""
        return dict(self.model_cache.current())

    @cached_property
    def intake_classifier(self) -> IntakeClassifier:
        from chalicelib.services.classification import IntakeClassifier

        return IntakeClassifier(
            self.config_service,
            threshold=self.settings.triage_confidence,
            models=self.current_models,
            workloads=self.workloads,
            directory=self.directory,
            early_life=lambda service, now: bool(self.change_service.supporting(service, now)),
        )

    @cached_property
    def learning(self) -> Learning:
        from chalicelib.services.learning import Learning

        return Learning(self.examples, self.models, self.clock)

    @cached_property
    def ticket_service(self) -> TicketService:
        from chalicelib.services.tickets import TicketService

        return TicketService(
            self.tickets,
            self.clock,
            reopen_window=timedelta(days=self.settings.reopen_window_days),
            clocks=self.clock_keeper,
            enricher=self.intake_classifier,
            notices=self.notice_factory,
            references=self.references,
            search=self.ticket_search,
            opened=lambda ticket: self.problem_service.match_at_intake(
                self.change_service.early_life_support(ticket)
            ),
            moved=lambda before, after: self.problem_service.after_move(before, after),
            gate_priorities=frozenset(self.settings.problem_gate_priorities),
        )

    @cached_property
    def satisfaction(self) -> SatisfactionService:
        """The requester's ratings of resolutions (portal and rate links)."""
        from chalicelib.services.satisfaction import SatisfactionService

        return SatisfactionService(self.ticket_service, self.tickets, self.clock)

    def service_terms(self) -> ServiceTerms:
        """The catalog's terms (keywords and aliases, English and German) for text matching."""
        from chalicelib.domain.similarity import ServiceTerms
        from chalicelib.services.configuration import SERVICE

        return ServiceTerms.of(
            (doc.name, [*doc.body.get("keywords", ()), *doc.body.get("aliases", ())])
            for doc in self.config_service.latest_all(SERVICE)
        )

    @cached_property
    def candidate_finder(self) -> CandidateFinder:
        from chalicelib.services.candidates import CandidateFinder

        store = self._candidates
        if store is _REAL and self._tickets is not None:
            from chalicelib.services.candidates import KeptCandidates

            store = KeptCandidates()  # the candidates live beside the tickets
        elif store is _REAL:
            from chalicelib.storage.candidates import DynamoCandidates

            store = DynamoCandidates()
        incidents: Any = self.tickets
        return CandidateFinder(
            incidents,
            store,
            self.clock,
            self.service_terms,
            lambda: self.problem_service,
            major=frozenset(self.settings.problem_gate_priorities),
        )

    @cached_property
    def problem_timers(self) -> ProblemTimers:
        from chalicelib.services.problem_timers import ProblemTimers

        return ProblemTimers(self.notice_factory, self.settings.service_manager)

    @cached_property
    def problem_service(self) -> ProblemService:
        from chalicelib.domain.problem import DEFAULT_ROOT_CAUSE_CATEGORIES
        from chalicelib.services.configuration import SERVICE
        from chalicelib.services.known_errors import KnownErrorIndex
        from chalicelib.services.problems import ProblemService

        config = self.config_service
        ttl = self.settings.config_cache_seconds
        known = KnownErrorIndex(self.tickets, self.clock, self.service_terms, ttl_seconds=ttl)
        return ProblemService(
            self.ticket_service,
            self.link_service,
            services=lambda: {doc.name for doc in config.latest_all(SERVICE)},
            categories=self.settings.root_cause_categories or DEFAULT_ROOT_CAUSE_CATEGORIES,
            known_errors=known,
            articles=lambda ticket: self.knowledge_service.offered_at_intake(ticket),
        )

    @cached_property
    def knowledge_service(self) -> KnowledgeService:
        from chalicelib.services.knowledge import KnowledgeService

        return KnowledgeService(self.config_service, self.ticket_service, self.service_terms)

    @cached_property
    def ticket_search(self) -> TicketSearch | None:
        """The search index of ``SEARCH_BACKEND`` (``dynamodb``: ``storage/search.py``); a desk
        on a given ticket repository searches only when given an index too."""
        if self._ticket_search is not _REAL:
            search: TicketSearch | None = self._ticket_search
            return search
        if self._tickets is not None:
            return None
        if self.settings.search_backend != "dynamodb":
            raise ValueError(f"SEARCH_BACKEND={self.settings.search_backend}: this desk builds in only dynamodb")
        from chalicelib.storage.search import DynamoTicketSearch

        return DynamoTicketSearch()

    @cached_property
    def references(self) -> CatalogReferences:
        from chalicelib.services.classification import CatalogReferences

        return CatalogReferences(self.config_service)

    @cached_property
    def queue_service(self) -> QueueService:
        from chalicelib.services.changes import ConfiguredChangeDirectory
        from chalicelib.services.queues import QueueService

        directory = ConfiguredChangeDirectory(self.config_service)
        return QueueService(self.ticket_service, directory.groups_of, directory.groups)

    @cached_property
    def change_service(self) -> ChangeService:
        from chalicelib.domain.change import RiskBands
        from chalicelib.services.changes import ChangeService, ConfiguredChangeDirectory, ConfiguredChangeTemplates

        bands = RiskBands(self.settings.change_risk_low_max, self.settings.change_risk_medium_max)
        queue: Any = self.tickets
        from chalicelib.services.configuration import CHANGE_FREEZE

        config = self.config_service

        def freezes() -> list[Any]:
            return config.parsed_latest(CHANGE_FREEZE)

        slots = self._change_slots
        if slots is _REAL:
            from chalicelib.storage.change_slots import DynamoChangeSlots

            # The slots live beside the tickets: a desk on other tickets has none unless given.
            slots = DynamoChangeSlots() if self._tickets is None else None
        directory = ConfiguredChangeDirectory(config)
        return ChangeService(
            self.ticket_service,
            queue,
            directory,
            bands=bands,
            slots=slots,
            freezes=freezes,
            templates=ConfiguredChangeTemplates(config),
            support=queue,
            links=self.link_service,
        )

    @cached_property
    def link_service(self) -> LinkService:
        from chalicelib.services.links import LinkService

        repository: Any = self.tickets

        def linked(*link: Any) -> None:
            self.change_service.linked(*link)
            self.problem_service.linked(*link)

        return LinkService(repository, self.clock, on_linked=linked)

    @cached_property
    def intake(self) -> IdempotentIntake:
        from chalicelib.services.intake import IdempotentIntake

        dynamodb = self._dynamodb_client
        if dynamodb is None:
            from chalicelib.storage.aws import client

            dynamodb = client("dynamodb")
        return IdempotentIntake(
            self.ticket_service,
            table_name=self.settings.idempotency_table,
            dynamodb_client=dynamodb,
            ttl_seconds=self.settings.idempotency_ttl_seconds,
        )

    @cached_property
    def sla_sweep(self) -> SlaSweep:
        from chalicelib.services.change_timers import StepsInTurn
        from chalicelib.services.sweep import SlaSweep

        steps = StepsInTurn(self.escalations, self.change_timers, self.problem_timers)
        return SlaSweep(self.tickets, self.due_tickets, self.clock_keeper, self.notice_factory, self.clock, steps)

    @cached_property
    def notifier(self) -> Notifier:
        from chalicelib.services.delivery import Notifier

        return Notifier(self.outbox, self.channels, self.clock, queue=self.notice_queue)

    @cached_property
    def outbox_relay(self) -> OutboxRelay:
        from chalicelib.services.delivery import OutboxRelay

        return OutboxRelay(self.outbox, self.notice_queue, self.clock, self.notifier)

    @cached_property
    def morning_patrol(self) -> MorningPatrol:
        from chalicelib.domain.patrol import PatrolSettings
        from chalicelib.services.patrol import MorningPatrol

        return MorningPatrol(
            self.tickets,
            self.claims,
            self.notice_factory,
            self.clock,
            service_manager=self.settings.service_manager,
            timezone=self.settings.service_manager_timezone,
            patrol_time=self.settings.patrol_time,
            settings=PatrolSettings(
                timezone=self.settings.service_manager_timezone, low_rating_max=self.settings.low_rating_max
            ),
            candidates=lambda: [c.to_dict() for c in self.candidate_finder.store.in_state("new", 20)],
            channels=self.channel_patrol.read if self.channel_patrol is not None else None,
            low_ratings=self.recent_ratings.low,
        )

    @cached_property
    def channel_patrol(self) -> Any:
        """The Slack channels of ``SLACK_PATROL_CHANNELS`` (None without them or a bot token)."""
        if self.slack_api is None or not self.settings.slack_patrol_channels:
            return None
        from chalicelib.domain.catalog.matching import match_service
        from chalicelib.domain.channel_patrol import Guess
        from chalicelib.services.channel_patrol import ChannelPatrol

        def guess(text: str) -> Guess | None:
            model = self.current_models().get("type")
            if model is not None:
                found = model.predict(text)
                return Guess(found.label, found.confidence, found.explanation)
            match = match_service(self.intake_classifier.catalog(), text, None)
            if match.service is None:
                return None
            return Guess("incident_or_request", match.confidence, f"about {match.service}: {match.explanation}")

        return ChannelPatrol(self.slack_api, self.settings.slack_patrol_channels, guess,
                             self.settings.triage_confidence)

    @cached_property
    def recent_ratings(self) -> RecentRatings:
        """The ratings given in a span (the patrol's low ratings), found through the rollups."""
        from zoneinfo import ZoneInfo

        from chalicelib.services.satisfaction import RecentRatings

        return RecentRatings(self.rollup_store, self.tickets, ZoneInfo(self.settings.desk_timezone))

    @cached_property
    def health(self) -> HealthCheck:
        """``/health``: the tickets table and, when configured, the notice queue."""
        from chalicelib.services.health import HealthCheck

        probes = self._health_probes
        if probes is None:
            from chalicelib.storage.aws import dynamodb_probe, queue_probe, storage_fault

            def explain(error: Exception) -> str:
                fault = storage_fault(error)
                return fault.reason if fault is not None else type(error).__name__

            probes = {"storage": dynamodb_probe(self.settings)}
            if self.settings.notices_queue_url:
                probes["queue"] = queue_probe(self.settings.notices_queue_url)
            return HealthCheck(probes, cache_seconds=self.settings.health_cache_seconds, explain=explain)
        return HealthCheck(probes, cache_seconds=self.settings.health_cache_seconds)

    def auto_closer(self) -> AutoCloser:
        """Built per run: the closure calendar is configuration that may change between runs."""
        from chalicelib.domain.sla.calendar import BusinessCalendar
        from chalicelib.services.patrol import AutoCloser

        calendar = self.config_service.get("calendar", self.settings.closure_calendar)
        return AutoCloser(
            self.tickets,
            self.ticket_service,
            self.clock,
            calendar=BusinessCalendar.from_dict(calendar.body),
            business_days=self.settings.auto_close_business_days,
        )


    # -- measures and reports -----------------------------------------------------------------

    @cached_property
    def rollup_store(self) -> Any:
        """The reports' rollups (``rollups=`` replaces them)."""
        if self._rollups is not None:
            return self._rollups
        from chalicelib.storage.rollups import DynamoRollupStore

        return DynamoRollupStore()

    @cached_property
    def measure_calculator(self) -> MeasureCalculator:
        from zoneinfo import ZoneInfo

        from chalicelib.services.reports import MeasureCalculator

        return MeasureCalculator(
            self.clock_keeper, ZoneInfo(self.settings.desk_timezone), self.settings.pause_governance_share
        )

    @cached_property
    def rollups(self) -> RollupKeeper:
        """Applies the events table's stream to the rollups."""
        from chalicelib.services.reports import RollupKeeper

        return RollupKeeper(self.tickets, self.measure_calculator, self.rollup_store)

    def rollup_rebuild(self) -> RollupRebuild:
        from chalicelib.services.reports import RollupRebuild

        return RollupRebuild(self.measure_calculator, self.rollup_store)

    @cached_property
    def reports(self) -> ReportService:
        from zoneinfo import ZoneInfo

        from chalicelib.services.reports import ReportService

        return ReportService(self.rollup_store, ZoneInfo(self.settings.desk_timezone))

    @cached_property
    def steering(self) -> SteeringReports:
        """The weekly steering report (sent Monday at the patrol time, the Service Manager's zone)."""
        from chalicelib.services.steering import SteeringReports

        return SteeringReports(
            self.reports,
            self.rollup_store,
            self.tickets,
            self.claims,
            self.notice_factory,
            self.clock,
            service_manager=self.settings.service_manager,
            timezone=self.settings.service_manager_timezone,
            send_time=self.settings.patrol_time,
            found_candidates=lambda first, last: [
                c.to_dict() for c in self.candidate_finder.store.found_between(first, last)
            ],
            low_rating_max=self.settings.low_rating_max,
        )

def bootstrap(settings: Settings | None = None, **overrides: Any) -> Desk:
    """A desk for ``settings`` (default: this process's, from the environment) with ``overrides``
    (any keyword of :class:`Desk`) in place of the real collaborators."""
    return Desk(settings or get_settings(), **overrides)


_installed: Desk | None = None


def desk() -> Desk:
    """The process's desk: the installed one, else one built from the environment on first use."""
    global _installed
    if _installed is None:
        _installed = bootstrap()
    return _installed


def install(replacement: Desk | None) -> None:
    """Make ``replacement`` the process's desk (None: build a fresh one from the environment on
    next use, e.g. after the settings changed)."""
    global _installed
    _installed = replacement
