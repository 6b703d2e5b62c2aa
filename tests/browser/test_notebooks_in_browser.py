"""Every English notebook in JupyterLab in Chromium: Run All, then Run All again in the same kernel, and nothing
errs, no widget fails; the 06 calculator answers its inputs; the ja/ and zh-TW/ editions speak their language.

nbval proves the code prints what is committed; this proves what a learner sees in the browser: the lab's own
Run All, the widgets' JavaScript, the notebook's language. Select with ``-m browser``."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import catalog, cost

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
    page.screenshot(path=str(artifacts / "06-calculator-before.png"))

    model = widget.locator("select").first
    options = [o for o in model.locator("option").all_inner_texts()]
    other = next(name for name in options if name != model.locator("option:checked").inner_text())
    model.select_option(label=other)
    page.get_by_label("input tokens").fill("123456")
    page.get_by_label("input tokens").press("Enter")
    page.get_by_label("requests/day").fill("4321")
    page.get_by_label("requests/day").press("Enter")

    chosen = next(m for m in cost.premium_models() if m.display_name == other)
    geography = widget.locator("select").nth(1).input_value()
    expected = str(cost.monthly_table([chosen.key], 123_456, 500, 4_321, ("global", geography)))
    try:
        page.wait_for_function("""([before, plot]) => {
            const out = document.querySelector('.jp-OutputArea-output .widget-output');
            const img = out?.querySelector('img'), pre = out?.querySelector('pre');
            return pre && img && pre.innerText !== before && img.src !== plot && pre.innerText.includes('123,456');
        }""", arg=[table, plot], timeout=30_000)
    finally:
        page.screenshot(path=str(artifacts / "06-calculator-after.png"))
    new_table, new_plot = calculator_output(notebook)
    assert squeeze(new_table) == squeeze(expected), f"the table is not the new inputs' cost:\n{new_table}"
    assert new_plot != plot and new_plot.startswith("data:image/png")
    assert notebook.problems() == []
    assert catalog.model(chosen.key).display_name in new_table


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
