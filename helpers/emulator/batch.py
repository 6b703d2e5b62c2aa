"""Bedrock batch inference: Create/Get/List/StopModelInvocationJob (botocore's bedrock model; I-facts Q1).

What a request gets wrong in its own members is a 400 now, in AWS's "N validation errors detected" wording, from
the constraints in botocore's service model. What needs the job's data (the role, the S3 input, the records, the
limits) is checked while the job is Validating and ends it Failed with a message (batch_worker.py), as on AWS.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from functools import cache
from typing import Any

from .. import catalog
from . import batch_worker, errors, pagination, shapes, targets
from .anthropic_body import parse_json
from .auth import ACCOUNT_ID
from .batch_jobs import FINISHED, MAX_ACTIVE_JOBS, Job
from .batch_records import INVOKE_MODEL
from .routing import Call, Response, route
from .runtime import _is_heavy, _off_loop  # a large body is parsed off the event loop, as the runtime does

# Timeout when the request gives none: 24 hours (third parties, M/L; the API documents only the 24-168 range).
DEFAULT_TIMEOUT_HOURS = 24
_ID_ALPHABET = string.ascii_lowercase + string.digits
# Unknown model, or one not offered for batch: M (repost.aws capture, "…CreateModelInvocationJob operation: The
# provided request is not valid").
NOT_VALID = "The provided request is not valid"


@cache
def _input_shape(operation: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("bedrock").operation_model(operation).input_shape


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


@route("POST", "/model-invocation-job", "CreateModelInvocationJob")
async def create_model_invocation_job(call: Call) -> Response:
    raw = await _off_loop(_is_heavy(call), lambda: parse_json(call.body))
    if not isinstance(raw, dict):
        raise errors.malformed()
    # Only the members the model has are kept: Get and List echo them, and boto3 refuses a union with two set.
    body = shapes.validated(_input_shape("CreateModelInvocationJob"), raw)
    store = call.state.batch_jobs
    token = body.get("clientRequestToken")
    if token is not None and (earlier := store.by_token(call.caller.region, token)) is not None:
        return Response.json({"jobArn": earlier.arn})  # AWS: "Amazon Bedrock ignores the request" (H)
    model = _batch_model(body["modelId"], call)
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
    # botocore's jobIdentifier pattern: the 12-character id, or the job's ARN (which ends with it).
    shapes.validated(_input_shape("GetModelInvocationJob").members["jobIdentifier"], identifier, "jobIdentifier")
    job = call.state.batch_jobs.get(identifier[-12:])
    if job is None or job.region != call.caller.region or identifier not in (job.id, job.arn):
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
            shapes.check(shape.members[name], q[name], name, found)
    size = 1000
    if "maxResults" in q:
        if re.fullmatch(r"-?[0-9]{1,18}", q["maxResults"]):  # ASCII digits only (int() takes any script's)
            size = int(q["maxResults"])
            shapes.check(shape.members["maxResults"], size, "maxResults", found)
        else:
            found.append(shapes.violation(q["maxResults"], "maxResults", "Member must be an integer"))
    shapes.raise_if(found)
    after = _time(q["submitTimeAfter"], "submitTimeAfter") if "submitTimeAfter" in q else None
    before = _time(q["submitTimeBefore"], "submitTimeBefore") if "submitTimeBefore" in q else None
    try:
        start = pagination.decode(q.get("nextToken"))
    except ValueError:
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
        page["nextToken"] = pagination.encode(start + size)
    return Response.json(page)

