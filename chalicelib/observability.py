"""Structured logging and metrics (powertools), shared by every handler."""
from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="parley")
metrics = Metrics(namespace="Parley", service="parley")
