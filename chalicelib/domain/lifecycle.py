"""Lifecycles: a process's states and moves, declared as data. Pure, no I/O.

A :class:`Lifecycle` is one process's declaration (``chalicelib.domain.processes`` holds them):

* its **states**, each with a :class:`Phase` that tells the rest of the desk what the state means
  (work to do, waiting on the requester, resolved, closed, cancelled) and which SLA clocks it
  pauses (``pauses``; :data:`EVERY_CLOCK` pauses every clock that has not stopped);
* its **moves**, each a :class:`Move` from one state to another with the word people use for it
  (``reopen``, ``close``...) and any aliases, *who* may make it (:data:`REQUESTER`: the ticket's
  requester; :data:`STAFF`: agents, managers, admins; :data:`DESK`: the desk on its own, e.g.
  routing, a requester's reply, auto-close) and what it *requires* (a reason, a field, a check).

Everything else derives from the declaration: the transitions endpoint and its 409 naming the
allowed moves (:meth:`Lifecycle.allowed`), the requester's moves, which statuses auto-close acts
on (:meth:`Lifecycle.desk_move_to`), which statuses pause the clocks (:meth:`Lifecycle.pause_states`).
A refused move names everything it misses at once, not just the first thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.domain.errors import Forbidden, IllegalTransition
from chalicelib.domain.identity import Identity

#: Who makes a move.
REQUESTER = "requester"
STAFF = "staff"
DESK = "desk"
ACTORS = (REQUESTER, STAFF, DESK)

#: A state's ``pauses`` that pauses every clock that has not stopped.
EVERY_CLOCK: frozenset[str] = frozenset({"*"})


class Phase(StrEnum):
    """What a state means to the clocks, the queues and the reports."""

    #: Work for the desk: clocks run.
    OPEN = "open"
    #: The desk waits on someone else (the requester): still open, the state's clocks pause.
    WAITING = "waiting"
    #: The desk considers it done; the requester may confirm or reopen.
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (Phase.OPEN, Phase.WAITING)

    @property
    def is_terminal(self) -> bool:
        return self in (Phase.CLOSED, Phase.CANCELLED)


def actor_of(caller: Identity) -> str:
    """The lifecycle actor a caller acts as."""
    if caller.is_desk:
        return DESK
    return STAFF if caller.is_staff else REQUESTER


@dataclass(frozen=True)
class MoveFacts:
    """What a requirement may look at: the ticket (any object with the named attributes), the
    move's reason, now and the desk's reopen window; the tickets it links to that requirements
    read (``linked``, by number: an incident's problem, a problem's fixing change), the caller's
    role, and the incident priorities the closure gate holds (``chalicelib.domain.problem``)."""

    ticket: Any
    reason: str | None
    now: datetime
    reopen_window: timedelta
    linked: Mapping[str, Any] = field(default_factory=dict)
    role: str | None = None
    gate_priorities: frozenset[str] = frozenset({"P1", "P2"})


class Requirement(Protocol):
    """Something a move needs; ``missing`` says what is missing, or None."""

    def missing(self, facts: MoveFacts) -> str | None: ...


@dataclass(frozen=True)
class NeedsReason:
    """The move must say why (``reason``)."""

    def missing(self, facts: MoveFacts) -> str | None:
        return None if facts.reason and facts.reason.strip() else "a reason is required"


@dataclass(frozen=True)
class NeedsField:
    """A field of the ticket (a dotted path into its typed state) must be set and not empty."""

    path: str

    def missing(self, facts: MoveFacts) -> str | None:
        value: Any = facts.ticket
        for part in self.path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        return None if value not in (None, "", (), [], {}) else f"{self.path} is required"


@dataclass(frozen=True)
class WithinReopenWindow:
    """A resolved ticket may be reopened only within the reopen window of its resolution."""

    def missing(self, facts: MoveFacts) -> str | None:
        resolved_at = getattr(facts.ticket, "resolved_at", None)
        if resolved_at is not None and facts.now - resolved_at > facts.reopen_window:
            return f"the reopen window of {facts.reopen_window} after resolution has passed"
        return None


@dataclass(frozen=True)
class State:
    name: str
    phase: Phase
    #: The SLA clocks this state pauses (clock names, or :data:`EVERY_CLOCK`).
    pauses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    #: The word for the move (``to`` may name it instead of the target state).
    word: str
    by: frozenset[str]
    aliases: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()

    def answers_to(self, word: str) -> bool:
        return word in (self.target, self.word, *self.aliases)


def move(
    source: str,
    target: str,
    word: str,
    *by: str,
    aliases: Sequence[str] = (),
    requires: Sequence[Requirement] = (),
) -> Move:
    """Shorthand for declarations: ``move(NEW, CANCELLED, "cancel", STAFF, REQUESTER)``."""
    unknown = set(by) - set(ACTORS)
    if unknown or not by:
        raise ValueError(f"a move is made by some of {ACTORS}, not {sorted(unknown) or 'nobody'}")
    return Move(source, target, word, frozenset(by), tuple(aliases), tuple(requires))


@dataclass(frozen=True)
class Lifecycle:
    """One process's states and moves; see the module docstring."""

    process: str
    initial: str
    states: tuple[State, ...]
    moves: tuple[Move, ...]
    _by_name: dict[str, State] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {s.name: s for s in self.states}
        if len(by_name) != len(self.states):
            raise ValueError(f"{self.process}: a state is declared twice")
        if self.initial not in by_name:
            raise ValueError(f"{self.process}: the initial state {self.initial} is not declared")
        for m in self.moves:
            for end in (m.source, m.target):
                if end not in by_name:
                    raise ValueError(f"{self.process}: the move {m.word} names an undeclared state {end}")
            if m.source == m.target:
                raise ValueError(f"{self.process}: the move {m.word} goes nowhere")
        object.__setattr__(self, "_by_name", by_name)

    # -- the states -----------------------------------------------------------------------

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    def state(self, name: str) -> State:
        return self._by_name[name]

    def phase(self, name: str) -> Phase:
        return self._by_name[name].phase

    def in_phase(self, *phases: Phase) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.phase in phases)

    @property
    def open_states(self) -> tuple[str, ...]:
        return self.in_phase(Phase.OPEN, Phase.WAITING)

    @property
    def terminal_states(self) -> tuple[str, ...]:
        return self.in_phase(Phase.CLOSED, Phase.CANCELLED)

    def pause_states(self, clock: str | None = None) -> tuple[str, ...]:
        """The states that pause ``clock`` (None: that pause every clock)."""
        return tuple(
            s.name for s in self.states if s.pauses >= EVERY_CLOCK or (clock is not None and clock in s.pauses)
        )

    def is_reopen(self, source: str, target: str) -> bool:
        """A move from a resolved state back to work (a ``source`` of another process, as when a
        ticket changes type, is none)."""
        if source not in self._by_name:
            return False
        return self.phase(source) == Phase.RESOLVED and self.phase(target).is_open

    # -- the moves ------------------------------------------------------------------------

    def moves_from(self, source: str, actor: str) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.source == source and actor in m.by)

    def allowed(self, source: str, actor: str) -> tuple[str, ...]:
        """The states ``actor`` may move a ticket in ``source`` to."""
        return tuple(m.target for m in self.moves_from(source, actor))

    def desk_move(self, source: str, word: str) -> Move | None:
        """The move called ``word`` the desk may make on its own from ``source``, if declared."""
        return next((m for m in self.moves_from(source, DESK) if m.word == word), None)

    def desk_move_to(self, phase: Phase) -> tuple[Move, ...]:
        """The moves the desk makes on its own into a state of ``phase`` (e.g. auto-close)."""
        return tuple(m for m in self.moves if DESK in m.by and self.phase(m.target) == phase)

    def find(self, source: str, word: str, actor: str) -> Move:
        """The move ``actor`` asks for with ``word`` (a target state, a move's word or alias).

        Raises :class:`Forbidden` when the move exists but is not the actor's to make, and
        :class:`IllegalTransition` (naming the allowed moves and their words) otherwise.
        """
        candidates = [m for m in self.moves if m.source == source and m.answers_to(word)]
        for m in candidates:
            if actor in m.by:
                return m
        if candidates:
            raise Forbidden(f"a {actor} cannot move a ticket from {source} to {candidates[0].target}", field="to")
        mine = self.moves_from(source, actor)
        known = any(m.answers_to(word) for m in self.moves) or word in self._by_name
        why = (
            f"cannot move from {source} to {word}"
            if known
            else f"'{word}' is not a move of the {self.process.replace('_', ' ')} lifecycle; "
            f"say one of: {', '.join(_words(mine)) or 'none'}"
        )
        raise IllegalTransition(source, word, [m.target for m in mine], why=why, moves=_described(mine))

    def check(self, source: str, word: str, actor: str, facts: MoveFacts) -> Move:
        """The move, after checking every requirement; a refusal names all that is missing."""
        if word == source:
            raise IllegalTransition(
                source, word, list(self.allowed(source, actor)), moves=_described(self.moves_from(source, actor))
            )
        chosen = self.find(source, word, actor)
        missing = [reason for reason in (r.missing(facts) for r in chosen.requires) if reason]
        if missing:
            others = [m for m in self.moves_from(source, actor) if m is not chosen]
            raise IllegalTransition(
                source,
                chosen.target,
                [m.target for m in others],
                why=f"{chosen.word} refused: {'; '.join(missing)}",
                missing=missing,
                moves=_described(others),
            )
        return chosen


def _words(moves: Iterable[Move]) -> list[str]:
    return [m.word for m in moves]


def _described(moves: Iterable[Move]) -> list[dict[str, str]]:
    return [{"to": m.target, "word": m.word} for m in moves]

