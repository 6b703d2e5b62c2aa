"""Model invocation logging: set it up, keep 30 days, and read the records back into a summary.

The guide asks you to log activity and keep it for at least 30 days. Bedrock delivers one record per
invocation to S3 (gzip JSON under ``AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/``)
and/or a CloudWatch Logs group. Both destinations need permissions *before* you turn logging on:
:func:`prerequisites` writes the bucket policy and the IAM role; :func:`retention` the exact calls that
keep 30 days. :func:`read` and :func:`summarize` turn the records into calls, tokens and cost per model
and day. Offline, the emulator writes the same records to a local folder laid out the same way.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cost
from .progress import bar
from .table import Table

LOG_GROUP = "/aws/bedrock/modelinvocations"
RETENTION_DAYS = 30


def _objects_prefix(prefix: str) -> str:
    """``{keyPrefix}/AWSLogs/``, however the prefix is slashed (``"logs"``, ``"logs/"``, ``""``)."""
    parts = [p for p in prefix.split("/") if p]
    return "/".join([*parts, "AWSLogs", ""])


# --- setting it up -------------------------------------------------------------------------------------------

def logging_config(bucket: str | None = None, prefix: str = "bedrock", log_group: str | None = None,
                   role_arn: str | None = None, *, text: bool = True) -> dict[str, Any]:
    """The ``loggingConfig`` for PutModelInvocationLoggingConfiguration (S3 and/or CloudWatch)."""
    if not bucket and not log_group:
        raise ValueError("name an S3 bucket, a CloudWatch log group, or both")
    if log_group and not role_arn:
        raise ValueError("CloudWatch delivery needs role_arn: an IAM role Bedrock assumes to write the logs "
                         "(see prerequisites())")
    config: dict[str, Any] = {"textDataDeliveryEnabled": text, "imageDataDeliveryEnabled": False,
                              "embeddingDataDeliveryEnabled": False}
    if bucket:
        config["s3Config"] = {"bucketName": bucket, "keyPrefix": prefix}
    if log_group:
        config["cloudWatchConfig"] = {"logGroupName": log_group, "roleArn": role_arn}
    return config


def prerequisites(account: str, region: str, bucket: str, prefix: str = "bedrock", log_group: str = LOG_GROUP,
                  role_name: str = "BedrockInvocationLogging") -> dict[str, dict[str, Any]]:
    """The bucket policy and IAM role (trust + permissions) Bedrock needs before logging can be turned on."""
    source = {"StringEquals": {"aws:SourceAccount": account},
              "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:{region}:{account}:*"}}
    return {
        "bucket policy": {"Version": "2012-10-17", "Statement": [{
            "Sid": "AmazonBedrockLogsWrite", "Effect": "Allow",
            "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": ["s3:PutObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/{_objects_prefix(prefix)}{account}/BedrockModelInvocationLogs/*"],
            "Condition": source}]},
        f"role {role_name}: trust policy": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": source}]},
        f"role {role_name}: permissions": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{region}:{account}:log-group:{log_group}:log-stream:*"}]},
    }


@dataclass(frozen=True)
class ApiCall:
    """One AWS API call, shown as boto3 and AWS CLI code, and runnable with a boto3 session."""

    service: str
    operation: str  # boto3 method name
    params: dict[str, Any]

    def __str__(self) -> str:
        args = ",\n".join(f"    {k}={v!r}" for k, v in self.params.items())
        cli = " ".join(f"--{_kebab(k)} '{json.dumps(v) if isinstance(v, (dict, list)) else v}'"
                       for k, v in self.params.items())
        return (f"boto3.client({self.service!r}).{self.operation}(\n{args},\n)\n"
                f"# aws {_CLI_SERVICE.get(self.service, self.service)} {_kebab(self.operation)} {cli}")

    def run(self, session: Any = None) -> Any:
        import boto3

        return getattr((session or boto3.Session()).client(self.service), self.operation)(**self.params)


_CLI_SERVICE = {"s3": "s3api"}  # the AWS CLI's low-level S3 commands live under `aws s3api`


def _kebab(name: str) -> str:
    out = "".join(f"-{c.lower()}" if c.isupper() else c for c in name).replace("_", "-")
    return out.lstrip("-")


def retention(bucket: str | None = None, prefix: str = "bedrock", log_group: str | None = LOG_GROUP,
              days: int = RETENTION_DAYS) -> list[ApiCall]:
    """The calls that keep ``days`` days of logs: an S3 lifecycle rule and a CloudWatch retention policy."""
    if days not in _CLOUDWATCH_DAYS:
        raise ValueError(f"CloudWatch keeps logs for one of {sorted(_CLOUDWATCH_DAYS)} days, not {days}")
    calls = []
    if bucket:
        calls.append(ApiCall("s3", "put_bucket_lifecycle_configuration", {
            "Bucket": bucket, "LifecycleConfiguration": {"Rules": [{
                "ID": f"bedrock-invocation-logs-{days}-days", "Status": "Enabled",
                "Filter": {"Prefix": _objects_prefix(prefix)}, "Expiration": {"Days": days}}]}}))
    if log_group:
        calls.append(ApiCall("logs", "put_retention_policy", {"logGroupName": log_group, "retentionInDays": days}))
    return calls


_CLOUDWATCH_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                    3288, 3653}  # the values PutRetentionPolicy accepts [model]


# --- reading the records ----------------------------------------------------------------------------------------

def read_folder(folder: str | Path) -> list[dict[str, Any]]:
    """Every record under a local folder: ``*.json.gz`` S3 objects and ``*.jsonl`` CloudWatch exports."""
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist: is logging configured, and has anything been invoked?")
    records = []
    for path in sorted(root.rglob("*.json.gz")):
        records += _lines(gzip.decompress(path.read_bytes()).decode("utf-8"), str(path))
    for path in sorted(root.rglob("*.jsonl")):
        records += _lines(path.read_text("utf-8"), str(path))
    return records


def read_s3(bucket: str, prefix: str = "bedrock", *, session: Any = None) -> list[dict[str, Any]]:
    """Every record Bedrock delivered to ``s3://bucket/prefix/AWSLogs/…`` (needs s3:ListBucket, s3:GetObject)."""
    import boto3

    s3 = (session or boto3.Session()).client("s3")
    records = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=_objects_prefix(prefix)):
        for item in page.get("Contents", []):
            if item["Key"].endswith(".json.gz"):
                data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                records += _lines(gzip.decompress(data).decode("utf-8"), item["Key"])
    return records


def read_cloudwatch(log_group: str = LOG_GROUP, *, start_ms: int | None = None, session: Any = None
                    ) -> list[dict[str, Any]]:
    """Every record in the CloudWatch log group (since ``start_ms``, epoch milliseconds)."""
    import boto3

    logs = (session or boto3.Session()).client("logs")
    kwargs: dict[str, Any] = {"logGroupName": log_group}
    if start_ms is not None:
        kwargs["startTime"] = start_ms
    records = []
    for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
        for event in page.get("events", []):
            records += _lines(event["message"], f"{log_group} event {event.get('eventId', '')}")
    return records


def read(connection: Any, config: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of ``config``'s first destination: the emulator's folder offline, S3 or CloudWatch on AWS."""
    if connection.mode == "offline":
        from .emulator.log_destinations import cloudwatch_file, s3_root  # the emulator's own (safe) mapping

        log_dir = Path(connection.emulator.log_dir)
        if "s3Config" in config:
            folder = s3_root(log_dir, config) / "AWSLogs"
            return read_folder(folder) if folder.exists() else []  # nothing delivered yet
        path = cloudwatch_file(log_dir, config)
        return list(_lines(path.read_text("utf-8"), str(path))) if path.exists() else []
    if "s3Config" in config:
        return read_s3(config["s3Config"]["bucketName"], config["s3Config"].get("keyPrefix", ""))
    return read_cloudwatch(config["cloudWatchConfig"]["logGroupName"])


def _lines(text: str, where: str) -> Iterator[dict[str, Any]]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise ValueError(f"{where}, line {n}: not a JSON record") from None
            except RecursionError:  # valid JSON, but nested deeper than Python's json reads
                raise ValueError(f"{where}, line {n}: a record nested too deeply to read") from None
    return iter(out)


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

    header = ("day", "model id", "calls", "errors", "input tokens", "output tokens", "cost (USD)")
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


def apply(calls: Iterable[ApiCall], connection: Any) -> list[str]:
    """Run the calls on AWS; offline, where the emulator has no S3 or CloudWatch, only say what would run."""
    done = []
    for call in calls:
        if connection.mode == "aws":
            call.run()
            done.append(f"ran {call.service}.{call.operation}")
        else:
            done.append(f"offline: not sent: {call.service}.{call.operation} (run it in aws mode)")
    return done


# --- waiting for delivery ----------------------------------------------------------------------------------------

DELIVERY_TIMEOUT_S = 900  # Bedrock delivers records "within minutes", not at once [AWS docs: model invocation logging]


def wait(connection: Any, config: dict[str, Any], expected: int, *, timeout: float = DELIVERY_TIMEOUT_S,
         interval: float = 15.0, since: int = 0) -> list[dict[str, Any]]:
    """Poll :func:`read` until ``expected`` new records have arrived, with a progress bar, and return them.

    ``since`` is how many records the destination held before the calls (from an earlier run, say):
    those are skipped. On AWS, Bedrock delivers records minutes after the calls; offline they are
    there at once. Raises ``TimeoutError`` with what arrived if ``timeout`` seconds pass first.
    """
    started = time.monotonic()
    while True:
        records = read(connection, config)
        arrived = max(0, len(records) - since)
        waited = time.monotonic() - started
        bar("records", arrived, expected, "arrived", "" if arrived >= expected else f", waited {waited:.0f} s")
        if arrived >= expected:
            print()
            return records[since:]
        if waited + interval > timeout:
            print()
            raise TimeoutError(f"Only {arrived} of {expected} records arrived in {timeout:.0f} s. Bedrock delivers "
                               "logs within minutes; run this cell again to keep waiting, and check that the "
                               "bucket policy and the role allow delivery (see prerequisites()).")
        time.sleep(interval)
