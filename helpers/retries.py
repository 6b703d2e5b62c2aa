"""The retry settings the notebooks teach, defined once (pain point 7: throttling and low quotas).

botocore's "standard" mode retries throttling (429) and 5xx with exponential backoff and jitter;
the Anthropic SDKs retry 408, 429 and 5xx ``max_retries`` times. Long generations also need a
read timeout above botocore's 60 s default (pain point 12).
"""

from __future__ import annotations

from botocore.config import Config

MAX_ATTEMPTS = 10        # 1 call + 9 retries: rides out bursts of throttling in a workshop
READ_TIMEOUT = 300       # seconds; botocore's default of 60 s cuts off long or thinking replies
ANTHROPIC_MAX_RETRIES = MAX_ATTEMPTS - 1


def boto3_config(**overrides: object) -> Config:
    """``boto3.client("bedrock-runtime", config=boto3_config())``: standard retries, long reads."""
    settings: dict = {"retries": {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                      "read_timeout": READ_TIMEOUT, "connect_timeout": 10}
    settings.update(overrides)
    return Config(**settings)
