"""Shared helpers for the Claude-on-Amazon-Bedrock notebooks: connection, catalog, doctor, errors."""

from . import catalog, doctor, errors, retries
from .connection import connect

__all__ = ["catalog", "connect", "doctor", "errors", "retries"]
__version__ = "0.1.0"
