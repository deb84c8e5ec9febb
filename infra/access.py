"""What each deployed function may do: the resources of the stack it touches and the actions it
calls on them, the one declaration its IAM policy is generated from (:mod:`infra.stack`).

Keys are the template's logical ids: a table (``TicketsTable``), one of its indexes
(``TicketsTable/by_deadline``), the notice queue, the alerts topic, the SES identity
(``EmailIdentity``, a stack parameter), the event bus (``EventBus``), the objects under one
prefix of a bucket (``InboundMailBucket/mail``) and the stage's secrets (``Secrets``: its SSM
parameter path). ``tests/integration/test_least_privilege.py`` runs each function on moto, records
the calls it makes (:mod:`infra.calls`) and fails when a call is not granted here, when a grant
of a scheduled function or the notifier goes unused, or when a policy holds a wildcard.
"""

from __future__ import annotations

Grants = dict[str, frozenset[str]]

#: The key of a table's stream: ``EventsTable/stream`` (its ARN is the table's ``StreamArn``).
STREAM = "stream"


def _g(*actions: str) -> frozenset[str]:
    return frozenset(actions)


#: Reading the configuration documents (a cold container reads them once per cache period).
_CONFIG: Grants = {"ConfigTable": _g("dynamodb:GetItem"), "ConfigTable/by_kind": _g("dynamodb:Query")}
#: Handing notices to the queue: the outbox's pending ones, claimed once, then sent.
_RELAY: Grants = {
    "OutboxTable": _g("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
    "OutboxTable/by_pending": _g("dynamodb:Query"),
    "ClaimsTable": _g("dynamodb:PutItem"),
    "NoticesQueue": _g("sqs:SendMessage"),
}
#: Reading secrets from the stage's SSM path (the authorizer's JWT secret, the channels').
_SECRETS: Grants = {"Secrets": _g("ssm:GetParametersByPath")}


def _merge(*parts: Grants) -> Grants:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for key, actions in part.items():
            out[key] = out.get(key, frozenset()) | actions
    return out


#: The API: what its routes call, every route toured (``tests/integration/tours.py``: ``api_tour``
#: requests each one, the least-privilege test fails on a grant no route uses). Tickets are
#: written in transactions (authorised item by item), read by key and through their indexes;
#: the reports read the rollups; the attachments are listed by key prefix.
API: Grants = _merge({
    "TicketsTable": _g("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"),
    **{f"TicketsTable/{index}": _g("dynamodb:Query") for index in (
        "by_approval", "by_assignee", "by_deadline", "by_els", "by_group", "by_status", "by_triage", "by_type")},
    "EventsTable": _g("dynamodb:PutItem", "dynamodb:Query"),
    "CountersTable": _g("dynamodb:BatchGetItem", "dynamodb:UpdateItem"),
    "ConfigTable": _g("dynamodb:PutItem", "dynamodb:Query"),
    "ConfigTable/by_kind": _g("dynamodb:Query"),
    "ClaimsTable": _g("dynamodb:PutItem"),
    "OutboxTable": _g("dynamodb:PutItem"),
    "OutboxTable/by_day": _g("dynamodb:Query"),
    "ExamplesTable": _g("dynamodb:PutItem"),
    "ChangeSlotsTable": _g("dynamodb:PutItem", "dynamodb:Query"),
    "SearchTermsTable": _g("dynamodb:PutItem", "dynamodb:Query"),
    "ProblemCandidatesTable": _g("dynamodb:GetItem", "dynamodb:PutItem"),
    "ProblemCandidatesTable/by_state": _g("dynamodb:Query"),
    "RollupsTable": _g("dynamodb:GetItem", "dynamodb:Query"),
    "IdempotencyTable": _g("dynamodb:PutItem", "dynamodb:UpdateItem"),
    "AttachmentsBucket": _g("s3:ListBucket"),
    "NoticesQueue": _g("sqs:GetQueueAttributes"),  # /health
}, {
    # Slack's requests are acknowledged at once: the request claimed, its notice handed to the
    # queue and marked sent (the notifier opens the ticket).
    "ClaimsTable": _g("dynamodb:GetItem"),
    "OutboxTable": _g("dynamodb:GetItem", "dynamodb:UpdateItem"),
    "NoticesQueue": _g("sqs:SendMessage"),
})

#: What the API's role authorises that no recorded call shows: the attachments' presigned upload
#: form and download link (the browser then acts with this role's rights, on the ticket's key
#: prefix), and Powertools' idempotency deleting its record when intake fails, so that a retry
#: with the same key runs again.
API_UNRECORDED: Grants = {
    "AttachmentsBucket/tickets": _g("s3:PutObject", "s3:GetObject"),
    "IdempotencyTable": _g("dynamodb:DeleteItem"),
}

#: Function (the template's logical id) -> what it may do (besides the secrets every function
#: reads when its settings are built: :data:`_SECRETS`, added below).
_ACCESS: dict[str, Grants] = {
    "APIHandler": _merge(API, API_UNRECORDED),
    "DeskAuthorizer": _SECRETS,  # its settings, like every function's, hold the stage's secrets
    # A due clock: the ticket and its new events written, the notices claimed and kept, an
    # escalation's reassignment counted in the group's workload.
    "SlaSweep": _merge(_CONFIG, _RELAY, {
        "TicketsTable/by_deadline": _g("dynamodb:Query"),
        "TicketsTable": _g("dynamodb:PutItem"),
        "EventsTable": _g("dynamodb:BatchGetItem", "dynamodb:PutItem"),
        "CountersTable": _g("dynamodb:UpdateItem"),
    }),
    "ProblemCandidates": {
        "ConfigTable/by_kind": _g("dynamodb:Query"),
        "TicketsTable/by_type": _g("dynamodb:Query"),
        "ProblemCandidatesTable": _g("dynamodb:GetItem", "dynamodb:PutItem"),
    },
    # The low ratings since the last patrol: the rollups' daily lists, then each rated ticket
    # and its events.
    "MorningPatrol": _merge(
        _RELAY,
        {"TicketsTable/by_status": _g("dynamodb:Query"), "ProblemCandidatesTable/by_state": _g("dynamodb:Query"),
         "RollupsTable": _g("dynamodb:Query"), "TicketsTable": _g("dynamodb:GetItem"),
         "EventsTable": _g("dynamodb:Query"),
         "ClaimsTable": _g("dynamodb:GetItem")},  # whether the day's digest went already
    ),
    # Closing a ticket writes it with its events and notices, and keeps it as a labelled example.
    "AutoClose": _merge(_CONFIG, {
        "ConfigTable": _g("dynamodb:GetItem", "dynamodb:Query"),
        "TicketsTable/by_status": _g("dynamodb:Query"),
        "TicketsTable": _g("dynamodb:GetItem", "dynamodb:PutItem"),
        "EventsTable": _g("dynamodb:PutItem", "dynamodb:Query"),
        "OutboxTable": _g("dynamodb:PutItem"),
        "ExamplesTable": _g("dynamodb:PutItem"),
    }),
    "RetrainClassifier": {
        "ExamplesTable": _g("dynamodb:Query"),
        "ConfigTable": _g("dynamodb:Query", "dynamodb:PutItem"),
    },
    # Deferring a notice past quiet hours sends it back to its queue; the last failed attempt
    # puts it on the dead-letter queue, found from the queue's redrive policy.
    # Desk events go to the bus. A ticket Slack handed over (``slack_intake``) is opened here:
    # classified and routed (the configuration, the workloads, the changes in early-life support,
    # the known errors), written with its events, intake claim, notices and search terms.
    "DeliverNotices": _merge({"ConfigTable/by_kind": _g("dynamodb:Query")}, {
        "OutboxTable": _g("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem"),
        "AlertsTopic": _g("sns:Publish"),
        "EmailIdentity": _g("ses:SendRawEmail"),
        "NoticesQueue": _g("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"),
        "NoticesDeadLetterQueue": _g("sqs:SendMessage"),
        "EventBus": _g("events:PutEvents"),
        # The intake's claim, and the Message-ID each ticket's mail went out as.
        "ClaimsTable": _g("dynamodb:PutItem"),
        "ConfigTable": _g("dynamodb:Query"),
        "CountersTable": _g("dynamodb:BatchGetItem", "dynamodb:UpdateItem"),
        "EventsTable": _g("dynamodb:PutItem"),
        "SearchTermsTable": _g("dynamodb:PutItem"),
        "TicketsTable": _g("dynamodb:PutItem"),
        "TicketsTable/by_els": _g("dynamodb:Query"),
        "TicketsTable/by_status": _g("dynamodb:Query"),
    }),
    # A message read from the inbound bucket opens a ticket (its number counted, its events,
    # search terms and notices written, the intake claimed, known errors looked up) with its
    # files kept beside the ticket's uploads, or comments on one it threads back to (the
    # Message-IDs the desk sent, looked up in the claims table), or is refused with a notice.
    "ReceiveMail": {
        "ConfigTable/by_kind": _g("dynamodb:Query"),
        "InboundMailBucket/mail": _g("s3:GetObject"),
        "AttachmentsBucket/tickets": _g("s3:PutObject"),
        "ClaimsTable": _g("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"),
        "ConfigTable": _g("dynamodb:Query"),
        "CountersTable": _g("dynamodb:UpdateItem"),
        "TicketsTable": _g("dynamodb:GetItem", "dynamodb:PutItem"),
        "TicketsTable/by_status": _g("dynamodb:Query"),
        "EventsTable": _g("dynamodb:PutItem", "dynamodb:Query"),
        "SearchTermsTable": _g("dynamodb:PutItem"),
        "OutboxTable": _g("dynamodb:PutItem"),
    },
}

#: The weekly steering report: last week's rollups read, the report kept there, its notice relayed;
#: the open problem candidates counted.
_ACCESS["SteeringReport"] = _merge(_RELAY, {
    "RollupsTable": _g("dynamodb:Query", "dynamodb:PutItem"),
    "TicketsTable": _g("dynamodb:GetItem"),  # the week's low ratings' tickets
    "ClaimsTable": _g("dynamodb:GetItem"),  # whether the week's report went already
    "ProblemCandidatesTable/by_state": _g("dynamodb:Query"),
})
#: The rollups kept from the events stream: a ticket's new events read, its applied contribution
#: and the day's cells updated (the calendars from the configuration). Reading the stream
#: itself is the event source mapping's (:data:`EVENT_SOURCES`).
_ACCESS["ApplyEventsToRollups"] = {
    "ConfigTable": _g("dynamodb:GetItem"),
    "EventsTable": _g("dynamodb:Query"),
    "RollupsTable": _g("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
}

#: What Lambda's event source mapping calls with a function's role to feed it (the function's
#: code never does): reading the events table's stream, and receiving and deleting the notice
#: queue's messages. ``infra.stack`` points each mapping at the same resource by reference.
EVENT_SOURCES: dict[str, Grants] = {
    "ApplyEventsToRollups": {
        f"EventsTable/{STREAM}": _g("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                    "dynamodb:ListStreams"),
    },
    "DeliverNotices": {"NoticesQueue": _g("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")},
}

ACCESS: dict[str, Grants] = {
    function: _merge(grants, _SECRETS, EVENT_SOURCES.get(function, {})) for function, grants in _ACCESS.items()
}

#: Grants a function's tour cannot show: its event source's (Lambda's, not its code's) and the API's
#: unrecorded ones.
UNTOURED: dict[str, Grants] = {**EVENT_SOURCES, "APIHandler": API_UNRECORDED}

#: Functions whose every grant (but :data:`UNTOURED`) a tour must use: all but the authorizer.
STRICT = frozenset(ACCESS) - {"DeskAuthorizer"}
