"""Shared helpers for the Claude-on-Amazon-Bedrock notebooks: connection, catalog, tokens, emulator."""

from .connection import connect

__all__ = ["connect"]
__version__ = "0.1.0"
