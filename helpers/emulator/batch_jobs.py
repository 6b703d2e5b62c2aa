"""Batch inference jobs as the emulator remembers them: the job record, its statuses and the store.

No imports from the rest of the emulator (state.py holds the store): the worker (batch_worker.py) changes a
job, the routes (batch.py) read it, both under the job's lock.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

# Statuses (botocore's ModelInvocationJobStatus enum, H).
SUBMITTED, VALIDATING, SCHEDULED, IN_PROGRESS = "Submitted", "Validating", "Scheduled", "InProgress"
COMPLETED, PARTIALLY_COMPLETED, FAILED = "Completed", "PartiallyCompleted", "Failed"
STOPPING, STOPPED, EXPIRED = "Stopping", "Stopped", "Expired"
STATUSES = (SUBMITTED, IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED, PARTIALLY_COMPLETED, EXPIRED,
            VALIDATING, SCHEDULED)
FINISHED = frozenset({COMPLETED, PARTIALLY_COMPLETED, FAILED, STOPPED, EXPIRED})

# [emulator limits] AWS's quota "Sum of in-progress and submitted batch inference jobs using a base model" has no
# default in any source read (I-facts Q2); 20 is the figure third parties quote. The store keeps the newest
# MAX_KEPT_JOBS (finished ones are forgotten first) so a long session cannot grow it without bound.
MAX_ACTIVE_JOBS = 20
MAX_KEPT_JOBS = 1_000


def timestamp(seconds: float) -> str:
    """An ISO 8601 time as Bedrock's JSON protocol sends it (UTC, milliseconds)."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    """One batch inference job. Fields below ``status`` change while it runs (under ``lock``)."""

    id: str
    arn: str
    name: str
    model_id: str
    model: Any  # catalog.Model
    role_arn: str
    client_token: str | None
    region: str
    input_config: dict[str, Any]
    output_config: dict[str, Any]
    invocation_type: str
    timeout_hours: int
    submit_time: float
    vpc_config: dict[str, Any] | None = None
    tags: list[dict[str, Any]] = field(default_factory=list)
    status: str = SUBMITTED
    message: str | None = None
    last_modified: float = 0.0
    end_time: float | None = None
    total: int | None = None  # known once validated
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    wake: threading.Event = field(default_factory=threading.Event, repr=False)  # set by stop() and reset()
    stop_requested: bool = False
    abandoned: bool = False  # reset() forgot the job: its worker ends without writing anything

    @property
    def expires(self) -> float:
        return self.submit_time + self.timeout_hours * 3600

    def set_status(self, status: str, now: float, message: str | None = None) -> None:
        with self.lock:
            if self.stop_requested and status not in FINISHED:
                return  # Stopping stays until the job has stopped
            self.status, self.last_modified = status, now
            if message is not None:
                self.message = message
            if status in FINISHED:
                self.end_time = now

    def request_stop(self, now: float) -> str:
        """Ask the worker to stop; the status before (a finished job is left as it is)."""
        with self.lock:
            before = self.status
            if before not in FINISHED and not self.stop_requested:
                self.stop_requested = True
                self.status, self.last_modified = STOPPING, now
        self.wake.set()
        return before

    def describe(self) -> dict[str, Any]:
        """GetModelInvocationJob's response (and a ListModelInvocationJobs summary: the same members)."""
        with self.lock:
            out: dict[str, Any] = {
                "jobArn": self.arn, "jobName": self.name, "modelId": self.model_id, "roleArn": self.role_arn,
                "status": self.status, "submitTime": timestamp(self.submit_time),
                "lastModifiedTime": timestamp(self.last_modified or self.submit_time),
                "inputDataConfig": self.input_config, "outputDataConfig": self.output_config,
                "timeoutDurationInHours": self.timeout_hours, "jobExpirationTime": timestamp(self.expires),
                "modelInvocationType": self.invocation_type,
            }
            if self.client_token is not None:
                out["clientRequestToken"] = self.client_token
            if self.message is not None:
                out["message"] = self.message
            if self.end_time is not None:
                out["endTime"] = timestamp(self.end_time)
            if self.vpc_config is not None:
                out["vpcConfig"] = self.vpc_config
            if self.total is not None:
                out.update(totalRecordCount=self.total, processedRecordCount=self.processed,
                           successRecordCount=self.succeeded, errorRecordCount=self.failed)
            return out


class JobStore:
    """The account's jobs by id, thread-safe; ``clear()`` (the emulator's reset) abandons running ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        # (region, clientRequestToken) -> job id: a token is idempotent within the region it was sent to
        # (Bedrock's jobs, like its endpoints, are regional).
        self._tokens: dict[tuple[str, str], str] = {}

    def by_token(self, region: str, token: str) -> Job | None:
        with self._lock:
            job_id = self._tokens.get((region, token))
            return self._jobs.get(job_id) if job_id else None

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def active(self) -> int:
        with self._lock:
            return sum(job.status not in FINISHED for job in self._jobs.values())

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            if job.client_token is not None:
                self._tokens[(job.region, job.client_token)] = job.id
            while len(self._jobs) > MAX_KEPT_JOBS:
                finished = [j for j in self._jobs.values() if j.status in FINISHED]
                oldest = min(finished or self._jobs.values(), key=lambda j: j.submit_time)
                self._forget(oldest)

    def clear(self) -> None:
        with self._lock:
            jobs, self._jobs, self._tokens = list(self._jobs.values()), {}, {}
        for job in jobs:
            job.abandoned = True
            job.wake.set()

    def _forget(self, job: Job) -> None:
        del self._jobs[job.id]
        key = (job.region, job.client_token or "")
        if job.client_token is not None and self._tokens.get(key) == job.id:
            del self._tokens[key]
        job.abandoned = True
        job.wake.set()
