"""One notebook open in JupyterLab in a browser tab: open it, Run All through the lab's own menu, wait for the
run to finish, and read what the page shows (prompts, outputs, widgets) from the DOM, as a learner sees it."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from .lab_server import NOTEBOOKS, Lab

if TYPE_CHECKING:
    from playwright.sync_api import Page

OPEN_TIMEOUT_MS = 90_000
RUN_TIMEOUT_MS = 300_000  # the slowest notebook takes well under a minute offline; a hang fails here, with a screenshot
WIDGET_TIMEOUT_MS = 30_000

# True once the status bar names the notebook's kernel and says it is idle ("Python 3 (ipykernel) | Idle"):
# before that, Run All would open the "Select Kernel" dialog instead of running.
KERNEL_READY_JS = """() => [...document.querySelectorAll('.jp-StatusBar-Item')].some(item => {
    const text = item.textContent.trim();
    return / \\| Idle$/.test(text) && !text.startsWith('No Kernel');
})"""

# Every code cell's prompt "[n]:" (n above the count of the previous run) and the kernel idle: the run is over.
RUN_DONE_JS = """([cells, after]) => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    if (prompts.length !== cells) return false;
    const done = prompts.every(p => {
        const m = /^\\[(\\d+)\\]/.exec(p.textContent.trim());
        return m && +m[1] > after;
    });
    return done && document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle';
}"""

# Per code cell: its prompt and, per output, its MIME type, its text and whether a widget view rendered in it.
OUTPUTS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(cell => ({
    prompt: cell.querySelector('.jp-InputPrompt')?.textContent.trim() ?? '',
    outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => ({
        mime: o.dataset.mimeType ?? '', text: o.innerText, widget: !!o.querySelector('.jupyter-widgets'),
    })),
}))"""

NO_PENDING_WIDGET_JS = """() => ![...document.querySelectorAll('.jp-OutputArea-output')]
    .some(o => o.innerText.includes('Loading widget'))"""

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ERROR_MIME = "application/vnd.jupyter.error"


class NotebookPage:
    """``path`` is relative to notebooks/ (the lab's root), e.g. ``en/06_global_vs_regional_cost.ipynb``."""

    def __init__(self, page: Page, lab: Lab, path: str) -> None:
        self.page, self.lab, self.path = page, lab, path
        cells = json.loads((NOTEBOOKS / path).read_text(encoding="utf-8"))["cells"]
        self.code_cells = sum(cell["cell_type"] == "code" for cell in cells)
        self.last_count = 0  # the highest execution count the page has shown

    def open(self) -> NotebookPage:
        # A workspace of its own: JupyterLab would otherwise reopen (and rerun kernels for) the tabs of the
        # previous test, which it saved in the default workspace.
        self.page.goto(self.lab.url(f"lab/workspaces/{secrets.token_hex(8)}/tree/{self.path}"))
        self.page.wait_for_function(KERNEL_READY_JS, timeout=OPEN_TIMEOUT_MS)
        self.page.wait_for_function(f"() => document.querySelectorAll('.jp-Notebook .jp-CodeCell').length "
                                    f"=== {self.code_cells}", timeout=OPEN_TIMEOUT_MS)
        panels = self.page.locator(".jp-NotebookPanel").count()
        assert panels == 1, f"{self.path}: {panels} notebooks open in the tab, expected only this one"
        return self

    def run_all(self) -> None:
        """Run › Run All Cells, then wait until every code cell has a new execution count and the kernel is idle,
        and until no widget is still loading."""
        self.fail_on_dialog()
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        self.page.wait_for_function(RUN_DONE_JS, arg=[self.code_cells, self.last_count], timeout=RUN_TIMEOUT_MS)
        self.last_count = max(self.counts())
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # not at the top: without Playwright the
        # tests skip (conftest) rather than fail to import

        with contextlib.suppress(PlaywrightTimeout):  # reported by problems(), with the cell it is in
            self.page.wait_for_function(NO_PENDING_WIDGET_JS, timeout=WIDGET_TIMEOUT_MS)

    def fail_on_dialog(self) -> None:
        dialog = self.page.locator(".jp-Dialog")
        if dialog.count():
            raise AssertionError(f"{self.path}: a dialog blocks the notebook: {dialog.first.inner_text()!r}")

    def cells(self) -> list[dict]:
        return self.page.evaluate(OUTPUTS_JS)

    def counts(self) -> list[int]:
        return [int(m.group(1)) if (m := re.match(r"\[(\d+)\]", c["prompt"])) else 0 for c in self.cells()]

    def problems(self) -> list[str]:
        """What a learner would see go wrong: an error output or traceback, a widget that failed or never rendered,
        a code cell that did not run."""
        found = []
        for n, cell in enumerate(self.cells(), 1):
            where = f"{self.path}, code cell {n} {cell['prompt']}"
            if not re.match(r"\[\d+\]", cell["prompt"]):
                found.append(f"{where}: did not run")
            for out in cell["outputs"]:
                text = out["text"]
                if out["mime"] == ERROR_MIME or "Traceback" in text:
                    found.append(f"{where}: error output:\n{text[:1500]}")
                if "Error displaying widget" in text:
                    found.append(f"{where}: {text.strip()[:300]}")
                elif "Loading widget" in text:
                    found.append(f"{where}: widget still 'Loading widget…' after {WIDGET_TIMEOUT_MS // 1000} s")
                elif out["mime"] == WIDGET_MIME and not out["widget"]:
                    found.append(f"{where}: widget output with no rendered widget: {text.strip()[:300]!r}")
        return found

    def screenshot(self, path: Path) -> Path:
        """The whole notebook in one image: the viewport is stretched to the notebook's height for the shot."""
        path.parent.mkdir(parents=True, exist_ok=True)
        viewport = self.page.viewport_size or {"width": 1280, "height": 900}
        height = self.page.evaluate("""() => {
            const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
            return scroller ? scroller.scrollHeight - scroller.clientHeight + window.innerHeight : window.innerHeight;
        }""")
        tall = min(max(height, viewport["height"]), 16_000)  # Chromium draws at most 16,384 px in one shot
        self.page.set_viewport_size({"width": viewport["width"], "height": tall})
        try:
            self.page.evaluate("() => document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')"
                               "?.scrollTo(0, 0)")
            self.page.screenshot(path=str(path), **({"quality": 60} if path.suffix == ".jpg" else {}))
        finally:
            self.page.set_viewport_size(viewport)
        return path
