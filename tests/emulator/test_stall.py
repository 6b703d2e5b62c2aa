"""No request stalls another (issue E, item 4): hostile PDFs and questions, scaled down to run in seconds.

Each hostile request goes over real HTTP (boto3) while a second client sends simple InvokeModels in a loop;
the simple calls must keep answering quickly, and the hostile one must get Claude's 400, not a hang or a 500.
Full-size figures: bench/stall_bench.py.
"""

from __future__ import annotations

import base64
import json
import math
import random
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError
from logging_setup import destinations

from conftest import MODEL, MODEL_US, claude_body, client_of, sample
from helpers import pdf
from helpers.emulator import documents, pdf_worker
from helpers.emulator.anthropic_body import parse_json
from helpers.emulator.errors import BedrockError
from tools import make_hostile_pdfs as hostile

AT_FIRST = "messages.0.content.0.pdf.source.base64.data: "
NOT_VALID = AT_FIRST + "The PDF specified was not valid."
SIMPLE_P_MAX = 1.0  # seconds: the slowest simple call while a hostile request is processed


def document_body(data: bytes, question: str = "What does it say?") -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "messages": [{
        "role": "user", "content": [
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": base64.b64encode(data).decode()}},
            {"type": "text", "text": question}]}]})


@contextmanager
def simple_calls(emulator: Any) -> Iterator[list[float]]:
    """Simple InvokeModels sent back to back from another thread; yields their latencies (filled on exit)."""
    client = client_of(emulator, "bedrock-runtime")
    client.invoke_model(modelId=MODEL_US, body=claude_body())  # connect and warm up first
    latencies: list[float] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            client.invoke_model(modelId=MODEL_US, body=claude_body())
            latencies.append(time.perf_counter() - started)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield latencies
    finally:
        stop.set()
        thread.join(10)


def send(runtime: Any, body: str) -> tuple[int, str, float]:
    """(HTTP status, error message or "", seconds) of an InvokeModel."""
    started = time.perf_counter()
    try:
        runtime.invoke_model(modelId=MODEL_US, body=body)
        status, message = 200, ""
    except ClientError as e:
        status, message = e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"]
    return status, message, time.perf_counter() - started


def assert_not_stalled(latencies: list[float]) -> None:
    assert len(latencies) >= 3, f"only {len(latencies)} simple calls completed meanwhile"
    assert max(latencies) < SIMPLE_P_MAX, f"a simple call took {max(latencies):.2f} s"


@pytest.fixture
def fresh_worker() -> Iterator[pdf_worker.Worker]:
    """The PDF worker with its default budgets restored afterwards (tests shrink them)."""
    seconds, memory = pdf_worker.SECONDS, pdf_worker.MEMORY_BYTES
    yield pdf_worker.WORKER
    pdf_worker.SECONDS, pdf_worker.MEMORY_BYTES = seconds, memory
    pdf_worker.WORKER.close()


# --- hostile PDFs --------------------------------------------------------------------------------------------------

HOSTILE = {  # name: (build, expected status, expected message)
    "nested-forms": (lambda: hostile.nested_forms(40), 200, ""),  # read with pypdf's form cap: partial text
    "wide-forms": (lambda: hostile.wide_forms(200, 5), 200, ""),
    "many-pages": (lambda: hostile.many_pages(20_000), 400,
                   AT_FIRST + f"A maximum of {pdf.pages_allowed(MODEL.window())} PDF pages may be provided."),
    "flate-bomb": (lambda: hostile.flate_bomb(1), 400, NOT_VALID),
    "flate-bombs": (lambda: hostile.flate_bomb(pages=8, inflated=20_000_000), 400, NOT_VALID),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_pdf_stalls_no_one(emulator: Any, runtime: Any, case: str) -> None:
    build, status, message = HOSTILE[case]
    body = document_body(build())
    with simple_calls(emulator) as latencies:
        time.sleep(0.2)
        got = send(runtime, body)
        time.sleep(0.2)
    assert got[:2] == (status, message)
    assert got[2] < 20, f"the hostile request itself took {got[2]:.1f} s"
    assert_not_stalled(latencies)


def test_page_count_is_known_before_pages_are_parsed() -> None:
    """100,000 pages are counted from the page tree in about a second, none of them parsed."""
    data = hostile.many_pages(100_000)
    started = time.perf_counter()
    info = pdf.read(data)
    assert time.perf_counter() - started < 10
    assert (info.page_count, info.pages, info.unread_pages) == (100_000, (), 100_000)
    assert "100,000 pages, not read" in info.summary()
    assert not pdf.check_invoke_model(info, MODEL_US).ok


def test_over_the_time_budget_is_a_400_and_the_worker_restarts(emulator: Any, runtime: Any,
                                                                fresh_worker: pdf_worker.Worker) -> None:
    pdf_worker.SECONDS = 1.0
    slow = hostile.flate_bomb(pages=3, inflated=2_000_000)  # within every cap: ~5 s a page to extract
    with simple_calls(emulator) as latencies:
        status, message, seconds = send(runtime, document_body(slow))
    assert (status, message) == (400, NOT_VALID)
    assert seconds < 6
    assert_not_stalled(latencies)
    pdf_worker.SECONDS, starts = 30.0, fresh_worker.starts
    # A PDF no earlier test sent (a comment after %%EOF), so the answer cannot come from the PDF cache.
    fresh = sample("quarterly_report.pdf") + f"\n% {time.time_ns()}\n".encode()
    status, message, _ = send(runtime, document_body(fresh, "How much did revenue grow?"))
    assert (status, message, fresh_worker.starts) == (200, "", starts + 1)
    status, message, seconds = send(runtime, document_body(slow))  # remembered: refused at once
    assert (status, message) == (400, NOT_VALID) and seconds < 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_over_the_memory_budget_is_a_400(emulator: Any, runtime: Any, fresh_worker: pdf_worker.Worker) -> None:
    fresh_worker.close()
    pdf_worker.MEMORY_BYTES = 100_000_000  # the worker itself needs ~60 MB; this file needs ~40 MB more
    status, message, _ = send(runtime, document_body(hostile.flate_bomb(1, inflated=15_000_000)))
    assert (status, message) == (400, NOT_VALID)
    status, _, _ = send(runtime, document_body(sample("quarterly_report.pdf")))
    assert status == 200


def test_the_pdf_cache_is_bounded_in_bytes(emulator: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "_CACHE_BYTES", 30_000)
    report = sample("quarterly_report.pdf")
    for n in range(6):  # distinct files (a trailing comment), the same ~10 KB of text each
        status, _, _ = send(runtime, document_body(report + b"\n%" + str(n).encode() + b"\n"))
        assert status == 200
        assert 0 < documents.cache_bytes() <= 30_000


# --- the answer search -----------------------------------------------------------------------------------------------

def text_document_body(document: str, question: str) -> str:
    return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200, "messages": [{
        "role": "user", "content": [
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": document},
             "citations": {"enabled": True}},
            {"type": "text", "text": question}]}]})


def test_a_huge_question_against_many_sentences_is_fast(emulator: Any, runtime: Any) -> None:
    """Every question word matches its own sentence: the old search compared each word with each sentence."""
    words = 20_000
    body = text_document_body(hostile.one_word_sentences(words), hostile.long_question(words))
    with simple_calls(emulator) as latencies:
        started = time.perf_counter()
        reply = json.loads(runtime.invoke_model(modelId=MODEL_US, body=body)["body"].read())
        seconds = time.perf_counter() - started
    assert seconds < 5
    cited = [c["cited_text"] for block in reply["content"] for c in block.get("citations", [])]
    assert cited == ["x0.", "x1."]  # all tie: the earliest sentences
    assert_not_stalled(latencies)


def quadratic_best(question: str, docs: list[documents.Document], most: int = 2) -> list[str]:
    """The answer search as it was before issue E (the oracle for identical answers)."""
    candidates = [p for d in docs for p in documents.sentences(d)]
    wanted = documents._terms(question)
    if not candidates or not wanted:
        return []
    terms = [documents._terms(p.text) for p in candidates]
    weight = {t: math.log(1 + len(candidates) / (1 + sum(t in ts for ts in terms))) for t in wanted}
    scores = [sum(weight[t] for t in wanted & ts) for ts in terms]
    ranked = sorted(range(len(candidates)), key=lambda n: (-scores[n], n))
    if scores[ranked[0]] <= 0:
        return []
    return [candidates[n].text for n in ranked[:most] if scores[n] >= 0.75 * scores[ranked[0]]]


def test_the_linear_search_gives_the_same_answers() -> None:
    rng = random.Random(8)
    vocabulary = [f"w{n}" for n in range(40)] + ["growing", "grew", "revenue", "the", "what"]
    for trial in range(300):
        parts = tuple(" ".join(". ".join(" ".join(rng.choices(vocabulary, k=rng.randint(1, 6)))
                                         for _ in range(rng.randint(0, 8))) for _ in range(rng.randint(1, 3))))
        doc = documents.Document(0, None, rng.choice(["pdf", "text", "content"]), parts, 0, pdf.TEXT_ONLY, True, 0)
        question = " ".join(rng.choices(vocabulary, k=rng.randint(0, 8)))
        most = rng.randint(1, 3)
        got = [p.text for p in documents.best_passages(question, [doc, doc], most)]
        assert got == quadratic_best(question, [doc, doc], most), (trial, question, parts)


def test_logging_a_huge_body_stalls_no_one(emulator: Any, runtime: Any) -> None:
    """With invocation logging on, the record of a wide multi-MB body is built and written off the event loop."""
    bedrock = client_of(emulator, "bedrock")
    dest = destinations(emulator, cloudwatch=False)
    bedrock.put_model_invocation_logging_configuration(loggingConfig=dest.config())
    try:
        # 18 MB of one wide array under a key Bedrock's closed schema refuses: a quick 400, whose record
        # (with the whole body, as the caller sent it) takes seconds to build, check and gzip.
        wide = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16,
                           "messages": [{"role": "user", "content": "hi"}], "extra": [0] * 6_000_000})
        with simple_calls(emulator) as latencies:
            status, message, _ = send(runtime, wide)
        assert status == 400 and "extraneous key [extra]" in message
        assert_not_stalled(latencies)
        assert dest.record_keys(), "the huge body's invocation was logged"
    finally:
        bedrock.delete_model_invocation_logging_configuration()


def test_a_large_body_parses_exactly_as_json_does() -> None:
    """Past 64 KB the parse runs with Python hooks (so other threads get the GIL): same values, same refusals."""
    value = {"ints": list(range(-5, 20_000)), "big": 10**30, "floats": [0.5, -1e300, 1e-300],
             "nested": [{"a": {"b": [None, True, False, "\u00e9\U0001F600"]}}] * 2_000, "dup": 1,
             "lone": "\ud800"}
    raw = json.dumps(value).replace('"dup": 1', '"dup": 1, "dup": 2').encode()
    assert len(raw) > 64_000
    assert parse_json(raw) == {**value, "dup": 2}
    for bad in (b"NaN", b"1e400", b"[1,]"):
        with pytest.raises(BedrockError):
            parse_json(raw[:-1] + b', "x": ' + bad + b"}")
