"""helpers.progress: the text bar, and wait_until polling a check until it is done (notebooks 07 and 10)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import progress
from helpers.progress import Progress, wait_until

ROOT = Path(__file__).resolve().parents[1]
FULL = "#" * progress.WIDTH


class Clock:
    """A check's world on a fake clock: ``sleep`` advances time instead of waiting (time.monotonic is patched)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        monkeypatch.setattr(progress.time, "monotonic", lambda: self.now)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def counting_to(total: int, arrivals: dict[int, int]) -> Any:
    """A check that sees ``arrivals[n]`` items at its n-th look (the last known count afterwards)."""
    looks = {"n": 0, "count": 0}

    def check() -> Progress:
        looks["count"] = arrivals.get(looks["n"], looks["count"])
        looks["n"] += 1
        return Progress(done=looks["count"] >= total, count=looks["count"], total=total, value=looks["count"])

    check.looks = looks  # type: ignore[attr-defined]
    return check


class TestBar:
    def test_known_total(self, capsys: pytest.CaptureFixture[str]) -> None:
        progress.bar("records", 2, 5, "arrived", ", waited 3 s")
        assert capsys.readouterr().out == f"\rrecords [{'#' * 12}{'.' * 18}]         2 / 5 arrived, waited 3 s"

    def test_over_the_total_stays_full(self, capsys: pytest.CaptureFixture[str]) -> None:
        progress.bar("records", 7, 5, "arrived")
        assert capsys.readouterr().out == f"\rrecords [{FULL}]         7 / 5 arrived"

    def test_unknown_total_and_no_unit(self, capsys: pytest.CaptureFixture[str]) -> None:
        progress.bar("job", 0, None, "", " (Validating)")
        assert capsys.readouterr().out == f"\rjob [{'.' * 30}]         0 (Validating)"
        progress.bar("job", 1234, 0, "records")
        assert capsys.readouterr().out == f"\rjob [{'.' * 30}]     1,234 / 0 records"


class TestWaitUntil:
    def test_done_at_once_draws_one_finished_line(self, capsys: pytest.CaptureFixture[str]) -> None:
        """What a notebook shows offline, where the answer is there at the first look: one line, no 'waited'."""
        value = wait_until(lambda: Progress(True, 5, 5, value=["a"]), timeout=60, describe="records", unit="arrived")
        assert value == ["a"]
        assert capsys.readouterr().out == f"\rrecords [{FULL}]         5 / 5 arrived\n"

    def test_polls_with_growing_pauses_up_to_every(self, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
        clock = Clock(monkeypatch)
        check = counting_to(5, {3: 1, 6: 3, 9: 5})
        assert wait_until(check, timeout=600, every=2, describe="records", unit="arrived", sleep=clock.sleep) == 5
        assert clock.sleeps == [0.25, 0.5, 1, 2, 2, 2, 2, 2, 2]
        assert check.looks["n"] == 10
        lines = capsys.readouterr().out.split("\r")[1:]
        # Nothing drawn in the first second (quiet_for), then every look, then the finished line.
        assert lines[0] == f"records [{'#' * 6}{'.' * 24}]         1 / 5 arrived, waited 2 s"
        assert lines[-1] == f"records [{FULL}]         5 / 5 arrived\n"
        assert len(lines) == 7

    def test_status_is_shown_and_done_is_the_checks_word(self, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
        """A batch job that fails halfway is done at 3 of 10: wait_until does not insist on count == total."""
        clock = Clock(monkeypatch)
        looks = iter([Progress(False, 0, None, status="Validating"), Progress(False, 3, 10, status="InProgress"),
                      Progress(True, 3, 10, value="job", status="Failed")])
        assert wait_until(lambda: next(looks), timeout=60, every=5, describe="job", unit="records",
                          quiet_for=0, sleep=clock.sleep) == "job"
        lines = capsys.readouterr().out.split("\r")[1:]
        assert lines == [f"job [{'.' * 30}]         0 records (Validating), waited 0 s",
                         f"job [{'#' * 9}{'.' * 21}]         3 / 10 records (InProgress), waited 0 s",
                         f"job [{'#' * 9}{'.' * 21}]         3 / 10 records (Failed)\n"]

    def test_timeout_names_how_far_it_got_and_the_hint(self, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
        clock = Clock(monkeypatch)
        check = counting_to(5, {0: 2})
        with pytest.raises(TimeoutError) as caught:
            wait_until(check, timeout=30, every=10, describe="records", unit="arrived",
                       hint="Run the cell again to keep waiting.", sleep=clock.sleep)
        assert str(caught.value) == "records: not done after 30 s: 2 of 5 arrived. Run the cell again to keep waiting."
        assert sum(clock.sleeps) <= 30  # never sleeps past the timeout
        assert clock.now - 1000 > 30 - 10  # but uses it
        out = capsys.readouterr().out
        assert out.endswith("\n") and "2 / 5 arrived, waited" in out

    def test_timeout_with_unknown_total_and_no_hint(self, monkeypatch: pytest.MonkeyPatch) -> None:
        clock = Clock(monkeypatch)
        with pytest.raises(TimeoutError, match=r"^job: not done after 1 s: 0 \(Submitted\)\.$"):
            wait_until(lambda: Progress(False, status="Submitted"), timeout=1, describe="job", sleep=clock.sleep)

    def test_zero_timeout_looks_once(self, capsys: pytest.CaptureFixture[str]) -> None:
        calls = []

        def check() -> Progress:
            calls.append(1)
            return Progress(False, 0, 1)

        with pytest.raises(TimeoutError, match="not done after 0 s: 0 of 1"):
            wait_until(check, timeout=0, describe="x")
        assert calls == [1]
        assert capsys.readouterr().out == ""  # nothing drawn: it never waited

    def test_real_time(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Real sleeps: ready after ~0.3 s, found within a pause or two."""
        ready_at = time.monotonic() + 0.3
        started = time.monotonic()
        value = wait_until(lambda: Progress(time.monotonic() >= ready_at, value="ok"), timeout=5, every=0.1,
                           describe="x")
        assert value == "ok" and 0.3 <= time.monotonic() - started < 1.0

    @pytest.mark.parametrize(("kwargs", "message"), [({"timeout": -1}, "timeout must be >= 0"),
                                                     ({"timeout": 5, "every": 0}, "every > 0")])
    def test_bad_arguments(self, kwargs: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            wait_until(lambda: Progress(True), **kwargs)

    def test_check_must_say_progress(self) -> None:
        with pytest.raises(TypeError, match=r"check\(\) must return helpers\.progress\.Progress, not tuple"):
            wait_until(lambda: (True, 1, 1), timeout=1)  # type: ignore[arg-type, return-value]

    def test_check_errors_propagate(self) -> None:
        def check() -> Progress:
            raise PermissionError("AccessDenied: s3:ListBucket")

        with pytest.raises(PermissionError, match="s3:ListBucket"):
            wait_until(check, timeout=5)

    def test_in_a_plain_script(self) -> None:
        """No notebook needed: a script's stdout gets the bar and a newline."""
        code = ("from helpers.progress import Progress, wait_until\n"
                "n = iter(range(100))\n"
                "print(wait_until(lambda: Progress(next(n) >= 2, 2, 2, value='done'), timeout=10, every=0.01,"
                " describe='items', quiet_for=0))\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, cwd=ROOT,
                             check=True).stdout.decode()  # bytes: text mode would turn each \r into \n
        assert out.endswith(f"\ritems [{FULL}]         2 / 2\ndone\n")
        assert out.count("\r") == 3
