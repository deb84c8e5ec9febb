"""Domain errors. ``chalicelib.api.common.answers_errors`` maps each to one HTTP answer (its ``status``)."""

from __future__ import annotations

from collections.abc import Sequence


class DeskError(Exception):
    """Base of every error the desk answers with a 4xx (or, for :class:`StorageUnavailable`, a 503)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def body(self) -> dict[str, object]:
        out: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out

    def headers(self) -> dict[str, str]:
        """Headers the HTTP answer carries besides the content type (none by default)."""
        return {}


class ValidationFailed(DeskError):
    """Input that does not fit: ``errors`` holds one ``{"field", "reason"}`` per problem."""

    status = 400
    code = "validation_error"

    def __init__(self, errors: Sequence[dict[str, str]]) -> None:
        first = errors[0] if errors else {"field": "body", "reason": "invalid"}
        super().__init__(f"{first['field']}: {first['reason']}", field=first["field"])
        self.errors = list(errors)

    def body(self) -> dict[str, object]:
        out = super().body()
        out["errors"] = self.errors
        return out


class NotFound(DeskError):
    status = 404
    code = "not_found"


class Forbidden(DeskError):
    status = 403
    code = "forbidden"


class Unauthorized(DeskError):
    status = 401
    code = "unauthorized"


class Conflict(DeskError):
    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    """The caller's version is not the stored one; nothing was written."""

    code = "stale_version"

    def __init__(self, expected: int, current: int | None) -> None:
        super().__init__(
            f"ticket changed since version {expected} was read (current version {current}); "
            "read it again and retry",
            field="version",
        )
        self.current = current

    def body(self) -> dict[str, object]:
        out = super().body()
        out["current_version"] = self.current
        return out


class IllegalTransition(Conflict):
    """A lifecycle move the current status does not allow, or one that misses what it requires.

    ``allowed`` lists the states the caller may move to instead, ``moves`` the same with the
    word for each move, and ``missing`` everything the refused move still needs.
    """

    code = "illegal_transition"

    def __init__(
        self,
        current: str,
        target: str,
        allowed: Sequence[str],
        why: str = "",
        *,
        missing: Sequence[str] = (),
        moves: Sequence[dict[str, str]] = (),
    ) -> None:
        reason = why or f"cannot move from {current} to {target}"
        super().__init__(f"{reason}; allowed: {', '.join(allowed) or 'none'}", field="to")
        self.current = current
        self.allowed = list(allowed)
        self.missing = list(missing)
        self.moves = list(moves)

    def body(self) -> dict[str, object]:
        out = super().body()
        out["status"] = self.current
        out["allowed"] = self.allowed
        if self.moves:
            out["moves"] = self.moves
        if self.missing:
            out["missing"] = self.missing
        return out


class IdempotencyMismatch(DeskError):
    status = 422
    code = "idempotency_key_reused"


class RequestInProgress(Conflict):
    code = "request_in_progress"


class AlreadyClaimed(Conflict):
    """A side effect (alert, escalation step, notice) whose id was claimed before."""

    code = "already_claimed"

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"{claim_id} was already claimed")
        self.claim_id = claim_id


class StorageUnavailable(DeskError):
    """The desk's storage (or queue) cannot be reached or is throttling: try again shortly.

    ``reason`` is one short phrase (``unreachable``, ``timed out``, ``throttled``, ``failing``)
    and ``retry_after`` the seconds the answer's ``Retry-After`` header asks the caller to wait.
    """

    status = 503
    code = "storage_unavailable"

    def __init__(self, reason: str, *, retry_after: int = 5, operation: str = "") -> None:
        super().__init__(f"the desk's storage is {reason}; retry in {retry_after} seconds")
        self.reason = reason
        self.retry_after = retry_after
        self.operation = operation

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class IntakeAlreadyStored(Conflict):
    """An idempotent intake whose ticket a previous attempt already stored (``number``), made
    from the request with ``fingerprint``."""

    code = "intake_already_stored"

    def __init__(self, number: str, fingerprint: str) -> None:
        super().__init__(f"this intake already stored ticket {number}", field="Idempotency-Key")
        self.number = number
        self.fingerprint = fingerprint
