"""The one Logger, Metrics and Tracer of the desk (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "service-desk"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="ServiceDesk", service=SERVICE)
tracer = Tracer(service=SERVICE)


def record_ticket_opened(ticket_type: str, priority: str) -> None:
    """One EMF datapoint ``TicketsOpened`` with the ticket's type and priority as dimensions."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name="TicketsOpened", unit=MetricUnit.Count, value=1, namespace=metrics.namespace
    ) as metric:
        metric.add_dimension(name="type", value=ticket_type)
        metric.add_dimension(name="priority", value=priority)
