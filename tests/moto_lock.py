"""moto's in-memory backends are not thread-safe; real AWS serialises each request itself.

Concurrency tests run many client threads against moto; this makes moto handle one request
at a time (as DynamoDB applies each request atomically) while the desk's code still
interleaves freely between requests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()


@contextmanager
def serialised_moto() -> Iterator[None]:
    from moto.core.responses import BaseResponse

    original = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseResponse.call_action = original  # type: ignore[method-assign]
