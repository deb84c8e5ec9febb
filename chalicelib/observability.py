"""The one Logger, Metrics and Tracer of the desk (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "service-desk"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="ServiceDesk", service=SERVICE)
tracer = Tracer(service=SERVICE)
