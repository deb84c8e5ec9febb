"""Slack intake: acknowledge at once, open the ticket through the notice queue, answer in a thread.

Slack wants an answer within three seconds. :meth:`SlackIntakeService.accept` only claims the
intake (``slack-intake#<key>``: the command's trigger, or the message a shortcut was used on)
together with a ``slack_intake`` notice in the outbox, hands that notice to the queue and
returns; the route then answers Slack. The queue's consumer (``deliver_notices``) delivers the
notice to :class:`SlackIntakeChannel`, which opens the ticket (:meth:`SlackIntakeService.open`)
and posts its number in the Slack thread. The requester is the Slack user's e-mail address when
Slack tells it, so the desk's notices reach them as they reach anyone known by address. The
queue brings its retries and dead-letter queue; the claim makes a repeated request act once,
and the intake key on the ticket's transaction makes a retried delivery find the ticket it
already opened.

Why the queue and not an asynchronous Lambda invoke: the API function may already send to the
notice queue, the local runner already plays it, and a failure lands in the dead-letter queue
with its reason like any notice's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import IntakeAlreadyStored
from chalicelib.domain.identity import Identity
from chalicelib.domain.notice import DESK, SLACK_INTAKE, SLACK_INTAKE_CHANNEL, Notice
from chalicelib.domain.slack import SlackIntake
from chalicelib.domain.ticket import Ticket
from chalicelib.notify.failures import DeliveryError
from chalicelib.notify.slack_api import SlackThreads, SlackWebApi
from chalicelib.observability import logger
from chalicelib.services.intake import intake_key
from chalicelib.services.patrol import Claims
from chalicelib.services.ports import Clock
from chalicelib.services.tickets import OpenTicket, TicketService


class Relay(Protocol):
    def relay_one(self, notice_id: str) -> object: ...


def intake_notice(intake: SlackIntake, now: datetime) -> Notice:
    """The notice that carries an acknowledged intake to the queue's consumer."""
    return Notice(
        notice_id=f"slack-intake#{intake.key}#{SLACK_INTAKE_CHANNEL}",
        kind=SLACK_INTAKE,
        ticket=None,
        recipient=DESK,
        channel=SLACK_INTAKE_CHANNEL,
        subject=intake.title,
        text=intake.description,
        created_at=now,
        data={"intake": intake.to_dict()},
    )


class SlackIntakeService:
    def __init__(
        self,
        tickets: TicketService,
        claims: Claims,
        relay: Callable[[], Relay],
        clock: Clock,
        *,
        api: SlackWebApi | None,
        threads: SlackThreads | None,
        public_url: str,
    ) -> None:
        self.tickets = tickets
        self.claims = claims
        self.relay = relay
        self.clock = clock
        self.api = api
        self.threads = threads
        self.public_url = public_url.rstrip("/")

    def accept(self, intake: SlackIntake) -> bool:
        """Claim the intake and queue its opening; False when it was accepted before."""
        now = self.clock()
        notice = intake_notice(intake, now)
        claimed = self.claims.claim(
            f"slack-intake#{intake.key}", now, {"user": intake.user, "channel": intake.channel}, [notice]
        )
        if claimed:
            self.relay().relay_one(notice.notice_id)
        return claimed

    def open(self, intake: SlackIntake) -> Ticket:
        """Open the ticket (once, whatever the retries) and post its number in the thread."""
        caller = Identity(user=self.requester_of(intake), role="requester")
        request = OpenTicket(type=intake.type, title=intake.title, description=intake.description, tags=("slack",))
        key = intake_key(caller.user, intake.key, {"type": request.type, "title": request.title})
        try:
            ticket = self.tickets.open_ticket(request, caller, key)
        except IntakeAlreadyStored as stored:
            ticket = self.tickets.get_ticket(stored.number, caller)
        self._answer_in_thread(intake, ticket)
        return ticket

    def requester_of(self, intake: SlackIntake) -> str:
        """Who opens the ticket: the Slack user's e-mail address (``users.info``, scope
        ``users:read.email``), the desk's id of people it knows by address; else ``slack:<user id>``."""
        if self.api is None:
            return intake.requester
        try:
            profile = self.api.call("users.info", user=intake.user).get("user", {}).get("profile", {})
        except DeliveryError as exc:
            if exc.retryable:
                raise
            return intake.requester  # no scope, or a user Slack no longer knows
        email = str(profile.get("email") or "").strip().lower()
        return email if "@" in email else intake.requester

    def _answer_in_thread(self, intake: SlackIntake, ticket: Ticket) -> None:
        if self.api is None or self.threads is None or self.threads.thread_of(ticket.number) is not None:
            return
        link = f"{self.public_url}/tickets/{ticket.number}"
        text = f"<@{intake.user}> opened {ticket.number} ({ticket.priority}): {ticket.title}\n{link}"
        ts = self.api.post_message(intake.channel, text, thread_ts=intake.thread_ts)
        self.threads.remember(ticket.number, intake.channel, intake.thread_ts or ts)
        logger.info("slack intake opened", extra={"ticket": ticket.number, "channel": intake.channel})


class SlackIntakeChannel:
    """Delivers a ``slack_intake`` notice: opens its ticket (:meth:`SlackIntakeService.open`)."""

    name = SLACK_INTAKE_CHANNEL

    def __init__(self, service: Callable[[], SlackIntakeService]) -> None:
        self._service = service

    def send(self, notice: Notice) -> None:
        self._service().open(SlackIntake.from_dict(notice.data["intake"]))
