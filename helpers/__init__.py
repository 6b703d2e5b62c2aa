"""Shared helpers for the Claude-on-Amazon-Bedrock notebooks: catalog, tokens, and the emulator."""

__version__ = "0.1.0"
