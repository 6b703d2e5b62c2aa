"""One batch record answered as InvokeModel or Converse would answer its ``modelInput`` on the job's model.

The checks and the reply are the runtime's own (anthropic_body / converse validate, engine.answer, the encoders):
a body the model refuses becomes the record's ``error`` with the message InvokeModel/Converse would return.
Injected faults (throttle, timeout, latency) are for on-demand calls and do not reach batch records.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from .. import catalog
from . import anthropic_body, converse, encode_anthropic, encode_converse, engine, errors

log = logging.getLogger(__name__)

INVOKE_MODEL, CONVERSE = "InvokeModel", "Converse"
# [emulator wording]: AWS documents the outcome ("Records that include toolConfig fail with a 400 error",
# batch-inference.html, H) but not the errorMessage text.
TOOL_CONFIG_REFUSED = ("Batch inference doesn't support tool calling for jobs that use the Converse invocation "
                       "type. To use tools, create the job with the InvokeModel invocation type.")


@dataclass(frozen=True)
class Outcome:
    """A record's result: exactly one of ``output`` (the response body) or ``error`` ({errorCode, errorMessage})."""

    output: dict[str, Any] | None
    error: dict[str, Any] | None
    input_tokens: int = 0
    output_tokens: int = 0


def answer(model_input: dict[str, Any], model: catalog.Model, invocation_type: str) -> Outcome:
    """The record's outcome; never raises (a bug of ours becomes that record's 500, logged).

    [emulator choice]: whether prompt caching applies in batch was not found, so a record neither reads nor
    writes the on-demand prompt cache (the engine gets no state: its usage has no cache figures)."""
    started = time.perf_counter()
    try:
        if invocation_type == CONVERSE:
            if "toolConfig" in model_input:
                return Outcome(None, {"errorCode": 400, "errorMessage": TOOL_CONFIG_REFUSED})
            request = converse.validate(model_input, model)
            reply = engine.answer(request, None)
            body = encode_converse.response(request, reply, int((time.perf_counter() - started) * 1000),
                                            model_input)
        else:
            request = anthropic_body.validate(model_input, model)
            reply = engine.answer(request, None)
            body = encode_anthropic.message(request, reply)
    except errors.BedrockError as e:
        return Outcome(None, {"errorCode": e.status, "errorMessage": e.message})
    except Exception:  # our bug: that record fails as Bedrock's internal error would, the job goes on
        log.exception("batch record failed inside the emulator")
        failure = errors.internal()
        return Outcome(None, {"errorCode": failure.status, "errorMessage": failure.message})
    usage = reply.usage
    return Outcome(body, None, usage.input_tokens + usage.cache_read + usage.cache_write, usage.output_tokens)
