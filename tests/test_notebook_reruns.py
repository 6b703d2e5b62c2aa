"""Every notebook is rerun-safe: Run All twice in one kernel, then Run All in a new kernel (a restart),
and each run shows the committed outputs (after notebooks/sanitize.cfg, as strict nbval compares them).

nbval checks one fresh run. Learners also press Run All again, and restart the kernel: that is where
state left behind (environment variables, an emulator, files, logging configurations) changes what a
notebook shows, so this test compares every run with what is committed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbval.plugin import carriagereturn_pat, get_sanitize_patterns

ROOT = Path(__file__).resolve().parents[1]
# Every English notebook, and one per edition: the editions' code is identical (tests/test_editions.py), so
# these prove that what helpers print stays in the edition's language on a rerun and after a restart.
NOTEBOOKS = [*sorted((ROOT / "notebooks" / "en").glob("*.ipynb")),
             ROOT / "notebooks" / "ja" / "06_global_vs_regional_cost.ipynb",
             ROOT / "notebooks" / "zh-TW" / "01_setup_checks.ipynb"]
PATTERNS = get_sanitize_patterns((ROOT / "notebooks" / "sanitize.cfg").read_text(encoding="utf-8"))
SKIPPED = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}  # as nbval skips them


def sanitize(text: Any) -> Any:
    if isinstance(text, list):
        text = "".join(text)
    if not isinstance(text, str):
        return text
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def shown(outputs: list[Any]) -> dict[str, list[Any]]:
    """A cell's outputs as nbval compares them: by stream name (chunks joined and a progress bar's \\r redraws
    reduced to the last, as nbval coalesces them) and MIME type, sanitized."""
    seen: dict[str, list[Any]] = defaultdict(list)
    streams: dict[str, str] = defaultdict(str)
    for out in outputs:
        if out["output_type"] == "stream":
            streams[out["name"]] += "".join(out["text"])
        elif out["output_type"] == "error":
            seen["error"].append(f"{out['ename']}: {out['evalue']}")
        for mime, value in out.get("data", {}).items():
            if mime not in SKIPPED:
                seen[mime].append(sanitize(value))
    for name, text in streams.items():
        seen[name] = [sanitize(carriagereturn_pat.sub("", text))]
    return dict(seen)


def checked_cells(notebook: Any) -> list[tuple[int, Any]]:
    return [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"
            and not {"nbval-ignore-output", "nbval-skip"} & set(c.metadata.get("tags", []))]


def differences(expected: Any, run: Any, label: str) -> list[str]:
    problems = []
    for index, cell in checked_cells(expected):
        want, got = shown(cell.outputs), shown(run.cells[index].outputs)
        if want != got:
            problems.append(f"{label}, cell {index}:\n  committed: {want}\n  this run:  {got}")
    return problems


@pytest.fixture
def offline_kernel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels inherit this process's environment: offline, as the committed outputs were made."""
    monkeypatch.setenv("HANDSON_MODE", "offline")
    for name, value in {"npm_config_progress": "false", "npm_config_loglevel": "error",
                        "npm_config_update_notifier": "false"}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_run_all_twice_then_after_a_restart(path: Path, offline_kernel_env: None) -> None:
    committed = nbformat.read(path, as_version=4)
    problems: list[str] = []
    resources = {"metadata": {"path": str(path.parent)}}

    run = nbformat.read(path, as_version=4)
    client = NotebookClient(run, timeout=180, kernel_name="python3", resources=resources)
    with client.setup_kernel():
        for attempt in ("Run All", "Run All again, same kernel"):
            for index, cell in enumerate(run.cells):
                client.execute_cell(cell, index)
            problems += differences(committed, run, attempt)

    restarted = nbformat.read(path, as_version=4)
    NotebookClient(restarted, timeout=180, kernel_name="python3", resources=resources).execute()
    problems += differences(committed, restarted, "Run All after a kernel restart")

    assert not problems, "\n".join(problems)
    stray = [p for p in path.parent.iterdir() if p.suffix != ".ipynb" and p.name != ".ipynb_checkpoints"]
    assert not stray, f"the notebook left files next to itself: {stray}"
