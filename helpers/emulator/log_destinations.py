"""Invocation-log destinations: what PutModelInvocationLoggingConfiguration accepts, and where each one is on disk.

Two independent defences. :func:`validate` refuses, as Bedrock does at configuration time, what botocore's
service model and the S3 and CloudWatch naming rules refuse. The mapping (:func:`s3_root`, :func:`s3_folder`,
:func:`cloudwatch_file`) then turns even the names AWS allows but a file system would follow (``..`` and ``.``
in a key prefix, ``/`` in a log group name, components longer than NAME_MAX) into safe folder names, so a
destination never names a path outside the log folder; :func:`inside` checks the resolved path before any write
(a symlink could still point out). The reader (``helpers.invocation_logs.read``) uses the same mapping.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import errors, shapes

S3_LAYOUT = ("AWSLogs", "{account}", "BedrockModelInvocationLogs", "{region}")
MAX_SEGMENT = 200  # well under NAME_MAX (255 bytes) even with ".jsonl" appended
_HASH_CHARS = 64


class OutsideLogFolder(OSError):
    """A destination resolved outside the log folder (through a symlink): nothing is written."""


# --- the mapping: names to safe folder names --------------------------------------------------------------


def safe_segment(name: str) -> str:
    """One path component standing for ``name`` and for nothing else.

    Percent-encoding (UTF-8, lone surrogates included) leaves letters, digits, ``-``, ``_`` and ``.``; ``.`` and
    ``..`` are encoded whole; ``~`` is always encoded so that it can mark a name shortened with its SHA-256
    (a component the file system would refuse as too long); the empty name is ``%``.
    """
    if name in ("", ".", ".."):
        return {"": "%", ".": "%2E", "..": "%2E%2E"}[name]
    encoded = quote(name, safe="", encoding="utf-8", errors="surrogatepass").replace("~", "%7E")
    if len(encoded) <= MAX_SEGMENT:
        return encoded
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{encoded[:MAX_SEGMENT - _HASH_CHARS - 1]}~{digest}"


def safe_segments(path: str) -> list[str]:
    """A ``/``-separated name (key prefix, log group) as safe components; empty components are dropped,
    so ``"logs"``, ``"logs/"`` and ``"/logs"`` are one folder, as ``helpers.invocation_logs`` lists them."""
    return [safe_segment(part) for part in path.split("/") if part]


def s3_root(log_dir: Path, config: dict[str, Any]) -> Path:
    """The local folder standing for ``s3://{bucket}/{keyPrefix}/``."""
    s3 = config["s3Config"]
    return log_dir.joinpath("s3", safe_segment(str(s3["bucketName"])), *safe_segments(str(s3.get("keyPrefix") or "")))


def s3_folder(log_dir: Path, config: dict[str, Any], account: str, region: str) -> Path:
    """The local folder standing for ``s3://{bucket}/{keyPrefix}/AWSLogs/{account}/…/{region}``."""
    layout = [part.format(account=account, region=region) for part in S3_LAYOUT]
    return s3_root(log_dir, config).joinpath(*map(safe_segment, layout))


def cloudwatch_file(log_dir: Path, config: dict[str, Any]) -> Path:
    """The local JSON-lines file standing for the CloudWatch log group (``/aws/x`` is ``cloudwatch/aws/x.jsonl``)."""
    group = str(config["cloudWatchConfig"]["logGroupName"])
    parts = safe_segments(group) or [safe_segment(group)]  # a name of slashes only is one encoded name
    return log_dir.joinpath("cloudwatch", *parts[:-1], parts[-1] + ".jsonl")


def inside(log_dir: Path, path: Path) -> Path:
    """``path`` resolved (symlinks followed), or OutsideLogFolder if that is not strictly inside ``log_dir``."""
    root, target = log_dir.resolve(), path.resolve()
    if target == root or not target.is_relative_to(root):
        raise OutsideLogFolder(f"{path} resolves to {target}, outside the log folder {root}: not written")
    return target


# --- validation at configuration time ----------------------------------------------------------------------


@cache
def _models() -> tuple[Any, Any]:
    """Bedrock's LoggingConfig shape and CloudWatch Logs' LogGroupName shape, from botocore's service models."""
    import botocore.session

    session = botocore.session.get_session()
    operation = session.get_service_model("bedrock").operation_model("PutModelInvocationLoggingConfiguration")
    return operation.input_shape.members["loggingConfig"], session.get_service_model("logs").shape_for("LogGroupName")


def _bucket_rule(name: str) -> str | None:
    """The first S3 general purpose bucket naming rule ``name`` breaks, in AWS's words, or None.

    botocore's model gives only the length (3-63); the other rules are AWS's bucket naming page:
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    """
    rules: tuple[tuple[Callable[[str], bool], str], ...] = (
        (lambda n: re.fullmatch(r"[a-z0-9.-]*", n) is not None,
         "Bucket names can consist only of lowercase letters, numbers, periods (.), and hyphens (-)."),
        (lambda n: re.fullmatch(r"[a-z0-9](.*[a-z0-9])?", n, re.S) is not None,
         "Bucket names must begin and end with a letter or number."),
        (lambda n: ".." not in n, "Bucket names must not contain two adjacent periods."),
        (lambda n: re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", n) is None,
         "Bucket names must not be formatted as an IP address (for example, 192.168.5.4)."),
        (lambda n: not n.startswith(("xn--", "sthree-", "amzn-s3-demo-")),
         "Bucket names must not start with the prefix xn--, sthree- or amzn-s3-demo-."),
        (lambda n: not n.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")),
         "Bucket names must not end with the suffix -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3."),
    )
    return next((rule for ok, rule in rules if not ok(name)), None)


def _naming_violations(shape: Any, value: str, where: str) -> list[str]:
    """The destination services' own naming rules, which Bedrock's model leaves out."""
    if shape.name == "BucketName" and (rule := _bucket_rule(value)):
        return [shapes.violation(value, where, f"Member must follow the S3 bucket naming rules: {rule}")]  # [emulator]
    if shape.name == "LogGroupName":
        return shapes.pattern_violations(value, where, _models()[1].metadata["pattern"])
    return []


def validate(config: Any) -> dict[str, Any]:
    """The logging configuration as Bedrock stores it (modeled members only), or its ValidationException."""
    if config is None:
        raise errors.validation("1 validation error detected: Value null at 'loggingConfig' failed to "
                                "satisfy constraint: Member must not be null")
    cleaned = shapes.validated(_models()[0], config, "loggingConfig", _naming_violations)
    if not cleaned.get("s3Config") and not cleaned.get("cloudWatchConfig"):
        raise errors.validation("At least one of s3Config or cloudWatchConfig must be specified.")
    return cleaned
