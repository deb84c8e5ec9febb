"""The calendars, SLA policies and escalation rules the desk ships with, as plain documents.

They are data, loaded into the configuration store on first deploy and versioned from then on;
:class:`chalicelib.domain.sla.policy.SlaPolicy`, :class:`chalicelib.domain.sla.calendar.BusinessCalendar`
and :class:`chalicelib.domain.escalation.EscalationRules` validate them. The SLA targets come from
Kesner (seed 004), *IT Service Delivery*:

Exhibit 2, problem resolution metrics (incidents here), as (customer response, max. resolution time):

    Code 1: catastrophic   "Global service shutdown": "Within 30 minutes", "ASAP"
    Code 2: urgent         "Failure of a major enterprise system or network leg": "Within 60 minutes", "ASAP"
    Code 3: high priority  "Individual or team severely impacted": "Within four hours", "Two business days"
    Code 4: important      "Individual or team minimally impacted": "Three business days", "As scheduled"

Exhibit 3, service request metrics:

    Code 0: VIP request    "Request is from a senior executive who needs an IT service unexpectedly
                           and right away": "Within two hours", "ASAP"
    Code 1: urgent         "Within four minutes", "One business day"
    Code 2: high priority  "Within one business day", "Two business days"
    Code 3: standard       "Within two business days", "Five business days"
    Code 4: special        "Three business days notice at a minimum", "As scheduled"

Mapping onto the desk:

* Priorities map to codes: P1 -> code 1, P2 -> code 2, P3 -> code 3, P4 and P5 -> code 4.
* "ASAP" becomes a concrete working-time target, configurable through ``default_policies(asap=...)``
  (:data:`DEFAULT_ASAP`): incident code 1 -> 4h, incident code 2 -> 8h, VIP code 0 -> 4h.
* "As scheduled" becomes ``{"scheduled": true}``: the agent sets the due date (``due_date_set``).
* Code 0 is a policy of its own for VIP service requests (``vip: true``) with a higher
  precedence. Kesner's note: "will your CIO say no to the president of the enterprise in such a
  circumstance? The SLA might as well anticipate these events". A VIP never gets a looser target
  than the same request without VIP: at P1 the code 1 "Within four minutes" response stays.
* Priority 1 incidents get a next-update target of one business day, from Kesner's priority 1
  workflow: the CRE "communicates to all who are affected at least daily until resolved".
* The data facility (seed 000) says: "Need 24x7 incident response for Spectrograph-era service
  bundle." Incidents of the services in :data:`SPECTROGRAPH_BUNDLE` run the Exhibit 2 targets on
  the ``24x7`` calendar, with a precedence above the plain incident policy. Everything else runs
  on ``office``, because "Work at NCSA is not necessarily interrupted for anything except
  incidents, issues that arise during early lifetime support after insertion of a change, and
  need to meet milestones."
* A business day is one full working day of the target's calendar (``business_day_hours``:
  9 for ``office``, 24 for ``24x7``), so "one business day" means "by the same time on the next
  working day".
* Change requests and problems have no exhibit; their defaults are documented at
  :func:`default_policies`.

The escalation rules (:func:`default_escalation_rules`) are documented where they are defined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.escalation import BREACH, NOTIFY, PAGE, REASSIGN_GROUP, REOPENED, WARNING
from chalicelib.domain.sla.policy import DEFAULT_WARN_AT

OFFICE = "office"
ALWAYS = "24x7"
#: The office calendar's zone: the facility of seed 000 (NCSA) works in Illinois.
OFFICE_TIMEZONE = "America/Chicago"
OFFICE_HOURS = ("08:00", "17:00")

#: Seed 000's "Spectrograph-era service bundle": the catalog services that get 24x7 incident response.
SPECTROGRAPH_BUNDLE_NAME = "spectrograph-era"
SPECTROGRAPH_BUNDLE: tuple[str, ...] = ("spectrograph-archive", "spectrograph-pipeline")

#: Concrete targets for Kesner's "ASAP", keyed ``"<ticket type>:<code>"``.
DEFAULT_ASAP: Mapping[str, str] = {
    "incident:1": "4h",
    "incident:2": "8h",
    "service_request:0": "4h",
}

#: Working hours in one business day, per calendar.
BUSINESS_DAY_HOURS: Mapping[str, float] = {OFFICE: 9, ALWAYS: 24}
#: Priority -> Kesner severity code.
PRIORITY_CODES: Mapping[str, int] = {"P1": 1, "P2": 2, "P3": 3, "P4": 4, "P5": 4}


def default_calendars() -> list[dict[str, Any]]:
    """``24x7`` (every hour of every day, UTC) and ``office`` (Mon-Fri 08:00-17:00 America/Chicago,
    US and Illinois public holidays)."""
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    return [
        {
            "name": ALWAYS,
            "timezone": "UTC",
            "version": 1,
            "weekly_hours": {day: [["00:00", "24:00"]] for day in (*weekdays, "sat", "sun")},
            "holidays": [],
            "recurring_holidays": [],
        },
        {
            "name": OFFICE,
            "timezone": OFFICE_TIMEZONE,
            "version": 1,
            "weekly_hours": {day: [list(OFFICE_HOURS)] for day in weekdays},
            "holidays": [],
            "recurring_holidays": [],
            "holiday_country": "US",
            "holiday_subdivision": "IL",
        },
    ]


def _target(value: str | None) -> dict[str, Any]:
    """``None`` is "as scheduled"; anything else a working-time duration."""
    return {"scheduled": True} if value is None else {"duration": value}


def _by_code(
    codes: Mapping[int, tuple[str, str | None]], next_update: Mapping[int, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Targets per priority from ``{code: (respond, resolve)}`` through :data:`PRIORITY_CODES`."""
    out: dict[str, dict[str, Any]] = {}
    for priority, code in PRIORITY_CODES.items():
        respond, resolve = codes[code]
        clocks: dict[str, Any] = {"first_response": _target(respond), "resolution": _target(resolve)}
        if next_update and code in next_update:
            clocks["next_update"] = _target(next_update[code])
        out[priority] = clocks
    return out


def _policy(
    name: str,
    description: str,
    precedence: int,
    match: Mapping[str, Any],
    targets: Mapping[str, Any],
    *,
    calendar: str = OFFICE,
    on_priority_change: str = "carry",
) -> dict[str, Any]:
    return {
        "name": name,
        "version": 1,
        "description": description,
        "precedence": precedence,
        "match": dict(match),
        "calendar": calendar,
        "business_day_hours": dict(BUSINESS_DAY_HOURS),
        "targets": dict(targets),
        "warn_at": list(DEFAULT_WARN_AT),
        "on_priority_change": on_priority_change,
    }


def default_policies(
    *,
    asap: Mapping[str, str] | None = None,
    bundle_services: Sequence[str] = SPECTROGRAPH_BUNDLE,
) -> list[dict[str, Any]]:
    """The default policy set, highest precedence first.

    ==================================  ==========  ===========================================
    policy                              precedence  matches
    ==================================  ==========  ===========================================
    ``service-request-vip``             50          service requests with ``vip: true`` (code 0)
    ``incident-spectrograph-24x7``      40          incidents of ``bundle_services``, on 24x7
    ``incident-default``                10          incidents (Exhibit 2)
    ``service-request-default``         10          service requests (Exhibit 3)
    ``change-request-default``          10          change requests
    ``problem-default``                 10          problems
    ``desk-fallback``                   0           anything else (Exhibit 3 standard, code 3)
    ==================================  ==========  ===========================================

    Change requests (no exhibit; ITSM.express, seed 001, lets the implementing team "agree a time
    period in which the change can be deployed (the Change Window)"): respond P1 1h (an emergency
    change), P2 4h, P3 1bd, P4/P5 2bd; resolve P1 1bd, otherwise as scheduled (the change window).
    A re-prioritised change is re-planned, so its clocks ``restart``.

    Problems (seed 000: "deciding from the backlog of unresolved issues what needs to be done"):
    acknowledge P1 4h, P2 1bd, P3-P5 2bd; resolve P1 5bd, P2 10bd, P3-P5 as scheduled.

    Every other policy ``carry``-es used time on a priority change: the requester has been waiting
    all along.
    """
    ceiling = {**DEFAULT_ASAP, **(asap or {})}
    incident_codes: dict[int, tuple[str, str | None]] = {
        1: ("30m", ceiling["incident:1"]),
        2: ("60m", ceiling["incident:2"]),
        3: ("4h", "2bd"),
        4: ("3bd", None),
    }
    incident_updates = {1: "1bd"}
    request_codes: dict[int, tuple[str, str | None]] = {
        1: ("4m", "1bd"),
        2: ("1bd", "2bd"),
        3: ("2bd", "5bd"),
        4: ("3bd", None),
    }
    vip_resolve = ceiling["service_request:0"]
    bundle = list(bundle_services)
    return [
        _policy(
            "service-request-vip",
            "Exhibit 3 code 0: a VIP request from a senior executive who needs an IT service "
            "unexpectedly and right away. Respond within two hours, resolve ASAP "
            f"({vip_resolve} working time); P1 keeps code 1's four-minute response.",
            50,
            {"types": ["service_request"], "vip": True},
            {
                "*": {"first_response": _target("2h"), "resolution": _target(vip_resolve)},
                "P1": {"first_response": _target("4m"), "resolution": _target(vip_resolve)},
            },
        ),
        _policy(
            "incident-spectrograph-24x7",
            f"Exhibit 2 targets on the 24x7 calendar for incidents of the {SPECTROGRAPH_BUNDLE_NAME} "
            "service bundle (seed 000: 'Need 24x7 incident response for Spectrograph-era service "
            f"bundle'). Services: {', '.join(bundle)}.",
            40,
            {"types": ["incident"], "services": bundle},
            _by_code(incident_codes, incident_updates),
            calendar=ALWAYS,
        ),
        _policy(
            "incident-default",
            "Exhibit 2 (problem resolution metrics) on office hours: P1 code 1 catastrophic, P2 code 2 "
            "urgent, P3 code 3 high, P4/P5 code 4 important. ASAP is "
            f"{ceiling['incident:1']} (code 1) and {ceiling['incident:2']} (code 2) of working time.",
            10,
            {"types": ["incident"]},
            _by_code(incident_codes, incident_updates),
        ),
        _policy(
            "service-request-default",
            "Exhibit 3 (service request metrics) on office hours: P1 code 1 urgent, P2 code 2 high, "
            "P3 code 3 standard, P4/P5 code 4 special (three business days notice, as scheduled).",
            10,
            {"types": ["service_request"]},
            _by_code(request_codes),
        ),
        _policy(
            "change-request-default",
            "Change requests: respond P1 1h (emergency change), P2 4h, P3 1bd, P4/P5 2bd; resolve P1 "
            "in 1bd, otherwise in the change window the agent schedules. Clocks restart on a "
            "priority change (the change is re-planned).",
            10,
            {"types": ["change_request"]},
            _by_code({1: ("1h", "1bd"), 2: ("4h", None), 3: ("1bd", None), 4: ("2bd", None)}),
            on_priority_change="restart",
        ),
        _policy(
            "problem-default",
            "Problems (root causes behind incidents): acknowledge P1 4h, P2 1bd, P3-P5 2bd; resolve "
            "P1 5bd, P2 10bd, P3-P5 as scheduled.",
            10,
            {"types": ["problem"]},
            _by_code({1: ("4h", "5bd"), 2: ("1bd", "10bd"), 3: ("2bd", None), 4: ("2bd", None)}),
        ),
        _policy(
            "desk-fallback",
            "Any ticket no other policy matches: Exhibit 3 code 3 standard (respond 2bd, resolve 5bd).",
            0,
            {},
            {"*": {"first_response": _target("2bd"), "resolution": _target("5bd")}},
        ),
    ]


# ============================================================================================
# Shipped escalation rules

#: The tier-2 support group of the shipped rules (functional escalation on breach).
TIER2_GROUP = "service-desk-tier2"


def default_escalation_rules() -> list[dict[str, Any]]:
    """The escalation rules the desk ships with: one rule set, ``default``, for every SLA policy.

    ====  ==================================  ===========================================================
    step  trigger                             actions
    ====  ==================================  ===========================================================
    0     any SLA warning                     notify the assignee
    1     breach of any clock                 notify the group lead
    2     breach of first response or         reassign to ``service-desk-tier2`` (incidents only)
          resolution of an incident
    3     2 h (wall clock) after a breach     notify the service manager
    4     breach of first response or         page on-call (P1 incidents only)
          resolution of a P1 incident
    5     a ticket reopened 2+ times          notify the service manager
    ====  ==================================  ===========================================================

    The words behind them: seed 002 (CMMI-SVC) asks the delivery approach to cover "Assigning and
    transferring responsibility for resolving requests" and "Communicating appropriate information
    to operations staff, management, customers, and end users"; seed 000 makes the Service Manager
    the one to "Brief management on exceptional tickets to investigate and understand", and says work
    "is not necessarily interrupted for anything except incidents", so only P1 incidents page.
    """
    return [
        {
            "name": "default",
            "version": 1,
            "description": "The shipped escalation rules: warn the assignee, escalate breaches to the group "
            "lead and tier 2, then to the service manager; page on-call for P1 incidents.",
            "policies": [],
            "steps": [
                {
                    "on": WARNING,
                    "description": "Communicating appropriate information to operations staff (seed 002): "
                    "the assignee hears before the breach.",
                    "actions": [{NOTIFY: "assignee"}],
                },
                {
                    "on": BREACH,
                    "description": "Communicating appropriate information to operations staff (seed 002): "
                    "the group lead hears of every breach.",
                    "actions": [{NOTIFY: "group_lead"}],
                },
                {
                    "on": BREACH,
                    "clocks": ["first_response", "resolution"],
                    "types": ["incident"],
                    "description": "Assigning and transferring responsibility for resolving requests "
                    "(seed 002): a breached incident moves to the tier-2 group (functional escalation).",
                    "actions": [{REASSIGN_GROUP: TIER2_GROUP}],
                },
                {
                    "on": BREACH,
                    "after": "2h",
                    "description": "Brief management on exceptional tickets to investigate and understand "
                    "(seed 000): a breach still open two hours later reaches the service manager "
                    "(hierarchical escalation).",
                    "actions": [{NOTIFY: "service_manager"}],
                },
                {
                    "on": BREACH,
                    "clocks": ["first_response", "resolution"],
                    "priorities": ["P1"],
                    "types": ["incident"],
                    "description": "Work is not necessarily interrupted for anything except incidents "
                    "(seed 000): a P1 incident breach pages on-call.",
                    "actions": [{PAGE: "on_call"}],
                },
                {
                    "on": REOPENED,
                    "count_at_least": 2,
                    "description": "Brief management on exceptional tickets to investigate and understand "
                    "(seed 000): a ticket reopened twice or more reaches the service manager.",
                    "actions": [{NOTIFY: "service_manager"}],
                },
            ],
        }
    ]
