"""binder/ builds the environment the README promises, starts offline and opens each edition's first notebook.

Two halves. The first parses binder/environment.yml, requirements*.txt, pyproject.toml, package.json and
package-lock.json and compares them package by package (a failure names the package that drifted). The second
runs binder/postBuild and binder/start as repo2docker would, as far as that goes without conda: in a copy of the
tracked files, with a scratch venv that reuses the packages installed here (nothing but pip's build backend is
fetched) and `npm ci --prefer-offline` from npm's cache. The shared .venv and node_modules are never touched.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from helpers import catalog

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
EDITIONS = ("en", "ja", "zh-TW")
READMES = {"README.md": "en", "README.ja.md": "ja", "README.zh-TW.md": "zh-TW"}
# The issue F pins (README, "The SDK version trap"): both SDKs stay below the major that sends a newer
# anthropic_version by default.
PYTHON_SDK, PYTHON_SDK_NEXT_MAJOR = "anthropic", "2.0.0"
TS_SDK, TS_SDK_NEXT_MAJOR = "@anthropic-ai/bedrock-sdk", "1.0.0"
EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+")


# --- Reading the files ------------------------------------------------------------------------------------------

def requirements(path: Path) -> dict[str, Requirement]:
    """The requirements of a pip requirements file (following ``-r``), by canonical name."""
    found: dict[str, Requirement] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            found.update(requirements(path.parent / line.split(maxsplit=1)[1]))
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name not in found, f"{path.name}:{number}: {requirement.name} is listed twice"
        found[name] = requirement
    return found


def environment() -> dict:
    return yaml.safe_load((BINDER / "environment.yml").read_text(encoding="utf-8"))


def binder_pip() -> dict[str, Requirement]:
    lists = [d["pip"] for d in environment()["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(lists) == 1, "binder/environment.yml needs exactly one `- pip:` list"
    found: dict[str, Requirement] = {}
    for line in lists[0]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name not in found, f"binder/environment.yml lists {requirement.name} twice under pip"
        found[name] = requirement
    return found


def conda_spec(spec: str) -> SpecifierSet:
    """A conda version spec as a PEP 440 one: conda's ``=3.11`` is ``==3.11.*``."""
    if re.fullmatch(r"=\d+(\.\d+)*", spec):
        return SpecifierSet(f"={spec}.*")
    return SpecifierSet(spec)


def binder_conda() -> dict[str, SpecifierSet]:
    """The conda packages of binder/environment.yml and their version specs."""
    found: dict[str, SpecifierSet] = {}
    for dependency in environment()["dependencies"]:
        if isinstance(dependency, dict):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(\S*)", dependency.strip())
        assert match, f"binder/environment.yml: cannot read the conda dependency {dependency!r}"
        try:
            found[match[1].lower()] = conda_spec(match[2])
        except InvalidSpecifier:
            pytest.fail(f"binder/environment.yml: {match[1]}'s version spec {match[2]!r} is not one this test reads")
    return found


def lower_bound(specifiers: SpecifierSet, what: str) -> Version:
    bounds = [Version(s.version.removesuffix(".*")) for s in specifiers if s.operator in (">=", "==")]
    assert len(bounds) == 1, f"{what}: expected one lower bound (>=X or =X), got {str(specifiers)!r}"
    return bounds[0]


def parsed_requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def package_json() -> dict:
    return json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


def package_lock() -> dict:
    return json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))


def tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the tracked files (what Binder clones) are unknown")
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout, so what Binder clones is unknown: {listed.stderr.strip()}")
    return [name for name in listed.stdout.split("\0") if name]


# --- npm's semver ranges, the subset package-lock.json's engines fields use --------------------------------------

NPM_COMPARATOR = re.compile(r"(>=|<=|>|<|=|\^|~)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?")


def npm_range_allows(version: Version, npm_range: str) -> bool:
    """Whether ``version`` satisfies an npm range such as ``>=18``, ``^8.16.0 || >=11`` or ``~4.2``."""
    for alternative in npm_range.split("||"):
        comparators = re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", alternative.strip()).split()
        if all(_npm_comparator_allows(version, c, npm_range) for c in comparators):
            return True
    return False


def _npm_comparator_allows(version: Version, comparator: str, whole: str) -> bool:
    match = NPM_COMPARATOR.fullmatch(comparator)
    if not match:
        raise ValueError(f"npm range {whole!r}: {comparator!r} is not a comparator this test reads; extend it")
    operator, major, minor, patch = match.groups()
    parts = [int(p) if p and p.isdigit() else None for p in (major, minor, patch)]
    given = Version(".".join(str(p or 0) for p in parts))
    if operator in (">=", ">", "<", "<="):
        return {">=": version >= given, ">": version > given, "<": version < given, "<=": version <= given}[operator]
    if operator == "^":  # up to the next change of the first non-zero part
        first = next((i for i, p in enumerate(parts) if p), 2)
        upper = [*(p or 0 for p in parts[:first]), (parts[first] or 0) + 1]
    elif operator == "~" and parts[1] is not None:
        upper = [parts[0], parts[1] + 1]
    elif None not in parts:
        return version == given
    else:  # "20", "~20", "20.x": everything under the given parts
        upper = [p for p in parts if p is not None]
        upper[-1] += 1
    return given <= version < Version(".".join(map(str, upper)))


def test_npm_range_reader() -> None:
    assert npm_range_allows(Version("20"), ">= 14.0.0") and npm_range_allows(Version("20"), "^8.16.0 || >=11.0.0")
    assert not npm_range_allows(Version("20"), ">=22") and not npm_range_allows(Version("20"), "^18.0.0")
    assert npm_range_allows(Version("20.3"), "20.x") and not npm_range_allows(Version("21"), "~20")
    assert npm_range_allows(Version("0.2.5"), "^0.2.1") and not npm_range_allows(Version("0.3"), "^0.2.1")
    with pytest.raises(ValueError, match="extend it"):
        npm_range_allows(Version("20"), "20 - 22")


# --- What binder/environment.yml installs against what the README promises ---------------------------------------

def test_pip_list_is_requirements_txt_package_by_package() -> None:
    """Same packages, same versions, extras and markers: the notebooks' environment is requirements.txt."""
    promised, binder = requirements(ROOT / "requirements.txt"), binder_pip()
    problems = []
    for name in sorted(promised.keys() | binder.keys()):
        want, got = promised.get(name), binder.get(name)
        if got is None:
            problems.append(f"{want.name}: in requirements.txt ({want}) but not in binder/environment.yml")
        elif want is None:
            problems.append(f"{got.name}: in binder/environment.yml ({got}) but not in requirements.txt")
        else:
            for field in ("specifier", "extras", "marker"):
                if getattr(want, field) != getattr(got, field):
                    problems.append(f"{want.name}: {field} {getattr(got, field)} in binder/environment.yml, "
                                    f"{getattr(want, field)} in requirements.txt")
    assert not problems, "binder/environment.yml drifted from requirements.txt:\n" + "\n".join(problems)


def test_sdk_pins_of_the_version_trap_hold_on_binder_and_in_the_lock() -> None:
    anthropic = binder_pip()[PYTHON_SDK]
    assert "bedrock" in anthropic.extras, f"binder/environment.yml: {anthropic} needs the [bedrock] extra"
    assert not anthropic.specifier.contains(PYTHON_SDK_NEXT_MAJOR, prereleases=True), (
        f"binder/environment.yml: {anthropic} allows {PYTHON_SDK} {PYTHON_SDK_NEXT_MAJOR}, which sends the "
        "anthropic_version the guide's models refuse (README, The SDK version trap)")
    pin = package_json()["dependencies"][TS_SDK]
    assert EXACT_VERSION.fullmatch(pin), f"package.json: {TS_SDK} must be an exact version, not {pin!r}"
    assert Version(pin) < Version(TS_SDK_NEXT_MAJOR), f"package.json: {TS_SDK} {pin} is not below 1.0"
    locked = package_lock()["packages"].get(f"node_modules/{TS_SDK}", {}).get("version")
    assert locked == pin, f"package-lock.json installs {TS_SDK} {locked}, package.json pins {pin}: run `npm install`"
    # The README's statement of the pins (its code spans that are requirements with a version).
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = [r for r in map(parsed_requirement, re.findall(r"`([^`\n]+)`", readme))
              if r and r.name == PYTHON_SDK and r.specifier]
    assert stated, f"README.md states the {PYTHON_SDK} pin (as `{anthropic}`)"
    assert all((r.specifier, r.extras) == (anthropic.specifier, anthropic.extras) for r in stated), \
        f"README.md states {[str(r) for r in stated]}, binder/environment.yml installs {anthropic}"
    assert f"`{TS_SDK}` {pin}" in readme, f"README.md states the {TS_SDK} pin: `{TS_SDK}` {pin}"


def test_package_lock_is_package_json() -> None:
    """postBuild runs `npm ci`, which installs package-lock.json: its root must be package.json."""
    manifest, lock = package_json(), package_lock()["packages"]
    problems = [f"{field}: {lock[''].get(field)} in package-lock.json, {manifest.get(field)} in package.json"
                for field in ("dependencies", "devDependencies", "engines")
                if lock[""].get(field) != manifest.get(field)]
    for group in ("dependencies", "devDependencies"):
        for name, pin in manifest.get(group, {}).items():
            locked = lock.get(f"node_modules/{name}", {}).get("version")
            if EXACT_VERSION.fullmatch(pin) and locked != pin:
                problems.append(f"{name}: {locked} in package-lock.json, {pin} in package.json")
    assert not problems, "package-lock.json drifted (run `npm install` and commit the lock):\n" + "\n".join(problems)


def test_conda_provides_the_promised_python_node_and_cli_v2() -> None:
    conda = binder_conda()
    unknown = conda.keys() - {"python", "nodejs", "awscli", "pip"}
    assert not unknown, f"binder/environment.yml installs {sorted(unknown)} from conda: Python packages belong in " \
                        "requirements.txt and the pip list; say here why one cannot"
    assert environment()["channels"] == ["conda-forge"], "conda-forge is the channel with AWS CLI v2 and Node.js"
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    python = lower_bound(conda["python"], "binder/environment.yml python")
    assert SpecifierSet(requires_python).contains(python), \
        f"binder/environment.yml: python {python} is outside pyproject.toml's requires-python {requires_python}"
    engines = package_json()["engines"]["node"]
    node = lower_bound(conda["nodejs"], "binder/environment.yml nodejs")
    assert re.fullmatch(r">=\s*\d+(\.\d+)*", engines), f"package.json engines.node {engines!r}: expected >=X"
    assert node == Version(engines.lstrip(">= ")), \
        f"nodejs: binder/environment.yml starts at {node}, package.json engines.node says {engines}"
    cli_floor = Version(str(catalog.general("aws_cli_v2_minimum").value))
    assert lower_bound(conda["awscli"], "binder/environment.yml awscli") == cli_floor, \
        f"awscli: binder/environment.yml must start at the catalog's aws_cli_v2_minimum {cli_floor}"


def test_every_locked_node_package_runs_on_the_oldest_node_binder_may_install() -> None:
    oldest = lower_bound(binder_conda()["nodejs"], "binder/environment.yml nodejs")
    refusing = [f"{path.removeprefix('node_modules/')} {info['version']} needs node {info['engines']['node']}"
                for path, info in package_lock()["packages"].items()
                if path and "node" in info.get("engines", {}) and not info.get("optional")
                and not npm_range_allows(oldest, info["engines"]["node"])]
    assert not refusing, f"package-lock.json needs a newer Node.js than {oldest}: raise engines.node and " \
                         "nodejs in binder/environment.yml together:\n" + "\n".join(refusing)


def test_requirements_never_install_the_cli() -> None:
    """PyPI's awscli is v1, which would shadow a learner's v2 inside the notebooks' environment."""
    for path in (ROOT / "requirements.txt", ROOT / "requirements-dev.txt"):
        assert "awscli" not in requirements(path), f"{path.name}: remove awscli (PyPI has only CLI v1)"
    assert "awscli" not in binder_pip(), "binder/environment.yml: awscli comes from conda-forge (v2), never pip"


# --- Everything the notebooks run at run time is in the Binder environment ---------------------------------------

def imported_modules(source: str) -> set[str]:
    tree = ast.parse(source)
    return {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
            for alias in node.names} | {node.module.split(".")[0] for node in ast.walk(tree)
                                        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module}


def code_cells() -> list[tuple[str, str]]:
    return [(path.relative_to(ROOT).as_posix(), "".join(cell["source"]))
            for path in sorted((ROOT / "notebooks").glob("*/*.ipynb"))
            for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]


def installed_closure(roots: list[Requirement]) -> set[str]:
    """The distributions ``roots`` install, dependencies included (read from the metadata installed here)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(r, frozenset(r.extras)) for r in roots]
    while todo:
        requirement, extras = todo.pop()
        key = (canonicalize_name(requirement.name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = metadata.distribution(requirement.name).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            dependency = Requirement(line)
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append((dependency, frozenset(dependency.extras)))
    return {name for name, _ in seen}


def test_binder_installs_everything_the_notebooks_and_helpers_import() -> None:
    """requirements-dev.txt is for the tests and tools: nothing the notebooks run may come only from there."""
    from IPython.core.inputtransformer2 import TransformerManager  # cells hold `!aws …` and `%%writefile`

    to_python = TransformerManager().transform_cell
    importers: dict[str, set[str]] = {}
    for where, source in code_cells():
        for module in imported_modules(to_python(source)):
            importers.setdefault(module, set()).add(where)
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for module in imported_modules(path.read_text(encoding="utf-8")):
            importers.setdefault(module, set()).add(path.relative_to(ROOT).as_posix())
    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    third_party = {m: w for m, w in importers.items() if m not in sys.stdlib_module_names | ours | {"__future__"}}
    installed = installed_closure(list(binder_pip().values()))
    providers = metadata.packages_distributions()
    problems = []
    for module, where in sorted(third_party.items()):
        dists = {canonicalize_name(d) for d in providers.get(module, [])}
        if not dists:
            problems.append(f"{module} (imported by {min(where)}) is not installed here: which package provides it?")
        elif not dists & installed:
            problems.append(f"{module} (imported by {min(where)}) comes from {sorted(dists)}, which Binder does not "
                            "install: add it to requirements.txt and binder/environment.yml")
    assert not problems, "\n".join(problems)


# Commands the notebooks run with `!`, and where Binder gets each: conda packages, or the image itself.
SHELL_COMMANDS = {"aws": "awscli", "npx": "nodejs", "npm": "nodejs", "node": "nodejs"}
IMAGE_COMMANDS = {"grep", "cat", "ls", "head", "tail", "echo", "sed", "wc"}


def test_binder_has_every_command_the_notebooks_run() -> None:
    conda = binder_conda()
    problems = set()
    for where, source in code_cells():
        for line in source.splitlines():
            if not line.lstrip().startswith("!"):
                continue
            words = [w for w in line.lstrip()[1:].split() if not re.fullmatch(r"[A-Z_]+=\S*", w)]
            command = words[0] if words else ""
            if command in SHELL_COMMANDS and SHELL_COMMANDS[command] not in conda:
                problems.add(f"{where} runs `{command}`: binder/environment.yml needs {SHELL_COMMANDS[command]}")
            elif command not in SHELL_COMMANDS and command not in IMAGE_COMMANDS:
                problems.add(f"{where} runs `{command}`: does Binder's image have it? Add it to binder/apt.txt or "
                             "environment.yml, then to this test's lists")
    assert not problems, "\n".join(sorted(problems))


# --- The badges: each README opens its own edition's first notebook ---------------------------------------------

BINDER_LINK = re.compile(r"\(https://mybinder\.org/v2/gh/([^/\s]+/[^/\s]+)/main\?urlpath=lab/tree/([^)\s]+)\)")


def opened_notebooks() -> dict[str, str]:
    """The notebook each README's first Binder badge opens, by the README's edition."""
    return {edition: BINDER_LINK.findall((ROOT / readme).read_text(encoding="utf-8"))[0][1]
            for readme, edition in READMES.items()}


@pytest.mark.parametrize(("readme", "edition"), READMES.items())
def test_each_readme_opens_its_edition_on_binder_and_links_the_others(readme: str, edition: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    links = BINDER_LINK.findall(text)
    assert links, f"{readme} needs a Binder badge that opens JupyterLab (urlpath=lab/tree/…)"
    assert links[0][1] == f"notebooks/{edition}/01_setup_checks.ipynb", f"{readme}: the first badge opens {edition}"
    assert {repo for repo, _ in links} == {BINDER_LINK.findall((ROOT / "README.md").read_text())[0][0]}
    tracked = set(tracked_files())
    for _, path in links:
        assert path in tracked, f"{readme}: a Binder link opens {path}, which is not a tracked file"
        assert re.fullmatch(r"notebooks/(en|ja|zh-TW)/01_setup_checks\.ipynb", path), \
            f"{readme}: a Binder link opens {path}; each opens notebooks/<edition>/01_setup_checks.ipynb"
    first_lines = "\n".join(text.splitlines()[:4])
    for other in READMES.keys() - {readme}:
        assert f"]({other})" in first_lines, f"{readme} links {other} at the top"


# --- postBuild and start, run in a scratch copy -----------------------------------------------------------------

def test_binder_scripts_are_executable_in_git() -> None:
    """repo2docker executes binder/start (and postBuild) from a clone: the mode in git is what counts."""
    staged = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-s", "binder"], capture_output=True, text=True)
    if staged.returncode != 0:
        pytest.skip("not a git checkout")
    modes = {line.split("\t")[1]: line.split()[0] for line in staged.stdout.splitlines()}
    for script in ("binder/postBuild", "binder/start"):
        assert modes.get(script) == "100755", f"{script} must be executable in git: git update-index --chmod=+x"


# Variables that would each give the SDKs credentials (or choose them), set to fakes before binder/start runs.
FAKE_AWS = {name: f"fake-{name.lower()}-must-not-survive" for name in (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")}
# Settings of this session that would point the scratch environment back at the shared one.
DROPPED = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "HANDSON_LANG", "HANDSON_MODE", "PIP_TARGET",
           "PIP_PREFIX", "PIP_USER", "PIP_REQUIRE_VIRTUALENV", "NODE_PATH")


@dataclass
class Scratch:
    repo: Path
    venv: Path
    env: dict[str, str]
    npm: bool
    shared_before: dict[str, object]


def shared_state() -> dict[str, object]:
    """What postBuild must leave alone: the shared venv's packages and the checkout's node_modules."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    lock = ROOT / "node_modules" / ".package-lock.json"
    return {"packages": sorted(p.name for p in purelib.iterdir()),
            "node_modules": lock.stat().st_mtime_ns if lock.exists() else None}


def run(command: list[str], scratch: Scratch, cwd: Path, env: dict[str, str] | None = None,
        timeout: int = 180) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env or scratch.env, capture_output=True, text=True, timeout=timeout)
    shown = shlex.join(part if len(part) < 80 else part[:77] + "..." for part in command)
    assert done.returncode == 0, f"{shown} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    """A copy of the tracked files with a scratch venv, after `bash binder/postBuild` ran in it."""
    base = tmp_path_factory.mktemp("binder")
    repo, venv = base / "repo", base / "venv"
    for name in tracked_files():
        source = ROOT / name
        if source.exists() or source.is_symlink():  # a file deleted but not yet committed is not cloned either
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name, follow_symlinks=False)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    # --system-site-packages reaches the base interpreter's packages, not those of the venv running this test:
    # a .pth line reuses them (pip included) without processing their .pth files, so the shared editable
    # install of helpers stays out of the scratch venv.
    own = subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    reused = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (Path(own) / "_reuse_installed_packages.pth").write_text("".join(f"{p}\n" for p in reused))
    env = {k: v for k, v in os.environ.items() if k not in DROPPED and not k.startswith("AWS_")}
    npm = shutil.which("npm") is not None
    path = [str(venv / "bin")]
    if not npm:  # postBuild's `npm ci` becomes a no-op here; the TypeScript test below says why it skips
        stub = base / "no-npm"
        stub.mkdir()
        (stub / "npm").write_text("#!/bin/sh\necho \"npm $*: npm is not installed, skipped\"\n")
        (stub / "npm").chmod(0o755)
        path.append(str(stub))
    env |= {"PATH": os.pathsep.join([*path, env.get("PATH", "")]), "VIRTUAL_ENV": str(venv),
            "npm_config_prefer_offline": "true"}  # npm's cache first: no download when it holds the lock's files
    made = Scratch(repo, venv, env, npm, shared_state())
    run(["bash", "binder/postBuild"], made, cwd=repo)
    yield made
    shutil.rmtree(base, ignore_errors=True)  # over 100 MB with node_modules; pytest would keep three runs of it


def test_post_build_installs_helpers_from_the_clone_without_touching_the_shared_venv(scratch: Scratch) -> None:
    probe = ("import json, helpers, importlib.metadata as m; d = m.distribution('claude-bedrock-handson-helpers');"
             "print(json.dumps({'file': helpers.__file__, 'url': json.loads(d.read_text('direct_url.json'))}))")
    seen = json.loads(run(["python", "-c", probe], scratch, cwd=scratch.venv).stdout.splitlines()[-1])
    assert Path(seen["file"]) == scratch.repo / "helpers" / "__init__.py", f"helpers imported from {seen['file']}"
    assert seen["url"]["dir_info"].get("editable") and seen["url"]["url"] == scratch.repo.as_uri(), seen["url"]
    assert shared_state() == scratch.shared_before, "postBuild changed the shared .venv or node_modules"


@pytest.mark.typescript
def test_post_build_installs_the_pinned_typescript_sdk(scratch: Scratch) -> None:
    if not scratch.npm:
        pytest.skip("npm is not installed: postBuild's `npm ci` was not run (Binder's nodejs from conda-forge has it)")
    manifest = scratch.repo / "node_modules" / TS_SDK / "package.json"
    assert manifest.exists(), f"binder/postBuild's `npm ci` did not install {TS_SDK}"
    installed = json.loads(manifest.read_text())["version"]
    assert installed == package_json()["dependencies"][TS_SDK], f"npm ci installed {TS_SDK} {installed}"
    # As the notebooks run it: npx from the notebook's folder finds the clone's tsx and SDK.
    script = f"import AnthropicBedrock from '{TS_SDK}'; console.log(typeof AnthropicBedrock)"
    out = run(["npx", "--no-install", "tsx", "--eval", script], scratch, cwd=scratch.repo / "notebooks" / "en")
    assert out.stdout.strip() == "function", out.stdout


def started_env(scratch: Scratch, extra: dict[str, str]) -> dict[str, str]:
    """What repo2docker might hand binder/start: fake credentials, and a mode that is not offline."""
    return scratch.env | FAKE_AWS | {"HANDSON_MODE": "aws"} | extra


def test_start_forces_offline_and_drops_every_aws_variable(scratch: Scratch) -> None:
    out = run(["binder/start", "env", "-0"], scratch, cwd=scratch.repo, env=started_env(scratch, {}))
    seen = dict(item.split("=", 1) for item in out.stdout.split("\0") if "=" in item)
    assert seen.get("HANDSON_MODE") == "offline", f"binder/start left HANDSON_MODE={seen.get('HANDSON_MODE')!r}"
    survivors = sorted(k for k in seen if k.startswith("AWS_"))
    assert not survivors, f"binder/start let these through to the server and kernels: {survivors}"
    assert not any(fake in out.stdout for fake in FAKE_AWS.values()), "a fake secret survived binder/start"


# Run by binder/start in the folder of the notebook the ja badge opens, as JupyterLab starts a kernel there.
KERNEL_PROBE = """
import json, os, helpers
from helpers import i18n
mode = helpers.connect().mode
started_in = i18n.language()
languages = {}
for edition in json.loads(os.environ["PROBE_EDITIONS"]):
    os.chdir(os.path.join("..", edition))
    languages[edition] = i18n.language()
print(json.dumps({"mode": mode, "started_in": started_in, "languages": languages, "helpers": helpers.__file__,
                  "environ": dict(os.environ)}))
"""


def test_a_kernel_in_notebooks_ja_runs_offline_and_speaks_japanese(scratch: Scratch) -> None:
    opened = opened_notebooks()
    kernel = f"cd {shlex.quote(str(scratch.repo / Path(opened['ja']).parent))} && exec python -c \"$1\""
    env = started_env(scratch, {"PROBE_EDITIONS": json.dumps(EDITIONS)})
    out = run(["binder/start", "bash", "-c", kernel, "kernel", KERNEL_PROBE], scratch, cwd=scratch.repo, env=env)
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["mode"] == "offline", f"helpers.connect().mode is {seen['mode']!r} on Binder"
    assert Path(seen["helpers"]).is_relative_to(scratch.repo), f"helpers came from {seen['helpers']}"
    assert seen["started_in"] == "ja", f"a kernel started beside {opened['ja']} speaks {seen['started_in']}"
    for edition, path in opened.items():
        assert seen["languages"][edition] == edition, f"a kernel beside {path} speaks {seen['languages'][edition]}"
    leaked = sorted(k for k, v in seen["environ"].items() if v in FAKE_AWS.values())
    assert not leaked, f"the kernel still holds fake credentials in {leaked}"
