"""Committed notebooks: executed, error-free, secret-free, and editions with identical code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
EMULATOR_ACCOUNT = "123456789012"

ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
SECRET_LIKE = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
API_KEY = re.compile(r"\bABSK[A-Za-z0-9+/=]{16,}")
ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
# The cell tags nbval honours (nbval/plugin.py).
NBVAL_TAGS = {"nbval-ignore-output", "nbval-check-output", "nbval-raises-exception", "nbval-skip", "raises-exception"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def scanned_text(path: Path) -> str:
    """The notebook's text without what is not text and could read as an account id by chance: base64 PNG/JPEG
    payloads (a plot's pixels) and the editions' translation fingerprints (12 hex digits of a hash of the English,
    checked by tests/test_editions.py). Everything a person can read, SVG and HTML included, is kept."""
    notebook = load(path)
    for cell in notebook["cells"]:
        cell.get("metadata", {}).pop("translation", None)
        for out in cell.get("outputs", []):
            for mime in ("image/png", "image/jpeg", "image/gif", "image/webp"):
                out.get("data", {}).pop(mime, None)
    return json.dumps(notebook, ensure_ascii=False)


def code_cells(path: Path) -> list[dict]:
    return [c for c in load(path)["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks() -> None:
    assert any(p.parent.name == "en" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
class TestCommittedNotebook:
    """Structure and security of one committed notebook."""

    def test_executed_without_errors(self, path: Path) -> None:
        for cell in code_cells(path):
            assert cell["execution_count"] is not None, "run `make notebooks` to store outputs"
            assert all(o["output_type"] != "error" for o in cell["outputs"])

    def test_no_credentials_or_foreign_accounts(self, path: Path) -> None:
        text = scanned_text(path)
        assert not ACCESS_KEY.search(text), "an AWS access key id is committed"
        assert not API_KEY.search(text), "a Bedrock API key is committed"
        assert not SECRET_LIKE.search(text), "a secret-looking 40-character string is committed"
        assert set(ACCOUNT.findall(text)) <= {EMULATOR_ACCOUNT}, "an account id other than the emulator's"

    def test_nbval_markers_are_tags(self, path: Path) -> None:
        """Learners never see nbval markers: they are cell tags (which nbval reads), not comments."""
        for cell in code_cells(path):
            assert "NBVAL_" not in "".join(cell["source"]), "use the cell tag (e.g. nbval-ignore-output)"
            nbval_tags = {t for t in cell["metadata"].get("tags", []) if t.startswith(("nbval", "raises"))}
            assert nbval_tags <= NBVAL_TAGS, f"nbval does not know {nbval_tags - NBVAL_TAGS}"

    def test_no_terminal_spinners_in_outputs(self, path: Path) -> None:
        """npm draws a braille spinner under a terminal (`!npx` cells); .npmrc turns it off for everyone."""
        for cell in code_cells(path):
            for out in cell["outputs"]:
                text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
                assert not re.search("[\u2800-\u28ff]", text), "spinner glyphs in a committed output"

    def test_python_kernel(self, path: Path) -> None:
        assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


def test_editions_share_their_code() -> None:
    """ja/ and zh-TW/ translate the prose only: their code cells equal the English ones."""
    for path in NOTEBOOKS:
        if path.parent.name != "en":
            english = path.parent.parent / "en" / path.name
            assert english.exists(), f"{path} has no English original"
            assert [c["source"] for c in code_cells(path)] == [c["source"] for c in code_cells(english)]


def test_notebook_folders_hold_only_notebooks_and_data() -> None:
    """Cells write generated files (e.g. hello_bedrock.ts) to workspace/, never next to the notebooks."""
    folder = ROOT / "notebooks"
    stray = [p for p in folder.rglob("*") if p.is_file() and p.suffix not in {".ipynb", ".cfg"}
             and not {"data", ".ipynb_checkpoints"} & set(p.relative_to(folder).parts)]
    assert not stray, f"generated files in notebooks/: {stray}"
