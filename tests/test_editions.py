"""The Japanese and Traditional Chinese editions: parity with English, and the tool that keeps it.

The parity test reads the committed notebooks. The tool's tests run tools/editions.py on a copy of one
English notebook in a temporary folder, through its command line, as a maintainer would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402  (tools/ is not a package: the script itself is under test)

ENGLISH = sorted((ROOT / "notebooks" / "en").glob("*.ipynb"))


@pytest.mark.parametrize("edition", editions.EDITIONS)
@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.stem)
def test_edition_has_the_english_cells_tags_and_code(path: Path, edition: str) -> None:
    target = ROOT / "notebooks" / edition / path.name
    assert target.exists(), f"{target.relative_to(ROOT)} is missing: run `make editions`"
    report = editions.compare(editions.read(path), editions.read(target), target)
    assert report.in_step, "\n".join([*report.structure, *report.code, "run `make editions`, then `make notebooks`"])
    assert not report.untranslated, f"prose still in English: {report.untranslated}"
    if report.stale:  # the English moved on: worth a translator's look, not a reason to block a change
        warnings.warn(f"{target.relative_to(ROOT)}: English changed since translated: {report.stale}", stacklevel=1)


def test_every_edition_folder_holds_only_translated_notebooks() -> None:
    for edition in editions.EDITIONS:
        names = {p.name for p in (ROOT / "notebooks" / edition).glob("*.ipynb")}
        assert names == {p.name for p in ENGLISH}, f"{edition}/ has notebooks English does not"


def test_editions_speak_their_language() -> None:
    """The committed outputs were made in the edition's folder, so helpers printed in its language."""
    banner = {"en": "Offline: a local Bedrock emulator", "ja": "オフライン", "zh-TW": "離線"}
    for edition, words in banner.items():
        first = editions.read(ROOT / "notebooks" / edition / "01_setup_checks.ipynb")
        outputs = [o for c in first.cells if c.cell_type == "code" for o in c.outputs]
        text = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in outputs[:2])
        assert words in text, f"{edition}: the connect() banner is not in its language"


# --- the tool, on a scratch copy ---------------------------------------------------------------------------

NAME = "03_request_styles.ipynb"


@pytest.fixture
def books(tmp_path: Path) -> Path:
    (tmp_path / "en").mkdir()
    shutil.copy(ROOT / "notebooks" / "en" / NAME, tmp_path / "en" / NAME)
    return tmp_path


def tool(books: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "editions.py"), "--notebooks", str(books), *args],
                          capture_output=True, text=True, timeout=120, cwd=books)


def english(books: Path) -> nbformat.NotebookNode:
    return editions.read(books / "en" / NAME)


def save_english(books: Path, notebook: nbformat.NotebookNode) -> None:
    editions.write(notebook, books / "en" / NAME)


def first(notebook: nbformat.NotebookNode, kind: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.cell_type == kind)


def translate_all(books: Path, edition: str = "ja") -> None:
    """Export, 'translate' every prose cell (a marker prefix stands in for a translator), import."""
    exported = tool(books, "export", edition, NAME)
    assert exported.returncode == 0, exported.stderr
    translated = "\n".join(line if line.startswith("<!--") or not line.strip() else f"訳 {line}"
                           for line in exported.stdout.splitlines())
    file = books / f"{edition}.md"
    file.write_text(translated, encoding="utf-8")
    assert tool(books, "verify", edition, str(file)).returncode == 0
    done = tool(books, "import", edition, str(file))
    assert done.returncode == 0, done.stdout + done.stderr


def test_sync_creates_an_edition_with_english_prose_listed_as_untranslated(books: Path) -> None:
    out = tool(books, "sync", "--edition", "ja")
    assert out.returncode == 0, out.stdout
    made = editions.read(books / "ja" / NAME)
    en = english(books)
    assert [c.get("id") for c in made.cells] == [c.get("id") for c in en.cells]
    assert all(not c.outputs and c.execution_count is None for c in made.cells if c.cell_type == "code")
    prose = sum(c.cell_type == "markdown" for c in en.cells)
    assert f"{prose} prose cells to translate" in out.stdout and "not translated yet" in out.stdout
    assert "run `make notebooks`" in out.stdout


def test_export_verify_import_round_trip(books: Path) -> None:
    tool(books, "sync", "--edition", "ja")
    translate_all(books)
    made = editions.read(books / "ja" / NAME)
    assert first(made, "markdown").source.startswith("訳 ")
    assert first(made, "code").source == first(english(books), "code").source
    out = tool(books, "status", "--edition", "ja")
    assert out.returncode == 0 and "0 prose cells to translate" in out.stdout


def test_a_changed_english_code_cell_fails_check_until_synced_and_loses_its_stale_outputs(books: Path) -> None:
    tool(books, "sync", "--edition", "ja")
    translate_all(books)
    edition = editions.read(books / "ja" / NAME)
    code = first(edition, "code")
    code.outputs, code.execution_count = [nbformat.v4.new_output("stream", text="old\n")], 1
    editions.write(edition, books / "ja" / NAME)
    en = english(books)
    first(en, "code").source += "\nprint('new line')"
    save_english(books, en)

    checked = tool(books, "check", "--edition", "ja")
    assert checked.returncode == 1
    synced = tool(books, "sync", "--edition", "ja")
    assert "run `make notebooks`" in synced.stdout
    after = first(editions.read(books / "ja" / NAME), "code")
    assert after.source.endswith("print('new line')") and after.outputs == [] and after.execution_count is None
    assert tool(books, "check", "--edition", "ja").returncode == 0
    assert first(editions.read(books / "ja" / NAME), "markdown").source.startswith("訳 ")  # translation kept


def test_changed_english_prose_is_listed_stale_and_the_translation_kept(books: Path) -> None:
    tool(books, "sync", "--edition", "ja")
    translate_all(books)
    en = english(books)
    cell = first(en, "markdown")
    cell.source += "\n\nOne more English sentence."
    save_english(books, en)

    out = tool(books, "sync", "--edition", "ja")
    assert out.returncode == 0  # in step: only prose moved
    assert f"({cell.get('id')}): English changed since it was translated" in out.stdout
    assert "1 prose cells to translate" in out.stdout
    assert first(editions.read(books / "ja" / NAME), "markdown").source.startswith("訳 ")
    exported = tool(books, "export", "ja", NAME).stdout
    assert "English changed" in exported and "One more English sentence." in exported


def test_inserted_removed_and_retagged_cells_follow_english(books: Path) -> None:
    tool(books, "sync", "--edition", "ja")
    translate_all(books)
    en = english(books)
    removed = en.cells.pop(1)
    new = nbformat.v4.new_markdown_cell("A brand-new English cell.")
    en.cells.insert(2, new)
    code = first(en, "code")
    code.metadata["tags"] = [*code.metadata.get("tags", []), "nbval-ignore-output"]
    save_english(books, en)

    assert tool(books, "check", "--edition", "ja").returncode == 1
    out = tool(books, "sync", "--edition", "ja")
    made = editions.read(books / "ja" / NAME)
    assert [c.get("id") for c in made.cells] == [c.get("id") for c in en.cells]
    assert removed.get("id") not in {c.get("id") for c in made.cells}
    assert made.cells[2].source == "A brand-new English cell." and "not translated yet" in out.stdout
    assert "nbval-ignore-output" in first(made, "code").metadata["tags"]


def test_import_refuses_unknown_and_code_cells_and_writes_nothing(books: Path) -> None:
    tool(books, "sync", "--edition", "ja")
    before = (books / "ja" / NAME).read_bytes()
    code_id = first(english(books), "code").get("id")
    file = books / "bad.md"
    file.write_text(f"<!-- ja/{NAME}: header -->\n<!-- cell nosuchcell -->\nx\n\n<!-- cell {code_id} -->\nprint()\n",
                    encoding="utf-8")
    out = tool(books, "import", "ja", str(file))
    assert out.returncode == 1
    assert "nosuchcell: not in the English notebook" in out.stderr and "a code cell" in out.stderr
    assert (books / "ja" / NAME).read_bytes() == before


def test_import_refuses_a_file_for_another_edition(books: Path) -> None:
    tool(books, "sync")
    file = books / "zh.md"
    file.write_text(tool(books, "export", "zh-TW", NAME).stdout, encoding="utf-8")
    out = tool(books, "import", "ja", str(file))
    assert out.returncode == 2 and "header" in out.stderr


def test_verify_names_missing_markers_and_lost_inline_code(books: Path) -> None:
    exported = tool(books, "export", "ja", NAME).stdout
    prose = [c for c in english(books).cells if c.cell_type == "markdown"]
    with_code = next(c for c in prose if "`" in c.source)
    lost = exported.replace(f"<!-- cell {prose[0].get('id')} -->", "")
    lost = lost.replace(with_code.source.rstrip(), "翻訳（コードなし）")
    file = books / "v.md"
    file.write_text(lost, encoding="utf-8")
    out = tool(books, "verify", "ja", str(file))
    assert out.returncode == 1
    assert f"cell {prose[0].get('id')}: missing" in out.stdout
    assert f"cell {with_code.get('id')}: inline code not kept" in out.stdout


def test_verify_reads_a_code_span_broken_across_lines_as_one() -> None:
    assert editions.spans("run `pip install\nfoo` now") == {"pip install foo"}


def test_verify_skips_fenced_blocks_when_it_pairs_backticks() -> None:
    text = "Before `a`.\n\n```json\n{\"k\": \"`\"}\n```\n\nAfter `b`."
    assert editions.spans(text) == {"a", "b"}


def test_verify_accepts_the_readers_page_and_names_a_link_to_another(books: Path) -> None:
    en = english(books)
    cell = first(en, "markdown")
    cell.source += "\n\nSee [the guide](https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference.html)."
    save_english(books, en)
    exported = tool(books, "export", "ja", NAME).stdout
    good = exported.replace("https://docs.aws.amazon.com/bedrock/", "https://docs.aws.amazon.com/ja_jp/bedrock/")
    bad = exported.replace("userguide/batch-inference.html", "userguide/what-is-bedrock.html")
    for text, expected in ((good, False), (bad, True)):
        (books / "l.md").write_text(text, encoding="utf-8")
        out = tool(books, "verify", "ja", str(books / "l.md")).stdout
        assert ("links not kept" in out) is expected, out
