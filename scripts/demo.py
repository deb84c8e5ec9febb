"""A month of the desk's history, made through the desk's own services on an injected clock.

    python scripts/demo.py [--data-dir .run] [--days 30] [--seed 7] [--end 2026-11-30T18:00:00Z]

``make demo`` runs this: it starts an embedded AWS (moto) as ``make run`` does, puts back the data
directory's last snapshot, fills an empty desk with the month that ends now and saves the snapshot,
so the next ``make run`` shows it (``make run DEMO=1`` does the same inside the run). A desk that
has tickets already is left as it is (``make reset`` empties it).

:func:`generate` is the month itself, on any desk: every ticket is opened, answered, moved,
linked, corrected and contested through the services the API calls (``TicketService``,
``ChangeService``, ``ProblemService``, ``LinkService``, ``CandidateFinder``, ``ConfigService``),
as requesters, agents and a manager, while a :class:`SteppedClock` walks through the month. Between
the steps the scheduled functions run at the times they would have: the SLA sweep, auto-close, the
problem-candidate scan and the morning patrol every hour, the steering report on Monday morning
(after the events stream was played into the rollups, as Lambda would have done by then). So a
breach is a breach the sweep found at its time, and the reports read rollups the stream built.

The stories are seeded (``random.Random(seed)``): the same seed, span and end make the same month.
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.domain.identity import Identity  # noqa: E402
from chalicelib.domain.ticket import Ticket  # noqa: E402
from chalicelib.services.tickets import OpenTicket  # noqa: E402

if TYPE_CHECKING:
    from chalicelib.wiring import Desk

#: The office the month's working hours are read in (the dev stage's ``DESK_TIMEZONE``).
OFFICE = ZoneInfo("America/Chicago")
#: Who makes the manager's moves (a name the directory does not know: a manager by role alone).
MANAGER = Identity("maria.manager", "manager")

#: How many hourly ticks apart the demo runs auto-close and the problem-candidate scan.
AUTO_CLOSE_EVERY = 6
SCAN_EVERY = 3

#: A story: each ``next()`` makes its next step at the clock's time and yields when the one after
#: it is due (an aware instant); it ends when it has nothing more to do.
Story = Iterator[datetime]


class SteppedClock:
    """The injected clock: it stands still between steps and only moves forward."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, when: datetime) -> None:
        if when > self.now:
            self.now = when


@dataclass(frozen=True)
class Requester:
    """A requester of the month: where they work (their business unit, a token claim) and the
    zone they live in (they answer during their own daytime), and the language they write in."""

    user: str
    business_unit: str
    zone: str
    language: str
    vip: bool = False

    def identity(self) -> Identity:
        return Identity(self.user, "requester", self.vip, self.business_unit)


REQUESTERS = (
    Requester("alice", "finance", "America/Chicago", "en"),
    Requester("bernd", "research", "Europe/Berlin", "de"),
    Requester("chen", "operations", "Asia/Singapore", "en"),
    Requester("lucia", "sales", "Europe/Madrid", "en"),
    Requester("greta", "research", "Europe/Vienna", "de"),
    Requester("omar", "operations", "America/Los_Angeles", "en"),
    Requester("victoria", "executive", "America/New_York", "en", vip=True),
)


@dataclass(frozen=True)
class Topic:
    """What a ticket is about, in English and in German, as a requester would write it."""

    type: str
    en: tuple[str, str]
    de: tuple[str, str]
    impact: str | None = None
    urgency: str | None = None

    def words(self, language: str) -> tuple[str, str]:
        """The title and description in ``language`` (English where there is no German)."""
        return self.de if language == "de" and self.de[0] else self.en


INCIDENTS = (
    Topic("incident", ("Outlook keeps asking for my password", "Since this morning Outlook asks for my password "
                       "every few minutes and mail does not arrive."),
          ("Outlook fragt ständig nach dem Passwort", "Seit heute Morgen fragt Outlook alle paar Minuten nach dem "
           "Passwort, E-Mails kommen nicht an.")),
    Topic("incident", ("No Wi-Fi in building C", "The wifi in building C drops, nobody on the third floor has "
                       "network."),
          ("Kein WLAN in Gebäude C", "Das WLAN in Gebäude C fällt aus, im dritten Stock hat niemand Netzwerk.")),
    Topic("incident", ("Laptop battery empty after an hour", "My laptop battery drains within an hour, even when "
                       "idle."),
          ("Laptop-Akku nach einer Stunde leer", "Der Akku meines Laptops ist nach einer Stunde leer, auch im "
           "Leerlauf.")),
    Topic("incident", ("Locked out of my account after the MFA reset", "After resetting MFA I cannot log in; the "
                       "account says locked."),
          ("Konto nach MFA-Zurücksetzung gesperrt", "Nach dem Zurücksetzen der MFA kann ich mich nicht anmelden, das "
           "Konto ist gesperrt."), urgency="high"),
    Topic("incident", ("Invoice posting fails in the ERP", "Posting an invoice in SAP fails with an error about the "
                       "cost centre."),
          ("Rechnung buchen im ERP schlägt fehl", "Beim Buchen einer Rechnung im SAP kommt ein Fehler zur "
           "Kostenstelle.")),
    Topic("incident", ("Time recording shows the wrong hours", "The timesheet in the HR system shows last week's "
                       "hours twice."),
          ("Zeiterfassung zeigt falsche Stunden", "Die Zeiterfassung im HR-System zeigt die Stunden der letzten Woche "
           "doppelt.")),
    Topic("incident", ("Projector in meeting room 4 shows no picture", "The projector in meeting room 4 finds no "
                       "HDMI signal."),
          ("Beamer im Besprechungsraum 4 zeigt kein Bild", "Der Beamer im Besprechungsraum 4 findet kein "
           "HDMI-Signal.")),
    Topic("incident", ("Suspicious email asking for my password", "I got a phishing email asking me to confirm my "
                       "password on an odd site."),
          ("Verdächtige E-Mail fragt nach meinem Passwort", "Ich habe eine Phishing-Mail bekommen, die nach meinem "
           "Passwort fragt.")),
    Topic("incident", ("Reporting database queries are very slow", "Queries on the reporting database take minutes "
                       "since yesterday."),
          ("Abfragen auf der Reporting-Datenbank sehr langsam", "Abfragen auf der Reporting-Datenbank dauern seit "
           "gestern Minuten.")),
    Topic("incident", ("Nightly spectrograph pipeline failed", "The nightly processing of the spectrograph pipeline "
                       "stopped at the reduction step."),
          ("Nächtliche Spektrograph-Pipeline fehlgeschlagen", "Die nächtliche Verarbeitung der "
           "Spektrograph-Pipeline ist bei der Reduktion stehen geblieben."), impact="high"),
)
VPN = Topic("incident", ("VPN drops every few minutes", "AnyConnect disconnects every few minutes from home."),
            ("VPN bricht alle paar Minuten ab", "AnyConnect trennt alle paar Minuten die Verbindung im Home Office."))
PRINTER = (
    ("Printer on the second floor jams", "Paper jam in tray 2 of the second floor printer"),
    ("Second floor printer paper jam again", "tray 2 jams every time, paper stuck"),
    ("Drucker im zweiten Stock Papierstau", "Papier klemmt in Fach 2 am Drucker im zweiten Stock"),
)
REQUESTS = (
    Topic("service_request", ("New account for an intern starting Monday", "Please create an account and mailbox "
                              "for our intern, starting next Monday."),
          ("Neues Benutzerkonto für eine Praktikantin", "Bitte ein Benutzerkonto und Postfach für unsere "
           "Praktikantin anlegen, Beginn nächsten Montag.")),
    Topic("service_request", ("I need a second monitor", "Could I get a second monitor for my desk?"),
          ("Zweiter Bildschirm benötigt", "Könnte ich einen zweiten Bildschirm für meinen Arbeitsplatz bekommen?")),
    Topic("service_request", ("Shared mailbox for the project team", "Please create a shared mailbox for the "
                              "Atlas project team."),
          ("Gemeinsames Postfach für das Projektteam", "Bitte ein gemeinsames Postfach für das Projektteam Atlas "
           "anlegen.")),
    Topic("service_request", ("Access to the purchasing module", "I need access to purchasing in the ERP to raise "
                              "purchase orders."),
          ("Zugang zum Einkauf im ERP", "Ich brauche Zugang zum Einkauf im ERP, um Bestellanforderungen zu "
           "erstellen.")),
    Topic("service_request", ("New cloud project for the data team", "Please set up a cloud project with a storage "
                              "bucket for the data team."),
          ("Neues Cloud-Projekt für das Datenteam", "Bitte ein Cloud-Projekt mit einem Bucket für das Datenteam "
           "einrichten.")),
)


@dataclass
class Month:
    """What :func:`generate` made: the tickets by the story that made them, and the runs of the
    scheduled functions."""

    start: datetime
    end: datetime
    stories: dict[str, list[str]] = field(default_factory=dict)
    sweeps: int = 0
    notices: int = 0
    auto_closed: int = 0
    steering_weeks: list[str] = field(default_factory=list)
    patrols: int = 0
    stream_records: int = 0

    def made(self, story: str, number: str) -> None:
        numbers = self.stories.setdefault(story, [])
        if number not in numbers:
            numbers.append(number)

    def summary(self) -> str:
        tickets = len({n for numbers in self.stories.values() for n in numbers})
        return (
            f"{tickets} tickets from {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}: "
            + ", ".join(f"{len(v)} {k}" for k, v in sorted(self.stories.items()))
            + f"; {self.sweeps} sweeps, {self.auto_closed} auto-closed, {self.patrols} patrols, "
            f"steering {', '.join(self.steering_weeks) or 'none'}, {self.stream_records} events into the rollups"
        )


class MonthOfHistory:
    """Plays the month's stories on ``desk`` (built on ``clock``) from ``start`` to ``end``."""

    def __init__(
        self, desk: Desk, clock: SteppedClock, start: datetime, end: datetime, seed: int, tick: timedelta
    ) -> None:
        self.desk = desk
        self.tick = tick
        self.clock = clock
        self.start = start
        self.end = end
        self.rng = random.Random(seed)
        self.month = Month(start, end)
        self._queue: list[tuple[datetime, int, Story]] = []
        self._order = 0
        self._player: Any = None
        self.known_error: str | None = None
        self.freeze_end: datetime | None = None

    # -- time ------------------------------------------------------------------------------

    def at_fraction(self, fraction: float, hour: int = 10) -> datetime:
        """The first working morning at ``fraction`` of the month or after it (``hour`` in the office)."""
        day = (self.start + (self.end - self.start) * fraction).astimezone(OFFICE).date()
        while day.isoweekday() > 5:
            day += timedelta(days=1)
        return datetime.combine(day, time(hour), OFFICE).astimezone(timezone.utc)

    def office(self, after: timedelta, at: datetime | None = None) -> datetime:
        """``after`` from ``at`` (default now), moved to the next office hour (weekdays 8-17) when
        it falls outside; a few minutes of jitter, as people are not punctual."""
        when = (at or self.clock()) + after + timedelta(minutes=self.rng.randint(0, 25))
        local = when.astimezone(OFFICE)
        while local.isoweekday() > 5 or not time(8) <= local.time() < time(17):
            if local.time() >= time(17) or local.isoweekday() > 5:
                local = datetime.combine(local.date() + timedelta(days=1), time(8), OFFICE)
            else:
                local = datetime.combine(local.date(), time(8), OFFICE)
            local += timedelta(minutes=self.rng.randint(0, 40))
        return local.astimezone(timezone.utc)

    def daytime(self, who: Requester, after: timedelta) -> datetime:
        """``after`` from now, moved into the requester's own day (8-20 where they live)."""
        zone = ZoneInfo(who.zone)
        local = (self.clock() + after).astimezone(zone)
        if local.time() < time(8):
            local = datetime.combine(local.date(), time(8, self.rng.randint(0, 50)), zone)
        elif local.time() >= time(20):
            local = datetime.combine(local.date() + timedelta(days=1), time(8, self.rng.randint(0, 50)), zone)
        return local.astimezone(timezone.utc)

    # -- the desk's services, as people call them ------------------------------------------

    def get(self, number: str) -> Ticket:
        ticket = self.desk.tickets.get(number)
        assert ticket is not None, number
        return ticket

    def open(self, story: str, who: Requester, topic: Topic, *, language: str | None = None) -> Ticket:
        title, description = topic.words(language or who.language)
        request = OpenTicket(topic.type, title, description, impact=topic.impact, urgency=topic.urgency)
        ticket = self.desk.ticket_service.open_ticket(request, who.identity())
        self.month.made(story, ticket.number)
        return ticket

    def agent_for(self, ticket: Ticket) -> Identity:
        """The ticket's assignee, else a member of its group (the service desk when it has none)."""
        if ticket.assignee:
            return Identity(ticket.assignee, "agent")
        members = self.desk.directory.members(ticket.group or "service-desk") or ("ann",)
        return Identity(self.rng.choice(members), "agent")

    def take(self, number: str) -> Identity:
        """An agent takes the ticket (assigned to them, and in the service desk's group when triage
        has not routed it yet) and starts work; returns who."""
        ticket = self.get(number)
        agent = self.agent_for(ticket)
        if ticket.assignee != agent.user:
            group = None if ticket.group else "service-desk"
            ticket = self.desk.ticket_service.assign(
                number, ticket.version, agent, assignee=agent.user, group=group, monitor=None
            )
        self.start_work(number, agent)
        return agent

    def start_work(self, number: str, agent: Identity) -> None:
        """Move the ticket to in progress unless work already started."""
        if self.get(number).status in ("new", "assigned"):
            self.move(number, agent, "start")

    def reply(self, number: str, who: Identity, body: str, visibility: str = "public") -> Ticket:
        return self.desk.ticket_service.comment(number, who, body=body, visibility=visibility)

    def move(
        self, number: str, who: Identity, to: str, reason: str | None = None, outcome: str | None = None
    ) -> Ticket:
        """The move ``to`` as ``who`` (through the change service, as the transitions route does)."""
        ticket = self.get(number)
        return self.desk.change_service.move(number, to, ticket.version, who, reason, outcome)

    def transfer(self, number: str, who: Identity, group: str, reason: str) -> Identity:
        """Hand the ticket to another group, to one of its members; returns the new assignee."""
        members = self.desk.directory.members(group)
        assignee = self.rng.choice(members)
        ticket = self.get(number)
        self.desk.ticket_service.assign(
            number, ticket.version, who, assignee=assignee, group=group, monitor=who.user, reason=reason
        )
        return Identity(assignee, "agent")

    def answer_change(self, number: str, who: Identity, group: str) -> None:
        """The implementing team takes the RFC: assigned to ``who`` and answered in public."""
        ticket = self.get(number)
        self.desk.ticket_service.assign(number, ticket.version, who, assignee=who.user, group=group, monitor=None)
        self.reply(number, who, "We have your request for change and are planning it.")

    def plan(self, number: str, who: Identity, **body: Any) -> Ticket:
        return self.desk.change_service.plan(number, {"version": self.get(number).version, **body}, who)

    def decide(self, number: str, who: Identity, decision: str, comment: str) -> Ticket:
        return self.desk.change_service.decide(number, decision, comment, self.get(number).version, who)

    # -- the month ---------------------------------------------------------------------------

    def tell(self, at: datetime, story: Story) -> None:
        """Start ``story`` at ``at`` (its first step runs then)."""
        self._order += 1
        heapq.heappush(self._queue, (at, self._order, story))

    def play(self) -> Month:
        """Every story's steps in time order, the scheduled functions between them, to ``end``."""
        tick = self.start.replace(minute=0, second=0, microsecond=0) + self.tick
        while self._queue:
            at, order, story = heapq.heappop(self._queue)
            if at > self.end:
                continue  # the month is over before this step: the story stays where it is
            while tick <= at:
                self.clock.move_to(tick)
                self.scheduled(tick)
                tick += self.tick
            self.clock.move_to(at)
            try:
                following = next(story)
            except StopIteration:
                continue
            heapq.heappush(self._queue, (max(following, self.clock()), order, story))
        while tick <= self.end:
            self.clock.move_to(tick)
            self.scheduled(tick)
            tick += self.tick
        self.clock.move_to(self.end)
        self.month.stream_records += self.play_stream()
        return self.month

    def scheduled(self, now: datetime) -> None:
        """The scheduled functions due at ``now`` (a tick, an hour by default): the SLA sweep every tick,
        the problem-candidate scan every :data:`SCAN_EVERY` and auto-close every
        :data:`AUTO_CLOSE_EVERY` ticks (``app.py`` runs them more often, to the same effect on a
        month), and on the tick of the patrol time the morning patrol, and on Mondays the stream
        played into the rollups and the steering report."""
        report = self.desk.sla_sweep.run()
        self.month.sweeps += 1
        self.month.notices += int(report.notices)
        hours = int((now - self.start).total_seconds() // 3600)
        if hours % AUTO_CLOSE_EVERY < self.tick.total_seconds() / 3600:
            self.month.auto_closed += len(self.desk.auto_closer().run())
        if hours % SCAN_EVERY < self.tick.total_seconds() / 3600:
            self.desk.candidate_finder.scan()
        settings = self.desk.settings
        local = now.astimezone(ZoneInfo(settings.service_manager_timezone))
        patrol = datetime.combine(local.date(), time.fromisoformat(settings.patrol_time), local.tzinfo)
        if not patrol <= local < patrol + self.tick:
            return
        if self.desk.morning_patrol.send_if_due():
            self.month.patrols += 1
        if local.isoweekday() == 1:
            self.month.stream_records += self.play_stream()
            if self.desk.steering.send_if_due():
                monday = local.date() - timedelta(days=7)
                self.month.steering_weeks.append(f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}")

    def play_stream(self) -> int:
        """The events table's stream into the rollups' handler, as Lambda's mapping would have."""
        from app import app
        from chalicelib.storage.aws import client
        from chalicelib.storage.streams import StreamPlayer, streams_client

        if self._player is None:
            self._player = StreamPlayer(client("dynamodb"), streams_client(), self.desk.settings.events_table)
        return int(self._player.play(app.handler_map["apply_events_to_rollups"]))

    # -- the stories ---------------------------------------------------------------------------

    def cast(self) -> None:
        """Every story of the month, at its start."""
        self.tell(self.start, self.setup())
        day = self.start.astimezone(OFFICE).date()
        last = self.end.astimezone(OFFICE).date()
        kinds: list[tuple[str, Callable[[Requester, Topic], Story], int]] = [
            ("answered", self.answered, 5),
            ("waiting", self.waiting, 4),
            ("reopened", self.reopened, 2),
            ("breached", self.breached, 2),
            ("transferred", self.transferred, 2),
            ("corrected", self.corrected, 2),
            ("contested", self.contested, 1),
            ("cancelled", self.cancelled, 1),
            ("known_error", self.known_error_match, 1),
        ]
        weights = [w for _, _, w in kinds]
        while day <= last:
            per_day = self.rng.randint(3, 6) if day.isoweekday() <= 5 else self.rng.randint(0, 1)
            for _ in range(per_day):
                who = self.rng.choice(REQUESTERS)
                hour = self.rng.uniform(7.5, 17.5) if day.isoweekday() <= 5 else self.rng.uniform(9, 20)
                at = datetime.combine(day, time(0), ZoneInfo(who.zone)) + timedelta(hours=hour)
                name, story, _ = self.rng.choices(kinds, weights)[0]
                topic = self.rng.choice(REQUESTS if self.rng.random() < 0.35 and name != "known_error" else INCIDENTS)
                if name == "known_error":
                    topic = VPN
                if self.start < at.astimezone(timezone.utc) < self.end:
                    self.tell(at.astimezone(timezone.utc), story(who, topic))
            day += timedelta(days=1)
        self.tell(self.at_fraction(0.15, 9), self.printer_problem())
        self.tell(self.at_fraction(0.3, 11), self.major_incident())
        self.tell(self.at_fraction(0.1, 9), self.normal_change())
        self.tell(self.at_fraction(0.12, 14), self.conflicting_change())
        self.tell(self.at_fraction(0.35, 9), self.freeze_and_rejected_change())
        self.tell(self.at_fraction(0.05, 10), self.standard_change())
        self.tell(self.end - timedelta(hours=30), self.change_awaiting_approval())

    def setup(self) -> Story:
        """The desk's configuration and the known error it starts with, stored at the month's start."""
        from chalicelib.services.ports import TicketFilter
        from chalicelib.services.problem_seeds import KNOWN_ERROR_TITLE, seed_problem_examples
        from chalicelib.services.seeding import seed_defaults

        seed_defaults(self.desk.config_service)
        seed_problem_examples(self.desk)
        known = self.desk.tickets.list(TicketFilter(status="known_error", type="problem"), 100, None).tickets
        self.known_error = next((t.number for t in known if t.title == KNOWN_ERROR_TITLE), None)
        yield from ()

    # Support tickets (incidents and service requests) ------------------------------------------

    def answered(self, who: Requester, topic: Topic) -> Story:
        """Answered, resolved, and confirmed by the requester."""
        number = self.open("answered", who, topic).number
        yield self.office(timedelta(minutes=self.rng.randint(10, 90)))
        agent = self.take(number)
        self.reply(number, agent, "Thanks, I am looking into it now." if who.language == "en" else
                   "Danke, ich sehe es mir gleich an.")
        yield self.office(timedelta(hours=self.rng.uniform(1, 6)))
        self.reply(number, agent, "Fixed on our side; please check and confirm." if who.language == "en" else
                   "Auf unserer Seite behoben; bitte prüfen und bestätigen.")
        self.move(number, agent, "resolve")
        yield self.daytime(who, timedelta(hours=self.rng.uniform(2, 20)))
        self.move(number, who.identity(), "confirm")

    def waiting(self, who: Requester, topic: Topic) -> Story:
        """The desk asks the requester (its clocks pause), the requester answers (they resume);
        resolved and then left unanswered, so auto-close closes it."""
        number = self.open("waiting", who, topic).number
        yield self.office(timedelta(minutes=self.rng.randint(20, 120)))
        agent = self.take(number)
        question = ("Which building and room are you in, and since when does it happen?" if who.language == "en"
                    else "In welchem Gebäude und Raum sind Sie, und seit wann passiert es?")
        self.reply(number, agent, question)
        self.move(number, agent, "ask_requester", "waiting for the requester's details")
        yield self.daytime(who, timedelta(hours=self.rng.uniform(4, 40)))
        self.reply(number, who.identity(), "Building C, room 3.12, since Monday." if who.language == "en" else
                   "Gebäude C, Raum 3.12, seit Montag.")
        yield self.office(timedelta(hours=self.rng.uniform(1, 5)))
        self.move(number, agent, "resolve")

    def reopened(self, who: Requester, topic: Topic) -> Story:
        """Resolved too early: the requester reopens it, the agent resolves it again."""
        number = self.open("reopened", who, topic).number
        yield self.office(timedelta(minutes=self.rng.randint(10, 60)))
        agent = self.take(number)
        self.reply(number, agent, "This should work again now." if who.language == "en" else
                   "Das sollte jetzt wieder funktionieren.")
        self.move(number, agent, "resolve")
        yield self.daytime(who, timedelta(hours=self.rng.uniform(3, 20)))
        self.reply(number, who.identity(), "Still broken, sorry." if who.language == "en" else
                   "Leider immer noch kaputt.")
        self.move(number, who.identity(), "reopen", "it happens again")
        yield self.office(timedelta(hours=self.rng.uniform(2, 8)))
        self.reply(number, agent, "Found the real cause and fixed it." if who.language == "en" else
                   "Die eigentliche Ursache gefunden und behoben.")
        self.move(number, agent, "resolve")
        yield self.daytime(who, timedelta(hours=self.rng.uniform(2, 24)))
        self.move(number, who.identity(), "confirm")

    def breached(self, who: Requester, topic: Topic) -> Story:
        """Nobody picks it up for days: the sweep finds the breaches when they happen."""
        number = self.open("breached", who, topic).number
        yield self.office(timedelta(days=self.rng.uniform(2.5, 4)))
        agent = self.take(number)
        self.reply(number, agent, "Sorry for the wait; on it now." if who.language == "en" else
                   "Entschuldigung für die Wartezeit; ich kümmere mich jetzt darum.")
        yield self.office(timedelta(hours=self.rng.uniform(2, 8)))
        self.move(number, agent, "resolve")
        yield self.daytime(who, timedelta(hours=self.rng.uniform(2, 30)))
        self.move(number, who.identity(), "confirm")

    def transferred(self, who: Requester, topic: Topic) -> Story:
        """Tier 1 cannot solve it and hands it to tier 2, which resolves it."""
        number = self.open("transferred", who, topic).number
        yield self.office(timedelta(minutes=self.rng.randint(15, 90)))
        agent = self.take(number)
        self.reply(number, agent, "Checked the basics; passing this to our specialists.", "public")
        yield self.office(timedelta(hours=self.rng.uniform(1, 4)))
        expert = self.transfer(number, agent, "service-desk-tier2", "needs tier 2")
        yield self.office(timedelta(hours=self.rng.uniform(2, 12)))
        self.start_work(number, expert)
        self.reply(number, expert, "Tier 2 here: solved, details in the knowledge base.")
        self.move(number, expert, "resolve")

    def corrected(self, who: Requester, topic: Topic) -> Story:
        """The agent corrects what the desk guessed (a labelled example for the classifier)."""
        number = self.open("corrected", who, topic).number
        yield self.office(timedelta(minutes=self.rng.randint(10, 60)))
        agent = self.take(number)
        ticket = self.get(number)
        changes: dict[str, str] = {}
        if ticket.impact_defaulted or ticket.impact == "medium":
            changes["impact"] = "high" if ticket.impact != "high" else "low"
        other, group = ("database", "database") if ticket.service != "database" else ("cloud", "cloud-platform")
        if topic.type == "incident" and self.rng.random() < 0.5:
            changes.update(service=other, group=group)
        self.desk.ticket_service.reclassify(number, ticket.version, agent, changes, "the desk's guess was off")
        yield self.office(timedelta(hours=self.rng.uniform(2, 10)))
        agent = self.take(number)
        self.move(number, agent, "resolve")

    def contested(self, who: Requester, topic: Topic) -> Story:
        """The requester contests the classification; the manager raises its urgency in triage."""
        number = self.open("contested", who, topic).number
        yield self.daytime(who, timedelta(minutes=self.rng.randint(5, 60)))
        reason = ("Half of the team cannot work, this is urgent." if who.language == "en" else
                  "Das halbe Team kann nicht arbeiten, das ist dringend.")
        self.desk.ticket_service.contest(number, who.identity(), reason)
        yield self.office(timedelta(hours=self.rng.uniform(1, 3)))
        ticket = self.get(number)
        urgency = "high" if ticket.urgency != "high" else "medium"
        self.desk.ticket_service.reclassify(
            number, ticket.version, MANAGER, {"urgency": urgency}, "contested by the requester: urgency raised"
        )
        yield self.office(timedelta(minutes=30))
        agent = self.take(number)
        yield self.office(timedelta(hours=self.rng.uniform(1, 6)))
        self.move(number, agent, "resolve")

    def cancelled(self, who: Requester, topic: Topic) -> Story:
        """The requester withdraws it before anyone answered."""
        number = self.open("cancelled", who, topic).number
        yield self.daytime(who, timedelta(minutes=self.rng.randint(10, 50)))
        self.move(number, who.identity(), "cancel", "sorted it out myself")

    def known_error_match(self, who: Requester, topic: Topic) -> Story:
        """Intake offers the known error; the agent links the incident to its problem and resolves
        it with the workaround."""
        number = self.open("known_error", who, topic).number
        yield self.office(timedelta(minutes=self.rng.randint(10, 60)))
        agent = self.take(number)
        if self.known_error is not None:
            self.desk.link_service.link(number, "problem", self.known_error, agent)
        self.reply(number, agent, "A known problem: please connect to vpn2.example.com until it is fixed.")
        self.move(number, agent, "resolve")

    # Problem management ---------------------------------------------------------------------

    def printer_problem(self) -> Story:
        """Three look-alike printer incidents (one in German) become a problem candidate at the
        next scan; an agent accepts it; the problem gets its root cause and workaround, becomes a
        known error and is resolved a week later."""
        people = (REQUESTERS[0], REQUESTERS[3], REQUESTERS[1])
        for who, (title, description) in zip(people, PRINTER):
            ticket = self.desk.ticket_service.open_ticket(
                OpenTicket("incident", title, description), who.identity()
            )
            self.month.made("printer_problem", ticket.number)
            yield self.office(timedelta(hours=self.rng.uniform(2, 6)))
        yield self.office(timedelta(hours=2))
        elena = Identity("elena", "agent")
        found = [c for c in self.desk.candidate_finder.store.in_state("new", 50) if c.id.startswith("printing:")]
        if not found:
            return
        _, problem = self.desk.candidate_finder.accept(found[0].id, elena, "Paper jams on the second floor printer")
        self.month.made("printer_problem", problem.number)
        yield self.office(timedelta(hours=4))
        number = problem.number
        self.desk.problem_service.record(
            number,
            {
                "version": self.get(number).version,
                "statement": "The second floor printer jams in tray 2",
                "symptoms": ["paper jam tray 2", "Papierstau Fach 2"],
                "root_causes": [{"description": "Worn pick-up roller in tray 2", "category": "hardware",
                                 "evidence": "roller worn smooth; jams only with tray 2"}],
                "workaround": "Print from tray 1 (choose 'Tray 1' in the print dialogue) until the roller is replaced.",
            },
            elena,
        )
        self.move(number, elena, "analyse")
        self.move(number, elena, "known_error")
        self.desk.problem_service.publish_workaround(number, elena)
        yield self.office(timedelta(days=5))
        self.move(number, elena, "resolve", "pick-up roller replaced; no jam since")

    def major_incident(self) -> Story:
        """A P1 incident: resolved without a problem, so the desk opens one; the incident closes
        by itself once the problem has its root cause and is resolved."""
        who = REQUESTERS[6]
        topic = Topic("incident", ("ERP is down for the whole company", "Nobody can log in to SAP, all of finance "
                                   "and purchasing is stopped."),
                      ("ERP für alle ausgefallen", "Niemand kann sich am SAP anmelden."), impact="high", urgency="high")
        number = self.open("major_incident", who, topic).number
        yield self.office(timedelta(minutes=15))
        agent = self.take(number)
        self.reply(number, agent, "We know, the ERP team is restoring the application servers.")
        yield self.office(timedelta(hours=3))
        resolved = self.move(number, agent, "resolve")
        problem = next((link.target for link in resolved.links if link.kind == "problem"), None)
        yield self.daytime(who, timedelta(hours=4))
        self.move(number, who.identity(), "confirm")
        if problem is None:
            return
        self.month.made("major_incident", problem)
        frieda = Identity("frieda", "agent")
        yield self.office(timedelta(days=1))
        self.desk.problem_service.record(
            problem,
            {
                "version": self.get(problem).version,
                "root_causes": [{"description": "The application servers ran out of memory after the patch",
                                 "category": "software", "evidence": "OOM kills in the server logs"}],
            },
            frieda,
        )
        self.move(problem, frieda, "analyse")
        yield self.office(timedelta(days=2))
        self.move(problem, frieda, "resolve", "memory limits raised and the patch rolled back")

    # Change management ------------------------------------------------------------------------

    def window(self, days: float, hour: int, hours: int = 3) -> dict[str, str]:
        start = self.office(timedelta(days=days)).astimezone(OFFICE).replace(hour=hour, minute=0)
        return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}

    def normal_change(self) -> Story:
        """An RFC planned, assessed, submitted and approved by the implementing team, implemented in
        its window, reviewed and closed."""
        who = REQUESTERS[0]
        number = self.open("normal_change", who, Topic(
            "change_request", ("Upgrade the ERP database", "PostgreSQL 14 to 16 for the ERP"), ("", ""))).number
        dora, dieter = Identity("dora", "agent"), Identity("dieter", "agent")
        yield self.office(timedelta(hours=2))
        self.answer_change(number, dora, "database")
        window = self.window(3, 18)
        self.plan(number, dora, model="normal", services=["erp"], window=window,
                  implementation_plan="pg_upgrade --link on the replica, then switch over",
                  backout_plan="switch back to the old primary", test_plan="ERP smoke tests",
                  communication="mail to ERP users", outage_minutes=45, risk={"likelihood": 3, "impact": 4},
                  implementer_group="database", els_hours=24)
        self.move(number, dora, "assessment")
        yield self.office(timedelta(hours=3))
        self.move(number, dora, "authorization")
        yield self.office(timedelta(hours=4))
        self.decide(number, dieter, "approve", "plan and back-out reviewed")
        if self.get(number).status == "authorization":
            # Another change was planned into the same window meanwhile: the CAB decides.
            yield self.office(timedelta(hours=2))
            self.decide(number, MANAGER, "approve", "CAB: both fit in the window, the database first")
        yield datetime.fromisoformat(window["start"]).astimezone(timezone.utc) + timedelta(minutes=5)
        self.move(number, dora, "implementing")
        yield self.clock() + timedelta(hours=2)
        self.move(number, dora, "review", outcome="successful")
        yield self.office(timedelta(days=1))
        self.move(number, MANAGER, "closed")

    def conflicting_change(self) -> Story:
        """A second ERP change whose window overlaps the first one: the plan shows the conflict, the
        team's approval waits for a CAB decision by a manager, which schedules it."""
        who = REQUESTERS[2]
        number = self.open("conflicting_change", who, Topic(
            "change_request", ("Patch the ERP application servers", "Monthly OS patches for the ERP servers"),
            ("", ""))).number
        frieda, felix = Identity("frieda", "agent"), Identity("felix", "agent")
        yield self.office(timedelta(hours=1))
        self.answer_change(number, frieda, "erp")
        first = self.month.stories.get("normal_change", [])
        overlap: dict[str, str] | None = None
        if first:
            plan = self.get(first[0]).change
            if plan is not None and plan.window is not None:
                start = plan.window.start + timedelta(hours=1)
                overlap = {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}
        window = overlap or self.window(3, 19)
        self.plan(number, frieda, model="normal", services=["erp"], window=window,
                  implementation_plan="patch and reboot the ERP application servers one by one",
                  backout_plan="boot the previous kernel", risk={"likelihood": 2, "impact": 3},
                  implementer_group="erp")
        self.move(number, frieda, "assessment")
        self.move(number, frieda, "authorization")
        yield self.office(timedelta(hours=2))
        self.decide(number, felix, "approve", "patch list reviewed")
        yield self.office(timedelta(hours=3))
        if self.get(number).status == "authorization":
            self.decide(number, MANAGER, "approve", "CAB: both fit in the window, the database first")

    def freeze_and_rejected_change(self) -> Story:
        """A manager declares a network freeze; a change planned into it is rejected by its approver,
        reworked with a window after the freeze, and implemented; an emergency change goes ahead
        inside the freeze with its justification."""
        freeze_start = self.office(timedelta(days=1)).astimezone(OFFICE).replace(hour=0, minute=0)
        freeze_end = freeze_start + timedelta(days=3)
        self.freeze_end = freeze_end.astimezone(timezone.utc)
        self.desk.config_service.create(
            "change_freeze",
            {"name": "network-core-upgrade", "services": ["network", "vpn"], "start": freeze_start.isoformat(),
             "end": freeze_end.isoformat(), "reason": "core switch replacement in the data centre"},
            MANAGER,
        )
        who = REQUESTERS[3]
        number = self.open("rejected_change", who, Topic(
            "change_request", ("Move the guest Wi-Fi to its own VLAN", "Separate the guest wifi network"),
            ("", ""))).number
        nadia, nils = Identity("nadia", "agent"), Identity("nils", "agent")
        yield self.office(timedelta(hours=1))
        self.answer_change(number, nadia, "network")
        start = freeze_start + timedelta(days=1, hours=20)
        self.plan(number, nadia, model="normal", services=["network"],
                  window={"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
                  implementation_plan="new VLAN on the access switches, move the guest SSID",
                  backout_plan="move the SSID back", risk={"likelihood": 2, "impact": 2}, implementer_group="network")
        self.move(number, nadia, "assessment")
        self.move(number, nadia, "authorization")
        yield self.office(timedelta(hours=2))
        self.decide(number, nils, "reject", "the window falls in the network freeze; pick one after it")
        yield self.daytime(who, timedelta(hours=3))
        self.move(number, who.identity(), "rework", "a window after the freeze")
        yield self.office(timedelta(hours=1))
        later = freeze_end.astimezone(OFFICE) + timedelta(days=1, hours=19)
        self.plan(number, nadia, window={"start": later.isoformat(), "end": (later + timedelta(hours=2)).isoformat()})
        self.move(number, nadia, "assessment")
        self.move(number, nadia, "authorization")
        self.tell(self.clock() + timedelta(hours=1), self.emergency_change(freeze_start))
        yield self.office(timedelta(hours=3))
        self.decide(number, nils, "approve", "after the freeze: fine")
        yield later.astimezone(timezone.utc) + timedelta(minutes=10)
        self.move(number, nadia, "implementing")
        yield self.clock() + timedelta(hours=1, minutes=30)
        self.move(number, nadia, "review", outcome="successful_with_issues")

    def emergency_change(self, freeze_start: datetime) -> Story:
        """Inside the freeze, an emergency change goes ahead with its justification; its plan and
        decision are recorded afterwards and it is closed."""
        yield max(self.clock(), freeze_start.astimezone(timezone.utc) + timedelta(hours=26))
        noah, nadia = Identity("noah", "agent"), Identity("nadia", "agent")
        number = self.open("emergency_change", REQUESTERS[5], Topic(
            "change_request", ("Roll back the core switch firmware", "The new firmware drops VPN tunnels"),
            ("", ""))).number
        now = self.clock()
        self.answer_change(number, noah, "network")
        self.plan(number, noah, model="emergency", services=["vpn", "network"],
                  window={"start": now.isoformat(), "end": (now + timedelta(hours=1)).isoformat()},
                  implementation_plan="load the previous firmware on both core switches",
                  backout_plan="reload the new firmware", risk={"likelihood": 3, "impact": 4},
                  implementer_group="network")
        self.move(number, noah, "implementing", "VPN is down for everyone: the freeze cannot wait")
        yield self.clock() + timedelta(minutes=50)
        self.move(number, noah, "review", outcome="successful")
        yield self.office(timedelta(hours=2))
        self.decide(number, nadia, "approve", "after the fact: right call")
        self.move(number, MANAGER, "closed")

    def change_awaiting_approval(self) -> Story:
        """A change submitted at the month's end: it waits in the cloud team's approvals inbox."""
        number = self.open("change_awaiting_approval", REQUESTERS[1], Topic(
            "change_request", ("Move the data team's bucket to another region", "Storage bucket to eu-central-1"),
            ("Bucket des Datenteams in eine andere Region", "Den Bucket nach eu-central-1 verschieben"))).number
        carla = Identity("carla", "agent")
        yield self.office(timedelta(minutes=30))
        self.answer_change(number, carla, "cloud-platform")
        self.plan(number, carla, model="normal", services=["cloud"], window=self.window(6, 9, 4),
                  implementation_plan="replicate the bucket, switch the data team's jobs, delete the old one",
                  backout_plan="switch the jobs back to the old bucket", risk={"likelihood": 2, "impact": 3},
                  implementer_group="cloud-platform")
        self.move(number, carla, "assessment")
        self.move(number, carla, "authorization")

    def standard_change(self) -> Story:
        """A standard change from its template: scheduled, implemented, closed."""
        number = self.open("standard_change", REQUESTERS[4], Topic(
            "change_request", ("New VPN client profile", "Roll out the new VPN client profile"),
            ("Neues VPN-Client-Profil", "Das neue VPN-Client-Profil an alle verteilen"))).number
        nils = Identity("nils", "agent")
        yield self.office(timedelta(hours=1))
        self.answer_change(number, nils, "network")
        window = self.window(1, 10, 2)
        planned = self.plan(number, nils, template="vpn-client-profile-update", window=window,
                            risk={"likelihood": 1, "impact": 2}, implementer_group="network")
        if planned.change is not None and planned.change.freezes and self.freeze_end is not None:
            # Planned into the freeze declared meanwhile: the next morning after it instead.
            window = self.window((self.freeze_end - self.clock()).total_seconds() / 86400 + 1, 10, 2)
            self.plan(number, nils, window=window)
        self.move(number, nils, "scheduled")
        yield datetime.fromisoformat(window["start"]).astimezone(timezone.utc) + timedelta(minutes=2)
        self.move(number, nils, "implementing")
        yield self.clock() + timedelta(minutes=45)
        self.move(number, nils, "closed", outcome="successful")


def generate(
    desk: Desk,
    clock: SteppedClock,
    *,
    end: datetime,
    days: int = 30,
    seed: int = 7,
    tick: timedelta = timedelta(hours=1),
) -> Month:
    """Fill ``desk`` (built on ``clock``, installed as the process's desk so the stream's handler
    uses it too) with ``days`` of history ending at ``end``; the scheduled functions run every
    ``tick`` (the sweep's lateness at most: a breach is recorded at its own instant)."""
    start = end - timedelta(days=days)
    clock.move_to(start)
    history = MonthOfHistory(desk, clock, start, end, seed, tick)
    history.cast()
    return history.play()


# -- make demo --------------------------------------------------------------------------------


def fill_local(end: datetime, days: int, seed: int) -> str:
    """Fill the local desk the environment points at (``make run``'s moto) unless it has tickets;
    what was done, in words."""
    from chalicelib import wiring
    from chalicelib.observability import logger
    from chalicelib.services.ports import TicketFilter

    clock = SteppedClock(end - timedelta(days=days))
    demo_desk = wiring.bootstrap(clock=clock)
    if demo_desk.tickets.list(TicketFilter(), 1, None).tickets:
        return "demo: the desk has tickets already; `make reset` first for a fresh demo month"
    wiring.install(demo_desk)
    level = logger.log_level
    logger.setLevel("WARNING")  # a month of "ticket opened" lines says nothing to whoever waits
    try:
        month = generate(demo_desk, clock, end=end, days=days, seed=seed)
    finally:
        logger.setLevel(level)
        wiring.install(None)
    return "demo: " + month.summary()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("DESK_DATA_DIR") or ROOT / ".run"),
        help="the local desk's data directory (default .run/)",
    )
    parser.add_argument("--days", type=_days, default=30, help="how many days of history, 7 or more (default 30)")
    parser.add_argument("--seed", type=int, default=7, help="the stories' random seed (default 7)")
    parser.add_argument("--end", type=_instant, default=None, help="when the month ends (default now)")
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args()

    import logging

    from moto.server import ThreadedMotoServer

    from scripts.moto_tuning import cheap_transaction_snapshots
    from scripts.run_local import free_port, local_environment, restore_snapshot, save_snapshot, wait_for_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    cheap_transaction_snapshots()
    aws_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=aws_port, verbose=False)
    moto.start()
    try:
        wait_for_port(aws_port)
        os.environ.update(local_environment(8000, f"http://127.0.0.1:{aws_port}", args.data_dir))
        from chalicelib.cli import apply_stage_environment
        from chalicelib.config import get_settings
        from chalicelib.storage.attachments import create_bucket, s3_client
        from chalicelib.storage.aws import client
        from chalicelib.storage.tables import create_tables

        os.chdir(ROOT)
        apply_stage_environment(args.stage)
        get_settings.cache_clear()
        settings = get_settings()
        create_tables(settings, client("dynamodb"))
        create_bucket(s3_client(settings), settings.attachments_bucket, settings.region)
        snapshot = args.data_dir.resolve() / "snapshot"
        print(f"data: {restore_snapshot(snapshot)}", flush=True)
        end = args.end or datetime.now(timezone.utc).replace(microsecond=0)
        print(fill_local(end, args.days, args.seed), flush=True)
        print(f"data kept: {save_snapshot(snapshot)} items in {snapshot} (`make run` shows them)", flush=True)
    finally:
        moto.stop()
    return 0


def _days(text: str) -> int:
    days = int(text)
    if days < 7:
        raise argparse.ArgumentTypeError("at least 7: the changes, the freeze and the problem need a week")
    return days


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("needs a time zone (e.g. 2026-11-30T18:00:00Z)")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
