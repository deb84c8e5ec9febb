"""The one Logger, Metrics and Tracer of the desk (Powertools).

The Tracer is created on first use: building it loads the X-Ray SDK, which would otherwise
more than double the cold-start import of the app. Where tracing is off (``POWERTOOLS_TRACE_DISABLED``,
outside Lambda, ``chalice local``) traced functions run undecorated and the SDK is never loaded;
where it is on, the app's init builds the Tracer (:meth:`LazyTracer.warm_up`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "service-desk"

logger = Logger(service=SERVICE)

#: Libraries' notices that say nothing an operator needs (one per client created: "Found
#: credentials in environment variables."; PynamoDB's "Override settings ... not available").
for _chatty in ("botocore.credentials", "pynamodb.settings"):
    logging.getLogger(_chatty).setLevel(logging.WARNING)
metrics = Metrics(namespace="ServiceDesk", service=SERVICE)

F = TypeVar("F", bound=Callable[..., Any])


class LazyTracer:
    """Powertools' Tracer, built the first time a traced function runs."""

    def __init__(self) -> None:
        self._tracer: Tracer | None = None
        self._enabled: bool | None = None

    @property
    def enabled(self) -> bool:
        """Whether traces are recorded: Powertools' own rule, read once, when first asked."""
        if self._enabled is None:
            self._enabled = not Tracer._is_tracer_disabled()
        return self._enabled

    @property
    def tracer(self) -> Tracer:
        if self._tracer is None:
            self._tracer = Tracer(service=SERVICE)
        return self._tracer

    def capture_method(self, method: F) -> F:
        traced: Callable[..., Any] | None = None

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if traced is None:
                traced = self.tracer.capture_method(method) if self.enabled else method
            return traced(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def warm_up(self) -> None:
        """Build the Tracer now if traces are recorded (the SDK loads during init, not in a request)."""
        if self.enabled:
            _ = self.tracer


tracer = LazyTracer()


def record_ticket_opened(ticket_type: str, priority: str) -> None:
    """One EMF datapoint ``TicketsOpened`` with the ticket's type and priority as dimensions."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name="TicketsOpened", unit=MetricUnit.Count, value=1, namespace=metrics.namespace
    ) as metric:
        metric.add_dimension(name="type", value=ticket_type)
        metric.add_dimension(name="priority", value=priority)


#: The metric the sweep-lag alarm and the dashboard read (``infra.stack``).
SWEEP_LAG_METRIC = "SweepLagSeconds"


def record_sweep_lag(seconds: float) -> None:
    """Emit how long the oldest due deadline waited for this sweep (an EMF line, every run, 0 when
    none was due: a sweep that stops running leaves the metric missing, which the alarm treats as
    breaching)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=SWEEP_LAG_METRIC, unit=MetricUnit.Seconds, value=seconds,
                       namespace="ServiceDesk") as metric:
        metric.add_dimension("service", SERVICE)
