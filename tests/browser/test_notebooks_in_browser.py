"""Every English notebook in JupyterLab in Chromium: Run All, then Run All again in the same kernel, and nothing
errs, no widget fails; the 06 calculator answers its inputs; the ja/ and zh-TW/ editions speak their language.

nbval proves the code prints what is committed; this proves what a learner sees in the browser: the lab's own
Run All, the widgets' JavaScript, the notebook's language. Select with ``-m browser``."""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from helpers import cost

from .lab_page import NotebookPage
from .lab_server import NOTEBOOKS

pytestmark = pytest.mark.browser

ENGLISH = sorted(path.name for path in (NOTEBOOKS / "en").glob("*.ipynb"))
CALCULATOR = "en/06_global_vs_regional_cost.ipynb"
# connect()'s offline note, the first output of every notebook, in each edition's language.
EDITIONS = {"ja/06_global_vs_regional_cost.ipynb": "オフライン: ローカルの Bedrock エミュレーター",
            "zh-TW/01_setup_checks.ipynb": "離線：由本機的 Bedrock 模擬器回應"}
ENGLISH_NOTE = "Offline: a local Bedrock emulator answers"

OpenNotebook = Callable[[str], NotebookPage]


def run_all_clean(notebook: NotebookPage) -> None:
    notebook.run_all()
    problems = notebook.problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ENGLISH, ids=[Path(name).stem for name in ENGLISH])
def test_run_all_twice(open_notebook: OpenNotebook, artifacts: Path, name: str) -> None:
    """Run All, then Run All again in the same kernel: both runs without an error or a broken widget."""
    notebook = open_notebook(f"en/{name}")
    run_all_clean(notebook)
    first = notebook.last_count
    run_all_clean(notebook)
    assert min(notebook.counts()) > first, "the second Run All did not run every cell again"
    notebook.screenshot(artifacts / f"{Path(name).stem}.jpg")


def calculator_output(notebook: NotebookPage) -> tuple[str, str]:
    """The calculator's table (text) and plot (the image's data URL)."""
    output = notebook.page.locator(".jp-OutputArea-output .widget-output").first
    return output.locator("pre").first.inner_text(), output.locator("img").first.get_attribute("src") or ""


def test_calculator_updates(open_notebook: OpenNotebook, artifacts: Path) -> None:
    """Changing the calculator's inputs in the browser redraws its table (the numbers helpers.cost computes for the
    new inputs) and its plot."""
    notebook = open_notebook(CALCULATOR)
    run_all_clean(notebook)
    page = notebook.page
    widget = page.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox").first
    widget.scroll_into_view_if_needed()
    table, plot = calculator_output(notebook)
    assert table.strip() and plot.startswith("data:image/png"), "the calculator shows no table or no plot"
    first_plot_blank = blank(plot)
    assert not first_plot_blank, "the calculator's first plot is blank"
    page.screenshot(path=str(artifacts / "06-calculator-before.png"))

    model = widget.locator("select").first
    # ipywidgets writes the options' spaces as no-break spaces
    shown, options = model.evaluate("s => [s.selectedIndex, [...s.options].map(o => o.text.replace(/\\u00a0/g, ' '))]")
    index, other = next((n, name) for n, name in enumerate(options) if n != shown)
    model.select_option(index=index)
    page.get_by_label("input tokens").fill("123456")
    page.get_by_label("input tokens").press("Enter")
    page.get_by_label("requests/day").fill("4321")
    page.get_by_label("requests/day").press("Enter")

    chosen = next(m for m in cost.premium_models() if m.display_name == other)
    geography = widget.locator("select").nth(1)  # its choices follow the model's geographies
    # Every change is one update in the kernel; wait for the last: the table of all three new inputs, a new plot
    # (decoded), and the kernel idle again.
    deadline = time.monotonic() + 30
    while True:
        region = geography.evaluate("s => s.options[s.selectedIndex]?.text ?? ''")
        expected = str(cost.monthly_table([chosen.key], 123_456, 500, 4_321, ("global", region)))
        new_table, new_plot = calculator_output(notebook)
        settled = squeeze(new_table) == squeeze(expected) and new_plot not in ("", plot) and page.evaluate(
            """() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status === 'idle'
                && [...document.querySelectorAll('.widget-output img')].every(i => i.complete && i.naturalWidth)""")
        if settled or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "06-calculator-after.png"))
    assert squeeze(new_table) == squeeze(expected), f"the table is not the new inputs' cost:\n{new_table}"
    assert new_plot != plot and new_plot.startswith("data:image/png"), "the plot did not change"
    new_plot_blank = blank(new_plot)  # not in the assert: pytest would print the whole image
    assert not new_plot_blank, "the plot is drawn, but blank (one colour): nothing on it after the update"
    assert notebook.problems() == []


def blank(data_url: str) -> bool:
    """Whether the image (a data: URL) is one flat colour: drawn, but with nothing on it."""
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L")
    low, high = image.getextrema()
    return low == high


def squeeze(text: str) -> str:
    """Text as compared across renderings: runs of blanks as one space, no blank lines."""
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("path", list(EDITIONS), ids=[path.split("/")[0] for path in EDITIONS])
def test_edition_speaks_its_language(open_notebook: OpenNotebook, artifacts: Path, path: str) -> None:
    """A ja/ and a zh-TW/ notebook run cleanly in the browser, and connect() speaks the edition's language."""
    notebook = open_notebook(path)
    run_all_clean(notebook)
    banner = "\n".join(out["text"] for out in notebook.cells()[0]["outputs"])
    assert EDITIONS[path] in banner, f"connect() in {path} did not speak the edition's language:\n{banner}"
    assert ENGLISH_NOTE not in banner
    notebook.screenshot(artifacts / f"{path.split('/')[0]}-{Path(path).stem}.jpg")

