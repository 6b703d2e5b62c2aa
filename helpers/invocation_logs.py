"""Invocation-log records into a summary: calls, errors, tokens and cost per day and model id.

Bedrock's model invocation logging delivers one JSON record per call to S3 (gzip objects under
``{keyPrefix}/AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/``) and/or a CloudWatch Logs
group. Notebook 07 sets that up and reads the records back with boto3 itself (``list_objects_v2``, gzip,
``filter_log_events``): the same code on AWS and offline, where the emulator delivers into a local S3 and
CloudWatch Logs. What is left here is what that code would otherwise repeat: :func:`parse_records` reads
JSON Lines with errors that name the object and line, and :func:`summarize` prices the records with the catalog.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import cost
from .i18n import N_
from .table import Table


def parse_records(text: str, where: str) -> list[dict[str, Any]]:
    """The JSON records of a JSON Lines text (blank lines skipped); a line that is not one names ``where``
    (an S3 key, a log event) and its line number. An invocation-log object holds one record per line, and so
    does a batch job's ``.jsonl.out``."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise ValueError(f"{where}, line {n}: not a JSON record") from None
            except RecursionError:  # valid JSON, but nested deeper than Python's json reads
                raise ValueError(f"{where}, line {n}: a record nested too deeply to read") from None
    return out


# --- the summary -------------------------------------------------------------------------------------------------

@dataclass
class Row:
    day: str
    model_id: str
    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    usd: float = 0.0


class Summary(Table):
    """Calls, errors, tokens and cost per day and model id; a table in JupyterLab, text elsewhere."""

    header = (N_("day"), N_("model id"), N_("calls"), N_("errors"), N_("input tokens"), N_("output tokens"),
              N_("cost (USD)"))
    right = frozenset({2, 3, 4, 5, 6})

    def cells(self) -> list[tuple[str, ...]]:
        return [(r.day, r.model_id, str(r.calls), str(r.errors), f"{r.input_tokens:,}", f"{r.output_tokens:,}",
                 f"{r.usd:.6f}") for r in self]


def summarize(records: Iterable[dict[str, Any]]) -> Summary:
    """Group records by day and model id; cost from the catalog (global or regional price by the id)."""
    rows: dict[tuple[str, str], Row] = defaultdict(lambda: Row("", ""))
    for record in records:
        key = (record["timestamp"][:10], record["modelId"])
        row = rows[key]
        row.day, row.model_id = key
        row.calls += 1
        if record.get("errorCode"):
            row.errors += 1
            continue
        tokens_in = record.get("input", {}).get("inputTokenCount", 0)
        tokens_out = record.get("output", {}).get("outputTokenCount", 0)
        read_ = record.get("input", {}).get("cacheReadInputTokenCount", 0)
        write = record.get("input", {}).get("cacheWriteInputTokenCount", 0)
        row.input_tokens += tokens_in
        row.output_tokens += tokens_out
        row.cache_read_tokens += read_
        row.cache_write_tokens += write
        with contextlib.suppress(LookupError):  # a model the catalog doesn't know: counted, not priced
            row.usd += cost.estimate(record["modelId"], tokens_in, tokens_out, cache_read_tokens=read_,
                                     cache_write_tokens=write).usd
    return Summary(sorted(rows.values(), key=lambda r: (r.day, r.model_id)))
