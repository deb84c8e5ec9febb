"""What each deployed function may do: the resources of the stack it touches and the actions it
calls on them, the one declaration its IAM policy is generated from (:mod:`infra.stack`).

Keys are the template's logical ids: a table (``TicketsTable``), one of its indexes
(``TicketsTable/by_deadline``), the notice queue, the alerts topic, the SES identity
(``EmailIdentity``, a stack parameter) and the stage's secrets (``Secrets``: its SSM parameter
path). ``tests/integration/test_least_privilege.py`` runs each function on moto, records the
calls it makes (:mod:`infra.calls`) and fails when a call is not granted here, when a grant
of a scheduled function or the notifier goes unused, or when a policy holds a wildcard.
"""

from __future__ import annotations

Grants = dict[str, frozenset[str]]


def _g(*actions: str) -> frozenset[str]:
    return frozenset(actions)


#: Reading the configuration documents (a cold container reads them once per cache period).
_CONFIG: Grants = {"ConfigTable": _g("dynamodb:Query"), "ConfigTable/by_kind": _g("dynamodb:Query")}
#: Handing notices to the queue: the outbox's pending ones, claimed once, then sent.
_RELAY: Grants = {
    "OutboxTable": _g("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
    "OutboxTable/by_pending": _g("dynamodb:Query"),
    "ClaimsTable": _g("dynamodb:PutItem"),
    "NoticesQueue": _g("sqs:SendMessage"),
}
#: What the desk's tickets need when one of them moves (a transaction over ticket, events,
#: notices and the group's workload counters).
_TICKET_WRITE: Grants = {
    "TicketsTable": _g("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"),
    "EventsTable": _g("dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchGetItem"),
    "CountersTable": _g("dynamodb:UpdateItem", "dynamodb:BatchGetItem"),
    "OutboxTable": _g("dynamodb:PutItem"),
    "SearchTermsTable": _g("dynamodb:PutItem", "dynamodb:DeleteItem"),
}
#: Reading secrets from the stage's SSM path (the authorizer's JWT secret, the channels').
_SECRETS: Grants = {"Secrets": _g("ssm:GetParameter", "ssm:GetParameters")}


def _merge(*parts: Grants) -> Grants:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for key, actions in part.items():
            out[key] = out.get(key, frozenset()) | actions
    return out


_EVERY_TABLE_ACTION = _g(
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
)

def _every_table_and_index() -> Grants:
    """Every table of the stage with the item actions, and each of its indexes with Query."""
    from chalicelib.storage.models import ALL_MODELS
    from chalicelib.storage.tables import LOGICAL, model_spec

    grants: dict[str, frozenset[str]] = {"IdempotencyTable": _EVERY_TABLE_ACTION}
    for model in ALL_MODELS:
        logical = LOGICAL[model][0]
        grants[logical] = _EVERY_TABLE_ACTION
        for index in model_spec(model)["GlobalSecondaryIndexes"]:
            grants[f"{logical}/{index['IndexName']}"] = _g("dynamodb:Query")
    return grants


#: The API serves every route, so it reaches every table and every index.
API: Grants = _merge(
    _every_table_and_index(),
    {"NoticesQueue": _g("sqs:SendMessage", "sqs:GetQueueAttributes")},
    _SECRETS,
)

#: Function (the template's logical id) -> what it may do.
ACCESS: dict[str, Grants] = {
    "APIHandler": API,
    "DeskAuthorizer": _SECRETS,
    "SlaSweep": _merge(
        _CONFIG, _RELAY, _TICKET_WRITE,
        {"TicketsTable/by_deadline": _g("dynamodb:Query"), "ClaimsTable": _g("dynamodb:PutItem")},
    ),
    "ProblemCandidates": _merge(
        _CONFIG,
        {"TicketsTable/by_type": _g("dynamodb:Query"),
         "ProblemCandidatesTable": _g("dynamodb:GetItem", "dynamodb:PutItem")},
    ),
    "MorningPatrol": _merge(
        _CONFIG, _RELAY,
        {"TicketsTable/by_status": _g("dynamodb:Query"), "ProblemCandidatesTable/by_state": _g("dynamodb:Query")},
    ),
    "AutoClose": _merge(_CONFIG, _TICKET_WRITE, {"TicketsTable/by_status": _g("dynamodb:Query")}),
    "RetrainClassifier": {
        "ExamplesTable": _g("dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem"),
        "ConfigTable": _g("dynamodb:PutItem"),
    },
    "DeliverNotices": _merge(
        _SECRETS,
        {"OutboxTable": _g("dynamodb:GetItem", "dynamodb:UpdateItem"), "AlertsTopic": _g("sns:Publish"),
         "EmailIdentity": _g("ses:SendEmail"), "NoticesQueue": _g("sqs:SendMessage")},
    ),
}

#: Functions whose every grant a tour must use (the API's routes are too many for one tour; its
#: grants are checked for wildcards and for covering what its tour calls).
STRICT = frozenset(ACCESS) - {"APIHandler", "DeskAuthorizer"}
