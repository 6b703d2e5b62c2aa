"""Fixtures of the browser tests: one JupyterLab and one headless system Chromium for the whole run, a fresh tab
(and kernel) per notebook, screenshots in test-artifacts/browser/. The lab is shut down, and anything it
started killed by pid, even when a test fails."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import lab_server
from .lab_page import NotebookPage

ARTIFACTS = lab_server.ROOT / "test-artifacts" / "browser"
VIEWPORT = {"width": 1280, "height": 900}
written: list[Path] = []  # the artefacts folder, once this run has written to it


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium's path; the browser tests skip (with what to do) without it or without Playwright."""
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed: pip install -r "
                        "requirements-dev.txt (not its browser downloads: the system Chromium is used)")
    path = lab_server.find_chromium()
    if path is None:
        pytest.skip(f"no Chromium found: {lab_server.INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/browser/, emptied: only this run's screenshots and lab log are in it."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    written.append(ARTIFACTS)
    return ARTIFACTS


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def notebook_files() -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in lab_server.NOTEBOOKS.rglob("*.ipynb")
            if ".ipynb_checkpoints" not in path.parts}


@pytest.fixture(scope="package")  # torn down when tests/browser ends (see browser_context)
def lab(chromium: str, artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[lab_server.Lab]:
    """JupyterLab serving notebooks/, as `make lab` starts it. Afterwards: every committed notebook is as it was
    (autosave is off; a notebook the lab rewrote anyway is restored, and the test run fails), and no process the
    lab started is left running."""
    before, checkpoints = notebook_files(), set(lab_server.NOTEBOOKS.rglob(".ipynb_checkpoints"))
    # CI stops a job with SIGTERM, which would end pytest without any teardown and leave the lab running: as
    # an interrupt instead, pytest unwinds and the `finally` below shuts the lab down.
    previous = signal.signal(signal.SIGTERM, interrupt)
    server = lab_server.start(tmp_path_factory.mktemp("jupyterlab"), artifacts / "jupyterlab.log")
    try:
        yield server
    finally:
        leaked = lab_server.stop(server)
        signal.signal(signal.SIGTERM, previous)
        rewritten = [path for path, content in notebook_files().items() if before.get(path) != content]
        for path in rewritten:
            path.write_bytes(before[path])
        for folder in set(lab_server.NOTEBOOKS.rglob(".ipynb_checkpoints")) - checkpoints:  # ours, not a learner's
            shutil.rmtree(folder, ignore_errors=True)
    assert not rewritten, f"the lab rewrote committed notebooks (restored now): {rewritten}"
    assert not leaked, f"processes the lab started were still running after its shutdown (killed): {leaked}"


@pytest.fixture(scope="package")
def browser_context(chromium: str) -> Iterator[Any]:
    """One headless Chromium and one browser context (so the lab's scripts are cached after the first tab).
    Package scope, not session: Playwright's sync API runs an asyncio loop in the main thread while it is
    open, and every later test calling asyncio.run() would fail with "cannot be called from a running event
    loop" (a clean clone showed it: tests/browser sorts before tests/emulator)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield instance.new_context(viewport=VIEWPORT)
        finally:
            instance.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    setattr(item, f"report_{report.when}", report)  # so a fixture can see whether its test failed
    return report


@pytest.fixture
def open_notebook(lab: lab_server.Lab, browser_context: Any, artifacts: Path,
                  request: pytest.FixtureRequest) -> Iterator[Callable[[str], NotebookPage]]:
    """``open_notebook("en/01_setup_checks.ipynb")``: the notebook in a new tab with its own kernel. Afterwards
    the kernel is shut down and the tab closed; a failed test leaves a screenshot of the tab (…-FAILED.jpg)."""
    opened: list[NotebookPage] = []

    def open_(path: str) -> NotebookPage:
        notebook = NotebookPage(browser_context.new_page(), lab, path)
        opened.append(notebook)
        return notebook.open()

    yield open_
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for notebook in opened:
        if failed:
            try:
                notebook.screenshot(artifacts / f"{Path(notebook.path).stem}-{notebook.path.split('/')[0]}-FAILED.jpg")
            except Exception as error:  # the page may be gone; the test's own failure is what matters
                print(f"no screenshot of {notebook.path}: {error}")
        notebook.page.close()
    lab.remember_children()
    lab.shut_down_kernels()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if written and any(ARTIFACTS.iterdir()):
        terminalreporter.write_line(f"browser test screenshots and the lab's log: {ARTIFACTS}")
