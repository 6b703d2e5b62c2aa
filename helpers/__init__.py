"""Shared helpers for the Claude-on-Amazon-Bedrock notebooks: connection, catalog, doctor, errors, PDFs, cost."""

from . import catalog, cost, doctor, errors, invocation_logs, long_context, pdf, responses, retries
from .connection import connect

__all__ = ["catalog", "connect", "cost", "doctor", "errors", "invocation_logs", "long_context", "pdf", "responses",
           "retries"]
__version__ = "0.1.0"
