"""Invocation-log destinations: what PutModelInvocationLoggingConfiguration accepts, and where records go.

Two steps, as Bedrock takes them before it accepts a configuration. :func:`validate` refuses what botocore's
service model and the S3 and CloudWatch naming rules refuse. :func:`check_access` then checks the learner's own
resources in the offline S3, CloudWatch Logs and IAM (moto, through ``aws_backend``), as Bedrock checks them on
AWS (I-facts Q6): the bucket exists in the configuration's region and its policy lets bedrock.amazonaws.com put
objects under the log prefix; the log group exists and the role exists, trusts bedrock.amazonaws.com and may
write the log stream. Records then go to S3 keys (:func:`record_key`) and the one log stream ``LOG_STREAM``.
Nothing is written to the local disk: a name is only ever an S3 key or a log group name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from . import errors, iam_policy, shapes
from .aws_backend import LOG_STREAM, PolicyNotJson

# A zero-byte object Bedrock writes under each configured prefix when it accepts a configuration (M: several 2026
# third-party tools skip it when reading logs, and one reports it appears at once, before any invocation).
PERMISSION_CHECK_OBJECT = "amazon-bedrock-logs-permission-check"
MAX_KEY_BYTES = 1024  # S3: "The object key name is a sequence of Unicode characters whose UTF-8 encoding is at
#                       most 1,024 bytes long" (AWS S3 user guide, object keys; H)
_LONGEST_REGION = "ap-southeast-99"  # room for any region name in a record's key


# --- where records go -------------------------------------------------------------------------------------


def key_root(s3_config: Mapping[str, Any], account: str) -> str:
    """``{keyPrefix}/AWSLogs/{account}/BedrockModelInvocationLogs/``: the part of every key Bedrock's bucket policy
    grants (AWS's policy Resource ``arn:aws:s3:::bucketName/prefix/AWSLogs/accountId/BedrockModelInvocationLogs/*``).

    The prefix is used as written, but for a trailing ``/`` (``logs/`` and ``logs`` give ``logs/AWSLogs/...``, not
    ``logs//AWSLogs``) [emulator choice: AWS's handling of a trailing slash was not found]."""
    prefix = str(s3_config.get("keyPrefix") or "").rstrip("/")
    return f"{prefix + '/' if prefix else ''}AWSLogs/{account}/BedrockModelInvocationLogs/"


def record_key(s3_config: Mapping[str, Any], account: str, region: str, when: dt.datetime, request_id: str) -> str:
    """The S3 key of one record: ``{key_root}{region}/YYYY/MM/DD/HH/{YYYYMMDDTHHMMSSmmm}Z_{requestId}.json.gz``
    (bedrock-wire-spec.md §4.5, M), in UTC."""
    stamp = f"{when:%Y%m%dT%H%M%S}{when.microsecond // 1000:03d}Z"
    return f"{key_root(s3_config, account)}{region}/{when:%Y/%m/%d/%H}/{stamp}_{request_id}.json.gz"


def stream_arn(group: str, account: str, region: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{LOG_STREAM}"


def account_of(arn: str) -> str:
    """The account an ARN names (its fifth part): the caller's account for its identity's ARN."""
    return arn.split(":")[4]


def source_arn(account: str, region: str) -> str:
    """The aws:SourceArn Bedrock's requests carry. AWS documents only the pattern its policies match
    (``arn:aws:bedrock:region:accountId:*``, I-facts Q6, H); the resource part is [emulator choice]."""
    return f"arn:aws:bedrock:{region}:{account}:invocation-logging"


# --- what Bedrock checks against the learner's resources ---------------------------------------------------


def _bucket_refused(bucket: str, why: str) -> errors.BedrockError:
    # "Failed to validate permissions for bucket" is Bedrock's (M: Terraform/CDK comments and two ops runbooks,
    # 2026, which elide the rest as "… verify the S3 bucket policy"); the rest of the first sentence follows the
    # log-group message [emulator wording], and ``why``, naming what is missing, is [emulator wording].
    return errors.validation(f"Failed to validate permissions for bucket: {bucket}. Verify the S3 bucket policy "
                             f"permissions are correct. {why}")


def _log_group_refused(group: str, role_arn: str, why: str) -> errors.BedrockError:
    # Bedrock's text (M: alphagov/govuk-infrastructure#2440, 2025-07-17, and terraform-provider-aws's comment);
    # AWS gives the same text for a missing log group (L). ``why`` is [emulator wording].
    role = shapes.surrogate_safe(role_arn)
    return errors.validation(f"Failed to validate permissions for log group: {group}, with role: {role}. "
                             f"Verify the IAM role permissions are correct. {why}")


def _without_allow_conditions(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The policy with its Allow statements' conditions dropped (Deny statements kept whole)."""
    kept = [s if s.get("Effect") != "Allow" else {k: v for k, v in s.items() if k != "Condition"}
            for s in iam_policy.statements(policy)]
    return {"Statement": kept}


def _bucket_problem(aws: Any, s3_config: Mapping[str, Any], account: str, region: str,
                    context: Mapping[str, str]) -> str | None:
    """What stops Bedrock from writing under the configuration's prefix, in one sentence, or None."""
    bucket = s3_config["bucketName"]
    root = key_root(s3_config, account)
    try:
        longest = len(record_key(s3_config, account, _LONGEST_REGION, dt.datetime.now(dt.UTC),
                                 "00000000-0000-0000-0000-000000000000").encode("utf-8"))
    except UnicodeEncodeError:
        return "The key prefix holds a lone surrogate: S3 object keys are UTF-8 text, so no record could be written."
    if longest > MAX_KEY_BYTES:
        return (f"Record keys under this key prefix would be {longest} bytes long, over S3's limit of "
                f"{MAX_KEY_BYTES} bytes: use a shorter keyPrefix.")
    found = aws.bucket_region(bucket)
    if found is None:
        return f"There is no bucket {bucket} in this account: create it (s3.create_bucket) in {region} first."
    if found != region:
        # AWS: "the bucket needs to be created in the same AWS Region as the one where you're creating the model
        # invocation logging configuration" (model-invocation-logging.html, H).
        return (f"The bucket is in {found}, and Bedrock delivers only to a bucket in the configuration's region, "
                f"{region}.")
    grant = (f"bedrock.amazonaws.com s3:PutObject on arn:aws:s3:::{bucket}/{root}* for requests with "
             f"aws:SourceAccount {account} and an aws:SourceArn matching arn:aws:bedrock:{region}:{account}:*")
    try:
        policy = aws.bucket_policy(bucket)
    except PolicyNotJson:  # S3 refuses such a policy; the offline S3 (moto) stores it
        return f"The bucket policy is not a valid JSON policy document; it needs one that allows {grant}."
    if policy is None:
        return f"The bucket has no bucket policy; it needs one that allows {grant}."
    resource = f"arn:aws:s3:::{bucket}/{root}{PERMISSION_CHECK_OBJECT}"

    def allowed(document: Mapping[str, Any]) -> bool:
        return iam_policy.allows([document], action="s3:PutObject", resource=resource,
                                 principal_service=iam_policy.SERVICE_PRINCIPAL, context=context)

    if allowed(policy):
        return None
    if allowed(_without_allow_conditions(policy)):
        return f"The bucket policy's conditions do not match Bedrock's request: it must allow {grant}."
    return f"The bucket policy does not allow {grant}."


# The role session Bedrock writes the log stream with: over HTTPS, in this account's name; not a service principal
# (aws:PrincipalServiceName is absent for a role session, IAM global condition keys page).
_SESSION = {"aws:SecureTransport": "true", "aws:PrincipalIsAWSService": "false"}


def _log_group_problem(aws: Any, cloudwatch: Mapping[str, Any], account: str, region: str,
                       context: Mapping[str, str]) -> str | None:
    group, role_arn = cloudwatch["logGroupName"], cloudwatch["roleArn"]
    if not aws.log_group_exists(group, region):
        return f"There is no log group {group} in {region}: create it (logs.create_log_group) first."
    try:
        role_arn.encode("utf-8")
    except UnicodeEncodeError:  # IAM names are UTF-8 text: no role has a lone surrogate in its name
        role = None
    else:
        role = aws.role(role_arn)
    if role is None:
        parts = role_arn.split(":")
        if len(parts) > 4 and parts[4] != account:
            return (f"The role belongs to account {parts[4] or '(none)'}: Bedrock writes with a role of this account, "
                    f"{account}.")
        return f"There is no such role in account {account}: create it (iam.create_role) first."
    if not iam_policy.role_trusts(role.trust, context=context):
        return (f"The role's trust policy does not let bedrock.amazonaws.com assume it (sts:AssumeRole) for requests "
                f"with aws:SourceAccount {account} and an aws:SourceArn matching arn:aws:bedrock:{region}:{account}:*.")
    resource = stream_arn(group, account, region)
    missing = [action for action in ("logs:CreateLogStream", "logs:PutLogEvents")
               if not iam_policy.allows(role.policies, action=action, resource=resource, context=_SESSION)]
    if missing:
        return f"The role's policies do not allow {' and '.join(missing)} on {resource}."
    return None


def _buckets(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The S3 destinations: s3Config and CloudWatch's largeDataDeliveryS3Config (the same checks apply)."""
    large = (config.get("cloudWatchConfig") or {}).get("largeDataDeliveryS3Config")
    return [s3 for s3 in (config.get("s3Config"), large) if s3]


def _asked(refused: Callable[[str], errors.BedrockError], question: Callable[[], str | None]) -> None:
    """Ask the offline services; their own failure is a refusal too (a 4xx naming it, never a 500)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        problem = question()
    except (BotoCoreError, ClientError, OSError, ValueError) as e:
        problem = f"The offline AWS services did not answer the check: {type(e).__name__}: {e}"
    if problem is not None:
        raise refused(problem)


def check_access(aws: Any, config: Mapping[str, Any], account: str, region: str) -> None:
    """Refuse (ValidationException) a validated configuration Bedrock could not deliver to; else write the
    permission-check object under each S3 prefix, as Bedrock does. Blocking I/O: call it in a worker thread."""
    context = {**iam_policy.SERVICE_CONTEXT, "aws:SourceAccount": account, "aws:SourceArn": source_arn(account, region)}
    for s3 in _buckets(config):
        bucket = s3["bucketName"]
        _asked(lambda why, b=bucket: _bucket_refused(b, why),
               lambda s3=s3: _bucket_problem(aws, s3, account, region, context))
    if cloudwatch := config.get("cloudWatchConfig"):
        _asked(lambda why: _log_group_refused(cloudwatch["logGroupName"], cloudwatch["roleArn"], why),
               lambda: _log_group_problem(aws, cloudwatch, account, region, context))
    for s3 in _buckets(config):
        key = key_root(s3, account) + PERMISSION_CHECK_OBJECT

        def write(s3: Mapping[str, Any] = s3, key: str = key) -> str | None:
            from botocore.exceptions import ClientError

            try:
                aws.put_object(s3["bucketName"], key, b"", region)
            except ClientError as e:
                if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 403:
                    raise
                # moto 5.2.5 enforces bucket-policy statements on PutObject itself (iam/access_control.py
                # is_action_permitted) with no request context: a Deny conditioned on aws:SecureTransport
                # "false", which never stops Bedrock on AWS, refuses every write offline.
                return ("The offline S3 (moto) refused the write although the bucket policy allows Bedrock's "
                        "request: moto evaluates the policy's conditions without the request's context (e.g. "
                        "aws:SecureTransport). Leave such a Deny statement out of the bucket policy offline.")
            return None

        _asked(lambda why, b=s3["bucketName"]: _bucket_refused(b, why), write)


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
