"""The demo month's time (``scripts/demo.py``): the injected clock only moves forward, agents act
in office hours, requesters in their own daytime, the special stories start on working mornings."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scripts.demo import OFFICE, REQUESTERS, MonthOfHistory, SteppedClock, Topic

START = datetime(2026, 11, 1, 5, 0, tzinfo=timezone.utc)
END = START + timedelta(days=30)


def history(seed: int = 7) -> MonthOfHistory:
    desk: Any = None  # the time helpers never touch the desk
    return MonthOfHistory(desk, SteppedClock(START), START, END, seed, timedelta(hours=1))


def test_the_clock_stands_still_and_never_goes_back() -> None:
    clock = SteppedClock(START)
    assert clock() == clock() == START
    clock.move_to(START + timedelta(hours=2))
    clock.move_to(START + timedelta(hours=1))
    assert clock() == START + timedelta(hours=2)


@pytest.mark.parametrize("hours", [0, 3, 9, 15, 40, 70], ids=lambda h: f"{h}h")
def test_agents_act_in_office_hours(hours: int) -> None:
    month = history()
    for step in range(0, 24 * 7, 5):
        month.clock.now = START + timedelta(hours=step)
        local = month.office(timedelta(hours=hours)).astimezone(OFFICE)
        assert local.isoweekday() <= 5 and time(8) <= local.time() < time(17, 40), local
        assert local >= month.clock() + timedelta(hours=hours)


def test_requesters_answer_in_their_own_daytime() -> None:
    month = history()
    for who in REQUESTERS:
        for step in range(0, 48, 7):
            month.clock.now = START + timedelta(hours=step)
            local = month.daytime(who, timedelta(hours=1)).astimezone(ZoneInfo(who.zone))
            assert time(8) <= local.time() < time(20), (who.user, local)


def test_special_stories_start_on_working_mornings() -> None:
    month = history()
    for fraction in (0.0, 0.1, 0.33, 0.5, 0.9):
        local = month.at_fraction(fraction, 9).astimezone(OFFICE)
        assert local.isoweekday() <= 5 and local.time() == time(9)


def test_a_topic_without_german_words_is_written_in_english() -> None:
    topic = Topic("change_request", ("Upgrade", "PostgreSQL 16"), ("", ""))
    assert topic.words("de") == ("Upgrade", "PostgreSQL 16")
    assert Topic("incident", ("a", "b"), ("c", "d")).words("de") == ("c", "d")


def _cast(seed: int) -> list[tuple[str, str, str]]:
    """The month's stories as cast: when each starts, which story, and with what."""
    month = history(seed)
    month.cast()
    cast = []
    for at, _, story in sorted(month._queue, key=lambda entry: (entry[0], entry[1])):
        generator: Any = story  # a story is a generator: its name and arguments say what it is
        arguments = sorted((k, repr(v)) for k, v in generator.gi_frame.f_locals.items() if k != "self")
        cast.append((at.isoformat(), generator.gi_code.co_name, repr(arguments)))
    return cast


def test_the_same_seed_casts_the_same_month_and_another_seed_another() -> None:
    assert _cast(7) == _cast(7)
    assert _cast(7) != _cast(8)
    names = {name for _, name, _ in _cast(7)}
    assert {"answered", "waiting", "reopened", "breached", "corrected", "contested", "normal_change",
            "freeze_and_rejected_change", "printer_problem", "major_incident"} <= names
