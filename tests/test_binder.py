"""binder/ stays consistent with requirements.txt and never lets a public Binder hold credentials."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def requirement_lines(path: Path) -> list[str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("-r")]


def environment() -> dict:
    return yaml.safe_load((BINDER / "environment.yml").read_text())


def test_pip_list_matches_requirements() -> None:
    pip = next(d["pip"] for d in environment()["dependencies"] if isinstance(d, dict))
    assert sorted(pip) == sorted(requirement_lines(ROOT / "requirements.txt"))


def test_conda_provides_python_node_and_cli_v2() -> None:
    conda = [d for d in environment()["dependencies"] if isinstance(d, str)]
    assert "nodejs>=20" in conda and "awscli>=2.13.23" in conda
    assert any(re.fullmatch(r"python=3\.1[1-9]", d) for d in conda)
    assert environment()["channels"] == ["conda-forge"]


def test_requirements_never_install_the_cli() -> None:
    """PyPI's awscli is v1, which would shadow a learner's v2 inside the notebooks' environment."""
    names = [re.split(r"[<>=\[; ]", line)[0].lower() for line in requirement_lines(ROOT / "requirements.txt")]
    assert "awscli" not in names


def test_start_forces_offline_and_execs() -> None:
    start = (BINDER / "start").read_text()
    assert "export HANDSON_MODE=offline" in start and "AWS_SECRET_ACCESS_KEY" in start
    assert start.rstrip().endswith('exec "$@"')
    assert os.access(BINDER / "start", os.X_OK)


def test_post_build_installs_helpers_and_the_ts_sdk() -> None:
    post = (BINDER / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post and "npm ci" in post
    assert os.access(BINDER / "postBuild", os.X_OK)


def test_readme_badge_opens_the_first_notebook_in_lab() -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"\(https://mybinder\.org/v2/gh/[^/\s]+/[^/\s]+/main\?urlpath=lab/tree/([^)\s]+)\)", readme)
    assert match, "README needs a Binder badge that opens JupyterLab"
    assert match.group(1) == "notebooks/en/01_setup_checks.ipynb" and (ROOT / match.group(1)).exists()


BINDER_LINK = re.compile(r"\(https://mybinder\.org/v2/gh/([^/\s]+/[^/\s]+)/main\?urlpath=lab/tree/([^)\s]+)\)")


@pytest.mark.parametrize(("readme", "edition"), [("README.md", "en"), ("README.ja.md", "ja"),
                                                 ("README.zh-TW.md", "zh-TW")])
def test_each_readme_opens_its_edition_on_binder_and_links_the_others(readme: str, edition: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    links = BINDER_LINK.findall(text)
    assert links, f"{readme} needs a Binder badge"
    assert links[0][1] == f"notebooks/{edition}/01_setup_checks.ipynb", "the first badge opens this edition"
    assert {repo for repo, _ in links} == {BINDER_LINK.findall((ROOT / "README.md").read_text())[0][0]}
    assert all((ROOT / path).exists() for _, path in links)
    first_lines = "\n".join(text.splitlines()[:4])
    for other in {"README.md", "README.ja.md", "README.zh-TW.md"} - {readme}:
        assert f"]({other})" in first_lines, f"{readme} links {other} at the top"
