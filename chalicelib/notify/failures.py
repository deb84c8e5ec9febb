"""How a channel says it could not deliver: :class:`DeliveryError`, and AWS errors mapped to it.

``retryable`` tells the queue consumer whether to try again (throttling, 5xx, network) or to give
up and let the message go to the dead-letter queue (bad address, rejected message).
"""

from __future__ import annotations

from collections.abc import Mapping

_RETRYABLE_AWS_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalError",
        "InternalFailure",
        "InternalErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "KMSThrottling",
    }
)


class DeliveryError(Exception):
    """A notice could not be delivered. ``retryable``: trying again later may succeed."""

    def __init__(self, reason: str, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def aws_failure(what: str, exc: Exception) -> DeliveryError:
    """Map a botocore error to a :class:`DeliveryError`: throttling, 5xx and network are retryable."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error") or {}
        code = str(error.get("Code", ""))
        status = int((response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0)
        retryable = code in _RETRYABLE_AWS_CODES or status >= 500 or status == 429
        return DeliveryError(f"{what} failed: {code or 'error'}: {error.get('Message', exc)}", retryable=retryable)
    return DeliveryError(f"{what} failed: {exc}", retryable=True)  # connection, timeout: try again
