"""bench/report.py prints one markdown table of measured rows (the shape is checked here, never the timings)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "report.py"
RESULTS = {"pass", "FAIL", "—", "ERROR"}


def report(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDSON_MODE": "offline"}
    return subprocess.run([sys.executable, str(REPORT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def cells(line: str) -> list[str]:
    assert line.startswith("| ") and line.endswith(" |"), line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line[1:-1])]


def test_quick_connect_and_batch_rows_make_one_markdown_table() -> None:
    proc = report("--quick", "--only", "connect", "batch")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()  # stdout is the table and nothing else
    assert cells(lines[0]) == ["what", "figure", "target", "result"]
    assert re.fullmatch(r"\|(-+\|){4}", lines[1]), lines[1]
    rows = [cells(line) for line in lines[2:]]
    assert all(len(row) == 4 for row in rows), rows
    assert all(row[3] in RESULTS for row in rows), rows
    whats = [row[0] for row in rows]
    assert whats[0] == "machine" and "cores" in rows[0][1]
    connect = next(row for row in rows if row[0].startswith("connect()"))
    assert re.match(r"median \d+\.\d\d s of 3 fresh processes", connect[1]), connect
    assert connect[2] == "<= 1.5 s" and connect[3] in {"pass", "FAIL"}
    batch = next(row for row in rows if row[0].startswith("batch soak: 1,000-record job"))
    assert batch[2] == "0 lost" and batch[3] == "pass", batch  # losing a record is a bug, not a slow machine
    assert "[report] connect" in proc.stderr  # progress goes to stderr


def test_json_rows_and_the_unmeasured_fresh_clone() -> None:
    proc = report("--json", "--only", "fresh-clone")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads(proc.stdout)
    assert [set(row) for row in rows] == [{"what", "figure", "target", "result", "values"}] * 3
    assert rows[0]["what"] == "machine"
    assert all("--fresh-clone" in row["figure"] and row["result"] == "—" for row in rows[1:]), rows


def test_an_unknown_group_says_which_exist() -> None:
    proc = report("--only", "speed")
    assert proc.returncode == 2
    assert "invalid choice: 'speed'" in proc.stderr and "connect" in proc.stderr
