"""A batch job's work, in its own thread: validate, then answer every record, then write the output.

Statuses follow the emulator's clock (``state.now()``, which ``advance_clock`` moves): AWS takes minutes to hours
per stage; the emulator keeps seconds so a notebook can watch a job go by. A status is shown only once the work
it stands for is done (the worker sets it), so Get never runs ahead of the real work; processedRecordCount counts
records really answered. Records are answered at most RECORDS_PER_SECOND on the clock.

Memory is bounded: the input is streamed a line at a time (twice: once to validate, once to answer), and each
output file is written to a spooled temporary file (in memory up to SPOOL_BYTES) before it goes to S3.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import threading
import time
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from .. import catalog
from . import batch_input, batch_records
from .batch_input import InputFile, JobFailed, S3Location
from .batch_jobs import (
    COMPLETED,
    EXPIRED,
    FAILED,
    IN_PROGRESS,
    PARTIALLY_COMPLETED,
    SCHEDULED,
    STOPPED,
    VALIDATING,
    Job,
)
from .routing import json_bytes

log = logging.getLogger(__name__)

# Seconds on the emulator's clock (data, not promises: AWS documents no durations).
SUBMITTED_SECONDS = 0.5    # Submitted -> Validating
VALIDATING_SECONDS = 1.0   # at least this long in Validating (longer if reading the input takes longer)
SCHEDULED_SECONDS = 1.0    # Scheduled -> InProgress
STOPPING_SECONDS = 1.0     # Stopping -> Stopped (after the records already answered are written)
RECORDS_PER_SECOND = 100   # answered records per second on the clock at most
POLL_SECONDS = 0.05        # how soon a wait notices advance_clock, stop() or reset()
SPOOL_BYTES = 16 << 20     # an output file stays in memory up to this size, then spills to a temporary file

# [emulator wording] for a job that fails inside the emulator (a bug of ours), as Bedrock's internal error reads.
INTERNAL_FAILURE = "The batch inference job failed because of an internal error. Submit the job again."


class _Interrupted(Exception):
    """The job must end now: ``reason`` is "stop", "expired" or "abandoned"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start(job: Job, state: Any) -> threading.Thread:
    thread = threading.Thread(target=_run, args=(job, state), name=f"batch-{job.id}", daemon=True)
    thread.start()
    return thread


def _wait(job: Job, state: Any, until: float) -> None:
    """Sleep until ``until`` on the emulator's clock; _Interrupted if the job is stopped, forgotten or expires."""
    while True:
        if job.abandoned:
            raise _Interrupted("abandoned")
        if job.stop_requested:
            raise _Interrupted("stop")
        now = state.now()
        if now >= job.expires:
            raise _Interrupted("expired")
        if now >= until:
            return
        job.wake.wait(min(POLL_SECONDS, until - now))


def _run(job: Job, state: Any) -> None:
    writer = _Output(job, state)
    try:
        _wait(job, state, job.submit_time + SUBMITTED_SECONDS)
        job.set_status(VALIDATING, state.now())
        validating_since = state.now()
        try:
            files, in_bucket, in_region = _validate(job, state)
        finally:  # a job that fails validation, too, is shown Validating for its time first (the status follows
            _wait(job, state, validating_since + VALIDATING_SECONDS)  # the clock whatever the outcome)
        job.set_status(SCHEDULED, state.now())
        _wait(job, state, state.now() + SCHEDULED_SECONDS)
        job.set_status(IN_PROGRESS, state.now())
        writer.started = state.now()
        for file, count in files:
            writer.process(file, count, in_bucket, in_region)
        writer.manifest()
        job.set_status(COMPLETED, state.now())
    except JobFailed as e:
        _finish_quietly(job, state, FAILED, e.message)
    except _Interrupted as e:
        _interrupted(job, state, writer, e.reason)
    except ClientError as e:  # S3 or IAM refused a request (e.g. an input file deleted while the job ran)
        error = e.response.get("Error", {})
        # [emulator wording]
        _finish_quietly(job, state, FAILED, f"The job could not read or write its data in Amazon S3 "
                                            f"({error.get('Code', 'error')}: {error.get('Message', '')}).")
    except Exception:
        log.exception("batch job %s failed inside the emulator", job.id)
        _finish_quietly(job, state, FAILED, INTERNAL_FAILURE)
    finally:
        writer.close()


def _finish_quietly(job: Job, state: Any, status: str, message: str | None = None) -> None:
    if not job.abandoned:
        job.set_status(status, state.now(), message)


def _interrupted(job: Job, state: Any, writer: _Output, reason: str) -> None:
    """Stop or timeout: what was answered is written (AWS: "You're only charged for tokens that were already
    processed"); a job that had not begun writes nothing."""
    if reason == "abandoned":
        return
    try:
        if writer.started is not None:
            writer.flush_current()
            writer.manifest()
    except Exception:
        log.exception("batch job %s could not write its partial output", job.id)
    if reason == "stop":
        stopping_since = state.now()
        while state.now() < stopping_since + STOPPING_SECONDS and not job.abandoned:
            time.sleep(POLL_SECONDS)  # not job.wake: stop() left it set
        _finish_quietly(job, state, STOPPED)
    elif writer.started is not None:
        _finish_quietly(job, state, PARTIALLY_COMPLETED, "The job timed out before every record was processed.")
    else:  # [emulator wording]; AWS: "This job timed out because it was scheduled but didn't begin..."
        _finish_quietly(job, state, EXPIRED, "The job timed out before it began.")


def _validate(job: Job, state: Any) -> tuple[list[tuple[InputFile, int]], str, str]:
    """Everything AWS checks while Validating (see batch_input.py); JobFailed on the first problem. The input
    files with the records each holds, the input bucket and its region."""
    aws = state.aws
    source = S3Location.parse(job.input_config["s3InputDataConfig"]["s3Uri"])
    target = S3Location.parse(job.output_config["s3OutputDataConfig"]["s3Uri"])
    if aws is None or source is None or target is None:  # checked when the job was created
        raise JobFailed(INTERNAL_FAILURE)
    policies = batch_input.check_role(aws, job.role_arn, job.arn)
    in_region = batch_input.bucket_region(aws, source.bucket, "input")
    # [emulator choice]: s3:prefix is the key the input URI names (what Bedrock lists was not found).
    batch_input.require(policies, job.role_arn, job.arn, "s3:ListBucket", f"arn:aws:s3:::{source.bucket}",
                        prefix=source.key)
    files = batch_input.input_files(aws, source, in_region)
    for file in files:
        batch_input.require(policies, job.role_arn, job.arn, "s3:GetObject", f"arn:aws:s3:::{source.bucket}/{file.key}")
    batch_input.bucket_region(aws, target.bucket, "output")
    batch_input.require(policies, job.role_arn, job.arn, "s3:PutObject",
                        f"arn:aws:s3:::{target.bucket}/{_output_key(job, target, 'manifest.json.out')}")
    limits = {name: catalog.general(name).value for name in
              ("batch_min_records", "batch_max_records", "batch_max_file_bytes", "batch_max_job_bytes")}
    for file in files:
        if file.size > limits["batch_max_file_bytes"]:
            raise JobFailed(f"The input file {file.uri(source.bucket)} is {file.size:,} bytes; a file may be at most "
                            f"{limits['batch_max_file_bytes']:,} bytes (the Batch inference input file size quota).")
    size = sum(f.size for f in files)
    if size > limits["batch_max_job_bytes"]:
        raise JobFailed(f"The job's input files hold {size:,} bytes; a job may read at most "
                        f"{limits['batch_max_job_bytes']:,} bytes (the Batch inference job size quota).")
    total, counted = 0, []
    for file in files:
        with contextlib.closing(aws.get_object_stream(source.bucket, file.key, in_region)) as stream:
            counted.append((file, _count_records(job, stream, file.uri(source.bucket), limits["batch_max_records"])))
        total += counted[-1][1]
        if total > limits["batch_max_records"]:
            raise JobFailed(f"The job's input holds more than {limits['batch_max_records']:,} records, the most a "
                            "job may hold (the Records per batch inference job quota). Split it into several jobs.")
    if total < limits["batch_min_records"]:
        raise JobFailed(f"The job's input holds {total:,} records; a batch inference job needs at least "
                        f"{limits['batch_min_records']:,} (the Minimum number of records per batch inference job "
                        "quota).")
    with job.lock:
        job.total = total
    return counted, source.bucket, in_region


def _count_records(job: Job, stream: Any, uri: str, most: int) -> int:
    """The records in one file, each line checked (JobFailed on the first bad one)."""
    count = 0
    for number, line in batch_input.lines(stream, uri):
        if job.abandoned or job.stop_requested:
            raise _Interrupted("abandoned" if job.abandoned else "stop")
        if line is None:
            raise batch_input.too_long(number, uri)
        if batch_input.parse(line, number, uri) is None:
            continue
        count += 1
        if count > most:
            raise JobFailed(f"The input file {uri} holds more than {most:,} records, the most a file may hold (the "
                            "Records per input file per batch inference job quota).")
    return count


def _output_key(job: Job, target: S3Location, name: str) -> str:
    prefix = target.key.rstrip("/")
    return f"{prefix}/{job.id}/{name}" if prefix else f"{job.id}/{name}"


class _Output:
    """Answers the records of one file after another, paced by the clock, and writes each file's .out."""

    def __init__(self, job: Job, state: Any) -> None:
        self.job, self.state = job, state
        self.started: float | None = None  # when InProgress began (the pace counts from there)
        self.target = S3Location.parse(job.output_config["s3OutputDataConfig"]["s3Uri"])
        self.current: tuple[str, BinaryIO] | None = None  # (output name, its spooled lines)
        self.sequence = 0  # records answered so far in the job (numbers the recordIds Bedrock adds)

    def process(self, file: InputFile, count: int, bucket: str, region: str) -> None:
        state = self.state
        spool = tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115 (closed by flush_current or close)
        self.current = (file.out_name + ".out", spool)
        with contextlib.closing(state.aws.get_object_stream(bucket, file.key, region)) as stream:
            self._answer_lines(stream, file.uri(bucket), count)
        self.flush_current()

    def _answer_lines(self, stream: Any, uri: str, count: int) -> None:
        """Answer the ``count`` records validation found. The file is read again: if it changed since, a line
        that no longer parses becomes an error record (never dropped), records past ``count`` are not answered
        (the job's totals stay those validated), and a file that now holds fewer fails the job."""
        job, state = self.job, self.state
        assert self.current is not None and self.started is not None
        answered = 0
        for number, line in batch_input.lines(stream, uri):
            if answered == count:
                break
            problem: str | None = None
            try:
                record = batch_input.parse(line, number, uri) if line is not None else None
            except JobFailed as e:
                record, problem = None, e.message
            if line is None:
                problem = batch_input.too_long(number, uri).message
            if record is None and problem is None:
                continue  # a blank line (a byte-order mark alone)
            _wait(job, state, self.started + self.sequence / RECORDS_PER_SECOND)  # only real records are paced
            answered += 1
            self.sequence += 1
            # AWS adds a recordId where a record has none; its format is not documented [emulator wording].
            record_id = (record.record_id if record else None) or f"REC{self.sequence:08d}"
            if record is None:
                # [emulator wording]: the line was valid when the job was validated.
                error = {"errorCode": 400, "errorMessage": f"{problem} The file changed after the job was validated."}
                self._write({"recordId": record_id, "error": error}, batch_records.Outcome(None, error))
                continue
            outcome = batch_records.answer(record.model_input, job.model, job.invocation_type)
            result = {"modelOutput": outcome.output} if outcome.error is None else {"error": outcome.error}
            self._write({"recordId": record_id, "modelInput": record.model_input, **result}, outcome)
        if answered < count:
            # [emulator wording]
            raise JobFailed(f"The input file {uri} changed while the job ran: it held {count:,} records when the job "
                            f"was validated and {answered:,} now. Submit the job again.")

    def _write(self, line: dict[str, Any], outcome: batch_records.Outcome) -> None:
        job = self.job
        assert self.current is not None
        self.current[1].write(json_bytes(line) + b"\n")
        with job.lock:
            job.processed += 1
            job.succeeded += outcome.error is None
            job.failed += outcome.error is not None
            job.input_tokens += outcome.input_tokens
            job.output_tokens += outcome.output_tokens

    def flush_current(self) -> None:
        if self.current is None:
            return
        name, spool = self.current
        self.current = None
        with spool:
            spool.seek(0)
            self._put(name, spool)

    def manifest(self) -> None:
        job = self.job
        with job.lock:
            counts = {"totalRecordCount": job.total or 0, "processedRecordCount": job.processed,
                      "successRecordCount": job.succeeded, "errorRecordCount": job.failed,
                      "inputTokenCount": job.input_tokens, "outputTokenCount": job.output_tokens}
        self._put("manifest.json.out", json.dumps(counts).encode())

    def _put(self, name: str, data: bytes | BinaryIO) -> None:
        if self.job.abandoned:
            return
        aws = self.state.aws
        region = aws.bucket_region(self.target.bucket)
        if region is None:
            raise JobFailed(f"The output S3 bucket {self.target.bucket} does not exist.")
        aws.put_object(self.target.bucket, _output_key(self.job, self.target, name), data, region)

    def close(self) -> None:
        if self.current is not None:
            self.current[1].close()
            self.current = None
