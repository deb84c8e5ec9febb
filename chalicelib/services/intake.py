"""Idempotent intake: ``POST /tickets`` with an ``Idempotency-Key`` is safe to retry.

Powertools' idempotency utility keeps one record per (requester, key) in DynamoDB. The same
key with the same body answers the stored ticket; the same key with another body is refused.

Powertools forgets a key whose attempt raised, so a retry after a failed answer runs again. The
ticket's transaction therefore also claims the intake (``intake#`` and a hash of requester and
key, with the request's fingerprint): a second attempt of an intake whose ticket was stored
fails that claim, and answers the stored ticket instead of storing a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from chalicelib.domain.errors import IdempotencyMismatch, IntakeAlreadyStored, RequestInProgress, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.services.ports import IntakeKey
from chalicelib.services.tickets import OpenTicket, TicketService, ticket_view

MAX_KEY_LENGTH = 255

KEY_REUSED = "this Idempotency-Key was already used with a different body; use a new key"


def intake_key(requester: str, key: str, request: dict[str, Any]) -> IntakeKey:
    """The claim of one keyed intake and the fingerprint of its request."""
    claim = hashlib.sha256(f"{requester}\0{key}".encode()).hexdigest()
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    return IntakeKey(claim_id=f"intake#{claim}", fingerprint=fingerprint)


class IdempotentIntake:
    def __init__(self, service: TicketService, *, table_name: str, dynamodb_client: Any, ttl_seconds: int) -> None:
        self.service = service
        self.persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb_client)
        self.config = IdempotencyConfig(
            event_key_jmespath="[requester, key]",
            payload_validation_jmespath="request",
            expires_after_seconds=ttl_seconds,
        )
        self._open_once: Callable[..., dict[str, Any]] = idempotent_function(
            data_keyword_argument="attempt",
            persistence_store=self.persistence,
            config=self.config,
            key_prefix="open_ticket",
        )(self._open)

    def _open(self, attempt: dict[str, Any]) -> dict[str, Any]:
        request = OpenTicket(**{**attempt["request"], "tags": tuple(attempt["request"]["tags"])})
        caller = Identity(**attempt["caller"])
        intake = intake_key(attempt["requester"], attempt["key"], attempt["request"])
        try:
            return ticket_view(self.service.open_ticket(request, caller, intake), caller)
        except IntakeAlreadyStored as stored:
            if stored.fingerprint != intake.fingerprint:
                raise IdempotencyMismatch(KEY_REUSED, field="Idempotency-Key") from None
            return ticket_view(self.service.get_ticket(stored.number, caller), caller)

    def open(self, request: OpenTicket, caller: Identity, key: str | None) -> dict[str, Any]:
        """Open a ticket, once per ``key`` when one is given; returns the ticket's view."""
        if key is None:
            return ticket_view(self.service.open_ticket(request, caller), caller)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValidationFailed(
                [{"field": "Idempotency-Key", "reason": f"must be 1 to {MAX_KEY_LENGTH} characters"}]
            )
        body = asdict(request)
        body["tags"] = list(request.tags)
        attempt = {"requester": caller.user, "key": key, "request": body, "caller": asdict(caller)}
        try:
            return self._open_once(attempt=attempt)
        except IdempotencyValidationError:
            raise IdempotencyMismatch(KEY_REUSED, field="Idempotency-Key") from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still being processed; retry shortly",
                field="Idempotency-Key",
            ) from None
