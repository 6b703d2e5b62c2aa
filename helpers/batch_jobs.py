"""Bedrock batch inference from a notebook: watch jobs with a progress bar, and split input within the quotas.

Everything else a batch job needs (the JSONL, the bucket, the service role, CreateModelInvocationJob, reading
``<output>/<jobId>/*.jsonl.out``) is plain boto3 in notebook 10, the same code on AWS and offline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from .i18n import N_, _
from .progress import Progress, wait_until

# GetModelInvocationJob statuses after which nothing changes (botocore's ModelInvocationJobStatus enum).
FINISHED = frozenset({"Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"})


def job_id(job_arn: str) -> str:
    """The 12-character id at the end of a job ARN: the name of the job's folder under the output URI."""
    return job_arn.rsplit("/", 1)[-1]


def watch(bedrock: Any, job_arns: str | Sequence[str], *, every: float, timeout: float) -> list[dict[str, Any]]:
    """Poll GetModelInvocationJob until every job has finished, with one bar of records processed.

    Returns each job's last description, in the order given. On AWS a job waits in a queue and runs for
    minutes to hours: poll every minute or so (``every``), and run the cell again after a ``TimeoutError``.
    """
    arns = [job_arns] if isinstance(job_arns, str) else list(job_arns)

    def check() -> Progress:
        jobs = [bedrock.get_model_invocation_job(jobIdentifier=arn) for arn in arns]
        statuses = Counter(job["status"] for job in jobs)
        totals = [job["totalRecordCount"] for job in jobs if job.get("totalRecordCount") is not None]
        status = jobs[0]["status"] if len(jobs) == 1 else ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        return Progress(done=set(statuses) <= FINISHED, count=sum(job.get("processedRecordCount", 0) for job in jobs),
                        total=sum(totals) if totals else None, value=jobs, status=status)

    return wait_until(check, timeout=timeout, every=every, describe=N_("records"), unit=N_("processed"),
                      hint=N_("The jobs go on without you: run the cell again later to keep watching."))


def split(lines: Iterable[str], *, max_records: int, max_bytes: int) -> list[list[str]]:
    """Group JSONL lines (without their newline) into files of at most ``max_records`` lines and ``max_bytes``
    bytes (newlines counted), keeping their order. A line that alone exceeds ``max_bytes`` raises ValueError."""
    if max_records < 1 or max_bytes < 1:
        raise ValueError("max_records and max_bytes must be at least 1")
    files: list[list[str]] = []
    size = 0
    for number, line in enumerate(lines, 1):
        length = len(line.encode()) + 1
        if length > max_bytes:
            raise ValueError(_("line {number} is {length} bytes, over the {limit}-byte file limit").format(
                number=number, length=f"{length:,}", limit=f"{max_bytes:,}"))
        if not files or len(files[-1]) >= max_records or size + length > max_bytes:
            files.append([])
            size = 0
        files[-1].append(line)
        size += length
    return files
