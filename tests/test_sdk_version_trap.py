"""The SDK version trap, end to end, with the NEWEST SDKs against the emulator.

The guide's page warns that the latest SDKs (Python ``anthropic`` >= 2, ``@anthropic-ai/bedrock-sdk`` >= 1)
send ``"anthropic_version": "2026-10-21"``, which the guide's models do not accept on Bedrock (only Claude 4.7
and later do), so such requests get a 400; pin the SDK. The project pins both below those majors. Here the
newest releases go into a scratch environment (``pip install --no-deps --target``: the project's venv supplies
the dependencies; ``npm install --prefix``), once per test session, and the guide's own samples (verbatim) run
with them:

- newest SDK, guide's model (Sonnet 4.5): 400 "Invalid API version: 2026-10-21", for every account (the body
  is validated before access);
- pinned SDK (the project's): what a new account gets today, the Legacy 404; success for an account still
  using the model (``emulator.account(legacy_use=True)``);
- boto3's sample sets the version itself: unaffected (404 for a new account, success for a Legacy user);
- the fixes work: the newest SDK with ``extra_body={"anthropic_version": "bedrock-2023-05-31"}`` (Python) or
  ``defaultHeaders: {"anthropic-version": ...}`` (TypeScript) on the notebooks' model, Sonnet 4.6; and the
  newest SDK as it is on a model that takes 2026-10-21;
- the doctor measures the newest SDKs and warns.

The installs need the package registries (reachable in CI). If one fails the tests fail in CI (``CI`` set)
and skip elsewhere, with the installer's message either way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_seed_guide import LEGACY_MESSAGE, SAMPLES, TSX, refused_as_legacy, with_keys

from helpers import catalog, doctor
from helpers.emulator import Emulator
from helpers.errors import explain

REPO = Path(__file__).resolve().parents[1]
TS_SDK = "@anthropic-ai/bedrock-sdk"
MAJORS = doctor.sdk_first_majors()  # the first majors that send 2026-10-21, from the catalog
VERSION_MESSAGE = f"Invalid API version: {catalog.NEW_API_VERSION}"
LESSON = catalog.lesson("default")  # Sonnet 4.6: Active, takes only bedrock-2023-05-31
NEWER = next(m for m in catalog.models() if m.lifecycle() == catalog.ACTIVE and m.access == "open" and not m.opt_in
             and m.accepts_api_version(catalog.NEW_API_VERSION) and "global" in m.geographies)
OVERRIDE = {"anthropic_version": catalog.BEDROCK_API_VERSION}
ACCOUNTS = pytest.mark.parametrize("legacy_use", [False, True], ids=["new-account", "legacy-user"])
needs_node = [
    pytest.mark.typescript,
    pytest.mark.skipif(shutil.which("node") is None or shutil.which("npm") is None, reason="needs Node.js and npm"),
    pytest.mark.skipif(not TSX.exists(), reason="needs the project's tsx: run `npm ci`"),
]


def install(argv: list[str], what: str) -> None:
    """Run an installer; a failure fails the test in CI and skips it elsewhere, saying why."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", timeout=600)
        problem = "" if out.returncode == 0 else (out.stderr or out.stdout).strip()[-1500:]
    except (OSError, subprocess.TimeoutExpired) as e:
        problem = str(e)
    if problem:
        message = f"could not install the newest {what} (needs the package registry): {' '.join(argv)}\n{problem}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def newest_python(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(folder, version) of the newest ``anthropic``, installed without dependencies into a scratch folder."""
    target = tmp_path_factory.mktemp("newest-anthropic")
    install([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--target", str(target), f"anthropic>={MAJORS['anthropic']}"], "anthropic")
    dist = next(target.glob("anthropic-*.dist-info"))
    version = dist.name.removeprefix("anthropic-").removesuffix(".dist-info")
    assert int(version.split(".")[0]) >= int(MAJORS["anthropic"]), version
    return target, version


@pytest.fixture(scope="session")
def newest_typescript(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(folder, version) of the newest ``@anthropic-ai/bedrock-sdk``, installed into a scratch folder."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not on PATH")
    prefix = tmp_path_factory.mktemp("newest-bedrock-sdk")
    install(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel", "error",
             f"{TS_SDK}@latest"], TS_SDK)
    package = prefix / "node_modules" / "@anthropic-ai" / "bedrock-sdk" / "package.json"
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    assert int(version.split(".")[0]) >= int(MAJORS[TS_SDK]), version
    return prefix, version


def run(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env={**env, "PYTHONIOENCODING": "utf-8"}, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)


def python_with(sdk: Path | None, path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a Python file with the newest anthropic first on the path (``sdk``), or with the project's (None)."""
    extra = {"PYTHONPATH": str(sdk)} if sdk else {}
    return run([sys.executable, str(path)], {**env, **extra})


def ts_with(sdk: Path, name: str, source: str, scratch: Path) -> Path:
    """A TS/JS file that resolves packages from the newest SDK's folder (ES module, as the guide assumes)."""
    folder = sdk / "run" / scratch.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true, "type": "module"}\n', encoding="utf-8")
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return path


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""


def version_refused(proc: subprocess.CompletedProcess[str]) -> None:
    """Bedrock's 400 for the version, which helpers.errors.explain recognises from the printed text."""
    assert proc.returncode != 0 and VERSION_MESSAGE in proc.stderr, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    why = explain(proc.stderr)
    assert why.recognised and why.code == "ValidationException" and why.pain_point == 9, why
    assert doctor.sdk_pin("anthropic") in why.fix and "extra_body" in why.fix


# --- Python ---------------------------------------------------------------------------------------------

class TestNewestPython:
    """anthropic >= 2: the guide's Python samples on Sonnet 4.5 get the version 400."""

    @ACCOUNTS
    def test_guide_global_sample(self, newest_python: tuple[Path, str], aws_env: dict[str, str],
                                 emulator: Emulator, legacy_use: bool) -> None:
        emulator.account(legacy_use=legacy_use)
        proc = python_with(newest_python[0], SAMPLES / "python_global.py", aws_env)
        version_refused(proc)
        assert last_line(proc) == f"anthropic.BadRequestError: Error code: 400 - {{'message': {VERSION_MESSAGE!r}}}"

    def test_guide_create_sample_with_typed_keys(self, newest_python: tuple[Path, str], aws_env: dict[str, str],
                                                 tmp_path: Path) -> None:
        copy = tmp_path / "python_create.py"
        copy.write_text(with_keys((SAMPLES / "python_create.py").read_text(encoding="utf-8")), encoding="utf-8")
        proc = python_with(newest_python[0], copy, aws_env)
        version_refused(proc)
        assert last_line(proc).startswith("anthropic.BadRequestError: Error code: 400")

    def test_exception_type_and_status(self, newest_python: tuple[Path, str], aws_env: dict[str, str],
                                       tmp_path: Path) -> None:
        """The sample's call, caught: the SDK's own BadRequestError, status 400, and the body it sent."""
        script = tmp_path / "caught.py"
        script.write_text(
            "import json, anthropic\n"
            "from anthropic import AnthropicBedrock\n"
            "client = AnthropicBedrock(aws_region='us-west-2', max_retries=0)\n"
            "try:\n"
            f"    client.messages.create(model={catalog.guide_sample_model().profile_id('global')!r}, max_tokens=64,\n"
            "                           messages=[{'role': 'user', 'content': 'Hello, world'}])\n"
            "except anthropic.APIStatusError as e:\n"
            "    sent = json.loads(e.request.content)['anthropic_version']\n"
            "    print(json.dumps([anthropic.__version__, type(e).__name__, e.status_code, e.message, sent]))\n",
            encoding="utf-8")
        proc = python_with(newest_python[0], script, aws_env)
        version, kind, status, message, sent = json.loads(proc.stdout or "null") or [None] * 5
        assert version == newest_python[1], proc.stderr
        assert (kind, status, sent) == ("BadRequestError", 400, catalog.NEW_API_VERSION)
        assert VERSION_MESSAGE in message

    @pytest.mark.parametrize(("model", "extra_body", "works"), [
        (LESSON, OVERRIDE, True),      # the fix: the Bedrock version per request
        (LESSON, None, False),         # the notebooks' model does not take 2026-10-21 either
        (NEWER, None, True),           # Claude 4.7 and later take it as the SDK sends it
    ], ids=["lesson-extra-body", "lesson-as-sent", "newer-model-as-sent"])
    def test_fixes(self, newest_python: tuple[Path, str], aws_env: dict[str, str], tmp_path: Path,
                   model: catalog.Model, extra_body: dict[str, str] | None, works: bool) -> None:
        script = tmp_path / "fixed.py"
        script.write_text(
            "from anthropic import AnthropicBedrock\n"
            "client = AnthropicBedrock(aws_region='us-west-2', max_retries=0)\n"
            f"message = client.messages.create(model={model.profile_id('global')!r}, max_tokens=64,\n"
            "    messages=[{'role': 'user', 'content': 'Hello, world'}]"
            + (f", extra_body={extra_body!r})\n" if extra_body else ")\n")
            + "print(message.stop_reason)\n", encoding="utf-8")
        proc = python_with(newest_python[0], script, aws_env)
        if works:
            assert proc.returncode == 0 and proc.stdout.strip() in ("end_turn", "max_tokens"), proc.stderr
        else:
            version_refused(proc)

    def test_doctor_warns(self, newest_python: tuple[Path, str], aws_env: dict[str, str]) -> None:
        probe = "import json; from helpers import doctor; print(json.dumps(doctor.check_anthropic().to_dict()))"
        proc = run([sys.executable, "-c", probe], {**aws_env, "PYTHONPATH": f"{newest_python[0]}{os.pathsep}{REPO}"})
        check = json.loads(proc.stdout or "null")
        assert check, proc.stderr
        assert check["status"] == doctor.WARN
        assert f"anthropic {newest_python[1]} sends anthropic_version {catalog.NEW_API_VERSION}" in check["detail"]
        assert f'pip install "{doctor.sdk_pin("anthropic")}"' in check["fix"] and "extra_body" in check["fix"]


class TestPinnedAndBoto3:
    """The project's pinned SDK and boto3 send bedrock-2023-05-31: the account decides (Sonnet 4.5 is Legacy)."""

    @ACCOUNTS
    @pytest.mark.parametrize("sample", ["python_global.py", "boto3_invoke.py"])
    def test_guide_sample(self, newest_python: tuple[Path, str], aws_env: dict[str, str], emulator: Emulator,
                          legacy_use: bool, sample: str) -> None:
        """boto3 runs with the newest anthropic on the path too: it does not matter to boto3."""
        emulator.account(legacy_use=legacy_use)
        sdk = newest_python[0] if sample.startswith("boto3") else None
        proc = python_with(sdk, SAMPLES / sample, aws_env)
        if legacy_use:
            assert proc.returncode == 0, proc.stderr
        else:
            assert proc.returncode != 0 and VERSION_MESSAGE not in proc.stderr
            refused_as_legacy(proc)


# --- TypeScript -----------------------------------------------------------------------------------------

FIXED_TS = """import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
const client = new AnthropicBedrock({ awsRegion: 'us-west-2', maxRetries: 0%s });
const message = await client.messages.create({ model: '%s', max_tokens: 64,
  messages: [{ role: 'user', content: 'Hello, world' }] });
console.log(message.stop_reason);
"""


class TestNewestTypeScript:
    """@anthropic-ai/bedrock-sdk >= 1: the guide's TypeScript sample on Sonnet 4.5 gets the version 400."""

    pytestmark = needs_node

    @ACCOUNTS
    def test_guide_global_sample(self, newest_typescript: tuple[Path, str], aws_env: dict[str, str],
                                 emulator: Emulator, tmp_path: Path, legacy_use: bool) -> None:
        emulator.account(legacy_use=legacy_use)
        source = (SAMPLES / "typescript_global.ts").read_text(encoding="utf-8")
        proc = run([str(TSX), str(ts_with(newest_typescript[0], "typescript_global.ts", source, tmp_path))], aws_env)
        version_refused(proc)
        assert f"BadRequestError: 400 {VERSION_MESSAGE}\n" in proc.stderr and "status: 400," in proc.stderr

    def test_guide_create_sample_with_typed_keys(self, newest_typescript: tuple[Path, str], aws_env: dict[str, str],
                                                 tmp_path: Path) -> None:
        """main().catch(console.error) logs the 400 (and exits 0, as the guide's code does)."""
        source = with_keys((SAMPLES / "typescript_create.ts").read_text(encoding="utf-8"))
        proc = run([str(TSX), str(ts_with(newest_typescript[0], "typescript_create.ts", source, tmp_path))], aws_env)
        assert proc.returncode == 0 and proc.stdout == "" and f"BadRequestError: 400 {VERSION_MESSAGE}" in proc.stderr

    @pytest.mark.parametrize(("model", "headers", "works"), [
        (LESSON, True, True),
        (LESSON, False, False),
        (NEWER, False, True),
    ], ids=["lesson-default-headers", "lesson-as-sent", "newer-model-as-sent"])
    def test_fixes(self, newest_typescript: tuple[Path, str], aws_env: dict[str, str], tmp_path: Path,
                   model: catalog.Model, headers: bool, works: bool) -> None:
        option = f", defaultHeaders: {{ 'anthropic-version': '{catalog.BEDROCK_API_VERSION}' }}" if headers else ""
        source = FIXED_TS % (option, model.profile_id("global"))
        proc = run([str(TSX), str(ts_with(newest_typescript[0], "fixed.ts", source, tmp_path))], aws_env)
        if works:
            assert proc.returncode == 0 and proc.stdout.strip() in ("end_turn", "max_tokens"), proc.stderr
        else:
            version_refused(proc)

    def test_pinned_sdk_gets_the_legacy_404(self, aws_env: dict[str, str]) -> None:
        """The project's node_modules (0.x): the guide's sample meets the account, not the version."""
        proc = run([str(TSX), str(SAMPLES / "typescript_global.ts")], aws_env)
        assert proc.returncode != 0 and VERSION_MESSAGE not in proc.stderr
        assert LEGACY_MESSAGE in refused_as_legacy(proc)

    def test_doctor_warns(self, newest_typescript: tuple[Path, str]) -> None:
        check = doctor.check_node(root=newest_typescript[0])
        assert check.status == doctor.WARN, check
        assert f"{TS_SDK} {newest_typescript[1]} sends anthropic_version {catalog.NEW_API_VERSION}" in check.detail
        assert f"npm install {doctor.sdk_pin(TS_SDK)}" in check.fix and "defaultHeaders" in check.fix

