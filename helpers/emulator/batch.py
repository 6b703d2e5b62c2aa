"""Bedrock batch inference: Create/Get/List/StopModelInvocationJob (botocore's bedrock model; I-facts Q1).

What a request gets wrong in its own members is a 400 now, in AWS's "N validation errors detected" wording, from
the constraints in botocore's service model. What needs the job's data (the role, the S3 input, the records, the
limits) is checked while the job is Validating and ends it Failed with a message (batch_worker.py), as on AWS.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
import string
from functools import cache
from typing import Any

from .. import catalog
from . import batch_worker, errors, targets
from .anthropic_body import parse_json
from .auth import ACCOUNT_ID
from .batch_input import S3Location
from .batch_jobs import FINISHED, MAX_ACTIVE_JOBS, Job
from .batch_records import INVOKE_MODEL
from .routing import Call, Response, route

# Timeout when the request gives none: 24 hours (third parties, M/L; the API documents only the 24-168 range).
DEFAULT_TIMEOUT_HOURS = 24
_ID_ALPHABET = string.ascii_lowercase + string.digits
_IDENTIFIER = re.compile(r"^(?:arn:aws(?:-[^:]+)?:bedrock:(?P<region>[a-z0-9-]{1,20}):(?P<account>[0-9]{12}):"
                         r"model-invocation-job/)?(?P<id>[a-z0-9]{12})$")
# Unknown model, or one not offered for batch: M (repost.aws capture, "…CreateModelInvocationJob operation: The
# provided request is not valid").
NOT_VALID = "The provided request is not valid"


@cache
def _input_shape(operation: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("bedrock").operation_model(operation).input_shape


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else str(value).replace("True", "true").replace("False", "false")


def violations(shape: Any, value: Any, path: str) -> list[str]:
    """Where ``value`` breaks the constraints of its botocore ``shape``, in AWS's words (empty: none).

    Patterns are searched, not fully matched: Smithy patterns are not implicitly anchored (targets.py)."""
    problem = _problem(shape, value)
    if problem:
        return [f"Value '{_shown(value)}' at '{path}' failed to satisfy constraint: {problem}"]
    out: list[str] = []
    if shape.type_name == "structure":
        for name in shape.required_members:
            if value.get(name) is None:
                out.append(f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null")
        if shape.metadata.get("union") and sum(value.get(n) is not None for n in shape.members) != 1:
            # [emulator wording]: botocore refuses it client-side ("tagged union"), so AWS's text is rarely seen.
            out.append(f"Value at '{path}' failed to satisfy constraint: Member must have exactly one member set")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                out += violations(member, value[name], _join(path, name))
    elif shape.type_name == "list":
        for i, item in enumerate(value):
            out += violations(shape.member, item, f"{path}.{i + 1}.member")
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_TYPES = {"string": str, "integer": int, "long": int, "boolean": bool, "structure": dict, "list": list}


def _problem(shape: Any, value: Any) -> str | None:
    """The first broken constraint of a scalar (or a container's own length), or None."""
    meta = shape.metadata
    if value is None:
        return None
    kind = _TYPES.get(shape.type_name)
    if kind and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        return f"Member must be of type {shape.type_name}"  # [emulator wording]: AWS answers a serialization error
    if shape.type_name in ("string", "list"):
        if "min" in meta and len(value) < meta["min"]:
            return f"Member must have length greater than or equal to {meta['min']}"
        if "max" in meta and len(value) > meta["max"]:
            return f"Member must have length less than or equal to {meta['max']}"
    if shape.type_name == "string":
        if shape.enum and value not in shape.enum:
            return f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
        if "pattern" in meta and not re.search(meta["pattern"], value):
            return f"Member must satisfy regular expression pattern: {meta['pattern']}"
    if shape.type_name in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            return f"Member must have value greater than or equal to {meta['min']}"
        if "max" in meta and value > meta["max"]:
            return f"Member must have value less than or equal to {meta['max']}"
    return None


def _raise_if(found: list[str]) -> None:
    if found:
        count = f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected: "
        raise errors.validation(count + "; ".join(found))


def conflict(message: str) -> errors.BedrockError:
    return errors.BedrockError("ConflictException", message)


def _batch_model(model_id: str, call: Call) -> catalog.Model:
    """The model a job may use in the caller's region, or what Bedrock answers when it may not."""
    region = call.caller.region
    try:
        target = catalog.resolve(model_id)
    except catalog.UnknownModelError:
        raise errors.validation(NOT_VALID) from None
    model = target.model
    # Which models take batch: catalog general.batch_models (conf L: AWS's table was not read for Claude rows).
    if (model.key not in catalog.general("batch_models").value
            or (target.arn_region and target.arn_region != region)
            or (target.arn_account and target.arn_account != ACCOUNT_ID)
            or not model.offered_in(region) or model.lifecycle(call.state.today()) == catalog.END_OF_LIFE
            or (target.geography and target.geography not in model.usable_geographies(region))):
        raise errors.validation(NOT_VALID)
    # The account's rules, as an invocation meets them [emulator choice: AWS's batch answer is not documented].
    targets.check_access(target, call.caller.identity.arn, call.state, "InvokeModel")
    return model


def _uri(config: dict[str, Any], member: str, path: str) -> str:
    uri = config[member]["s3Uri"]
    if S3Location.parse(uri) is None:
        shape = _input_shape("CreateModelInvocationJob").members["inputDataConfig"].members[
            "s3InputDataConfig"].members["s3Uri"]
        _raise_if([f"Value '{uri}' at '{path}' failed to satisfy constraint: Member must satisfy regular expression "
                   f"pattern: {shape.metadata['pattern']}"])
    return uri


@route("POST", "/model-invocation-job", "CreateModelInvocationJob")
async def create_model_invocation_job(call: Call) -> Response:
    body = parse_json(call.body)
    if not isinstance(body, dict):
        raise errors.malformed()
    _raise_if(violations(_input_shape("CreateModelInvocationJob"), body, ""))
    store = call.state.batch_jobs
    token = body.get("clientRequestToken")
    if token is not None and (earlier := store.by_token(token)) is not None:
        return Response.json({"jobArn": earlier.arn})  # AWS: "Amazon Bedrock ignores the request" (H)
    model = _batch_model(body["modelId"], call)
    _uri(body["inputDataConfig"], "s3InputDataConfig", "inputDataConfig.s3InputDataConfig.s3Uri")
    _uri(body["outputDataConfig"], "s3OutputDataConfig", "outputDataConfig.s3OutputDataConfig.s3Uri")
    if getattr(call.state, "aws", None) is None:
        # [emulator wording]: the emulator reads and writes batch data in its offline S3 (moto).
        raise errors.validation("Batch inference needs the emulator's offline S3 and IAM (the moto[server] "
                                "package), which are not available. Install the suite's requirements.")
    if store.active() >= MAX_ACTIVE_JOBS:
        # [emulator wording and limit]: see batch_jobs.MAX_ACTIVE_JOBS.
        raise errors.BedrockError("ServiceQuotaExceededException",
                                  f"You have reached the limit of {MAX_ACTIVE_JOBS} submitted and in-progress batch "
                                  "inference jobs. Wait for a job to finish, or stop one.")
    region = call.caller.region
    job_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
    now = int(call.state.now() * 1000) / 1000  # as shown (milliseconds): List's time filters compare what they see
    job = Job(
        id=job_id, arn=f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:model-invocation-job/{job_id}",
        name=body["jobName"], model_id=body["modelId"], model=model, role_arn=body["roleArn"],
        client_token=token, region=region, input_config=body["inputDataConfig"],
        output_config=body["outputDataConfig"], invocation_type=body.get("modelInvocationType") or INVOKE_MODEL,
        timeout_hours=body.get("timeoutDurationInHours") or DEFAULT_TIMEOUT_HOURS, submit_time=now,
        vpc_config=body.get("vpcConfig"), tags=body.get("tags") or [], last_modified=now)
    store.add(job)
    batch_worker.start(job, call.state)
    return Response.json({"jobArn": job.arn})


def _job(call: Call) -> Job:
    identifier = call.params["jobIdentifier"]
    shape = _input_shape("GetModelInvocationJob").members["jobIdentifier"]
    _raise_if(violations(shape, identifier, "jobIdentifier"))
    found = _IDENTIFIER.match(identifier)
    job = call.state.batch_jobs.get(found["id"]) if found else None
    if (job is None or job.region != call.caller.region or (found["region"] or job.region) != job.region
            or (found["account"] or ACCOUNT_ID) != ACCOUNT_ID):
        # [emulator wording]: AWS's text for an unknown job was not found.
        raise errors.not_found(f"Could not find a batch inference job with the identifier {identifier}.")
    return job


@route("GET", "/model-invocation-job/{jobIdentifier}", "GetModelInvocationJob")
async def get_model_invocation_job(call: Call) -> Response:
    return Response.json(_job(call).describe())


@route("POST", "/model-invocation-job/{jobIdentifier}/stop", "StopModelInvocationJob")
async def stop_model_invocation_job(call: Call) -> Response:
    job = _job(call)
    before = job.request_stop(call.state.now())
    if before in FINISHED:
        # [emulator wording]; the API model documents ConflictException (HTTP 400) for Stop (H), not its text.
        raise conflict(f"The batch inference job {job.arn} can't be stopped because its status is {before}.")
    return Response.json({})


def _time(value: str, member: str) -> float:
    try:
        return float(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else dt.datetime.fromisoformat(
            value.replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError):
        # [emulator wording]: botocore always sends ISO 8601; this is for hand-made requests.
        raise errors.validation(f"The value '{value}' of {member} is not a timestamp.") from None


@route("GET", "/model-invocation-jobs", "ListModelInvocationJobs")
async def list_model_invocation_jobs(call: Call) -> Response:
    q = call.query_params()
    shape = _input_shape("ListModelInvocationJobs")
    found: list[str] = []
    for name in ("statusEquals", "nameContains", "nextToken", "sortBy", "sortOrder"):
        if name in q:
            found += violations(shape.members[name], q[name], name)
    size = 1000
    if "maxResults" in q:
        try:
            size = int(q["maxResults"])
        except ValueError:
            found.append(f"Value '{q['maxResults']}' at 'maxResults' failed to satisfy constraint: Member must be "
                         "of type integer")
        else:
            found += violations(shape.members["maxResults"], size, "maxResults")
    _raise_if(found)
    after = _time(q["submitTimeAfter"], "submitTimeAfter") if "submitTimeAfter" in q else None
    before = _time(q["submitTimeBefore"], "submitTimeBefore") if "submitTimeBefore" in q else None
    try:
        start = int(base64.urlsafe_b64decode(q["nextToken"]).decode()) if q.get("nextToken") else 0
    except (ValueError, UnicodeDecodeError):
        raise errors.validation("Invalid pagination token.") from None  # [emulator wording]
    name = q.get("nameContains", "").lower()
    jobs = [job for job in call.state.batch_jobs.all()
            if job.region == call.caller.region
            and ("statusEquals" not in q or job.status == q["statusEquals"])
            and name in job.name.lower()
            and (after is None or job.submit_time > after) and (before is None or job.submit_time < before)]
    jobs.sort(key=lambda j: (j.submit_time, j.id), reverse=q.get("sortOrder", "Descending") == "Descending")
    page: dict[str, Any] = {"invocationJobSummaries": [j.describe() for j in jobs[start:start + size]]}
    if start + size < len(jobs):
        page["nextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return Response.json(page)

