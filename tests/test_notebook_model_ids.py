"""No notebook calls a model that is Legacy or retired, except the guide's own samples, shown verbatim.

Like claude-cookbooks' deprecated-model check, but driven by the catalog: every Bedrock model id written
in a code cell must name an Active model today. The one exception is a cell tagged ``guide-sample``,
which reproduces the guide's code as published (Claude Sonnet 4.5) so the notebook can show what
happens to it today; such a cell may use only the guide's sample model. Everything else takes its model
from ``helpers.catalog.lesson(...)``, so a lifecycle change is one edit in models.toml.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import catalog, i18n

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
MODEL_ID = re.compile(r"(?:(?:global|us|eu|jp|apac|au|us-gov)\.)?anthropic\.claude-[a-z0-9.:-]+")
GUIDE_TAG = "guide-sample"


def code_cells(path: Path) -> list[tuple[int, str, list[str]]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, "".join(c["source"]), c.get("metadata", {}).get("tags", []))
            for i, c in enumerate(cells) if c["cell_type"] == "code"]


def problems_in(cells: list[tuple[int, str, list[str]]]) -> list[str]:
    guide = catalog.guide_sample_model()
    problems = []
    for index, source, tags in cells:
        for found in MODEL_ID.findall(source):
            try:
                model = catalog.resolve(found).model
            except catalog.UnknownModelError as e:
                problems.append(f"cell {index}: {e}")
                continue
            state = model.lifecycle()
            if GUIDE_TAG in tags:
                if model is not guide:
                    problems.append(f"cell {index} (tagged {GUIDE_TAG}) uses {found}, not the guide's "
                                    f"{guide.display_name}")
            elif state != catalog.ACTIVE:
                problems.append(f"cell {index}: {found} is {state} today; take the model from "
                                "helpers.catalog.lesson(...) (or tag a verbatim guide sample)")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_model_ids_in_code_are_active_or_the_guides_samples(path: Path) -> None:
    problems = problems_in(code_cells(path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_check_itself() -> None:
    """Untagged Legacy or retired ids are reported; a tagged guide sample may use only the guide's model."""
    guide = catalog.guide_sample_model()
    retired = next(m for m in catalog.models() if m.lifecycle() == catalog.END_OF_LIFE and m.geographies)
    active = catalog.lesson("default")
    call = 'client.messages.create(model="{}")'
    cells = [(0, call.format(active.profile_id("global")), []),
             (1, call.format(f"us.{guide.base_id}"), [GUIDE_TAG]),
             (2, call.format(retired.profile_id(retired.geographies[0])), []),
             (3, call.format(f"us.{guide.base_id}"), []),
             (4, call.format(retired.profile_id(retired.geographies[0])), [GUIDE_TAG]),
             (5, call.format("anthropic.claude-no-such-model-v9:0"), [])]
    found = problems_in(cells)
    assert [p.split(":")[0].split(" (")[0] for p in found] == ["cell 2", "cell 3", "cell 4", "cell 5"]


# Each edition's Sources heading and "read" date, as the translators wrote them in every notebook.
SOURCES = {"en": ("## Sources", r" \(read (?P<read>\d{4}-\d\d-\d\d)\)"),
           "ja": ("## 出典", r"（(?P<read>\d{4}-\d\d-\d\d) 確認）"),
           "zh-TW": ("## 參考資料", r"（讀取日期 (?P<read>\d{4}-\d\d-\d\d)）")}


def source_lines(path: Path) -> list[re.Match[str]]:
    heading, read = SOURCES[path.parent.name]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sections = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
                and "".join(c["source"]).lstrip().startswith(heading)]
    assert sections, f"{path.name}: no '{heading}' section"
    return list(re.finditer(rf"^- \[(?P<title>[^\]]+)\]\((?P<url>[^)]+)\)(?:{read})?", sections[-1], re.M))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_sources_section_matches_the_catalog(path: Path) -> None:
    """Every notebook ends with a Sources section whose links and read dates are the catalog's own, so the
    page cannot drift from models.toml. An edition lists the same sources as English, each linked to the
    page in its language where the site publishes one (helpers.i18n.localized_url), else to the original."""
    edition = path.parent.name
    by_url = {}
    for source in catalog.load().sources.values():
        by_url[source.url] = by_url[i18n.localized_url(source.url, edition)] = source
    lines = source_lines(path)
    assert lines, f"{path.name}: the Sources section lists no links"
    for line in lines:
        source = by_url.get(line["url"])
        assert source, f"{path.name}: {line['url']} is not in models.toml [sources] (nor its {edition} page)"
        assert line["read"] in (None, source.read.isoformat()), (path.name, line["url"], line["read"], source.read)
    if edition != "en":
        english = [by_url[m["url"]].url for m in source_lines(path.parents[1] / "en" / path.name)]
        assert [by_url[m["url"]].url for m in lines] == english, "the edition lists other sources than English"
