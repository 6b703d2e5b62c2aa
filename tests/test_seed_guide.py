"""The guide's own code samples (tests/seed_samples/, verbatim) run unchanged against the emulator.

Every sample runs as a subprocess with the environment a learner gets from the emulator's ``export``
lines, and gets what Bedrock gives such a learner today (November 2026):

- The samples that invoke the guide's model, Claude Sonnet 4.5 (Legacy since 2026-10-08), fail for the
  emulator's default account, a new customer ("New customers cannot use Legacy models"), with Bedrock's
  ResourceNotFoundException 404. With ``emulator.account(legacy_use=True)`` (an account still using it)
  they succeed as they did before.
- The guide's "regional" samples, whose bare model id Bedrock rejects, fail with the on-demand 400 for
  every account (the id is refused before access is checked).
- Listing models (boto3, the AWS CLI) works for every account.

The samples run with the project's pinned SDKs; tests/test_sdk_version_trap.py runs them with the newest.
A drift test keeps the committed samples identical to the guide.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SONNET_45_BASE
from helpers import catalog
from helpers.emulator import Emulator, auth
from helpers.errors import explain

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "seed_samples"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # the `shared` folder next to the checkout
JA_SEED = SEEDS / "claude-on-bedrock.ja.md"
TSX = REPO / "node_modules" / ".bin" / "tsx"
AWS = shutil.which("aws")

ON_DEMAND_MESSAGE = (
    "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn\u2019t "
    "supported. Retry your request with the ID or ARN of an inference profile that contains this model."
)
# What a new customer gets for a Legacy model (the catalog keeps Bedrock's text with its source).
LEGACY_MESSAGE = catalog.general("legacy_inactivity_days").quote
# A learner replaces the guide's placeholders with their own keys. Here the emulator's documented
# temporary credentials play that part; this substitution is the only edit made to any sample.
PLACEHOLDERS = {
    "<access key>": auth.SESSION_ACCESS_KEY_ID,
    "<secret key>": auth.SESSION_SECRET_ACCESS_KEY,
    "<session_token>": auth.SESSION_TOKEN,
}
NOT_SAMPLES = {"README.md", "ruff.toml", "package.json"}

needs_tsx = [
    pytest.mark.typescript,
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not on PATH (needed for the TypeScript SDK)"),
    pytest.mark.skipif(not TSX.exists(), reason=f"{TSX.relative_to(REPO)} is missing: run `npm ci` in the repo"),
]
needs_aws = [pytest.mark.cli, pytest.mark.skipif(AWS is None, reason="the AWS CLI (`aws`) is not on PATH")]


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.is_file() and p.name not in NOT_SAMPLES)


def with_keys(source: str) -> str:
    """The sample as a learner runs it: their keys typed over the placeholders."""
    for placeholder, value in PLACEHOLDERS.items():
        assert f'"{placeholder}"' in source or f"'{placeholder}'" in source, placeholder
        source = source.replace(placeholder, value)
    return source


def run(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=120, check=False)


def succeeded(proc: subprocess.CompletedProcess[str]) -> str:
    """stdout of a sample that ran cleanly."""
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


def refused_as_legacy(proc: subprocess.CompletedProcess[str]) -> str:
    """stderr of a sample that a new account ran against the Legacy Sonnet 4.5: Bedrock's 404, which
    helpers.errors.explain recognises in the printed text."""
    assert LEGACY_MESSAGE in proc.stderr, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    why = explain(proc.stderr)
    assert why.recognised and why.code == "ResourceNotFoundException" and "Legacy" in why.title, why
    return proc.stderr


@pytest.fixture
def legacy_user(emulator: Emulator) -> None:
    """An account that has been using the Legacy models (conftest's reset restores the new customer)."""
    emulator.account(legacy_use=True)


def run_python(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, str(path)], {**env, "PYTHONIOENCODING": "utf-8"})


def run_ts(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([str(TSX), str(path)], env)


def ts_project_copy(tmp_path: Path, name: str, source: str) -> Path:
    """A copy of a TS sample in a scratch dir that resolves packages like the repo (same node_modules)."""
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")
    (tmp_path / "package.json").symlink_to(SAMPLES / "package.json")  # "type": "module", as the guide assumes
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


class TestPythonSamples:
    """The guide's Python samples: boto3 and AnthropicBedrock."""

    def test_boto3_list_models(self, aws_env: dict[str, str]) -> None:
        """Prints one Anthropic model id per line, Sonnet 4.5 among them."""
        lines = succeeded(run_python(SAMPLES / "boto3_list_models.py", aws_env)).splitlines()
        assert lines and all(line.startswith("anthropic.claude-") for line in lines)
        assert SONNET_45_BASE in lines

    def test_boto3_invoke_new_account(self, aws_env: dict[str, str]) -> None:
        """A new customer: boto3 raises ResourceNotFoundException with Bedrock's Legacy message."""
        proc = run_python(SAMPLES / "boto3_invoke.py", aws_env)
        assert proc.returncode != 0 and proc.stdout == ""
        last = refused_as_legacy(proc).strip().splitlines()[-1]
        assert last.startswith("botocore.errorfactory.ResourceNotFoundException: An error occurred "
                               "(ResourceNotFoundException) when calling the InvokeModel operation: ")

    def test_boto3_invoke(self, aws_env: dict[str, str], legacy_user: None) -> None:
        """Prints the response's content: a list with one text block."""
        content = ast.literal_eval(succeeded(run_python(SAMPLES / "boto3_invoke.py", aws_env)).strip())
        assert [block["type"] for block in content] == ["text"] and content[0]["text"].strip()

    def test_anthropic_create_with_typed_keys_new_account(self, aws_env: dict[str, str], tmp_path: Path) -> None:
        copy = tmp_path / "python_create.py"
        copy.write_text(with_keys((SAMPLES / "python_create.py").read_text(encoding="utf-8")), encoding="utf-8")
        proc = run_python(copy, aws_env)
        assert proc.returncode != 0 and proc.stdout == ""
        assert refused_as_legacy(proc).strip().splitlines()[-1].startswith("anthropic.NotFoundError: Error code: 404")

    def test_anthropic_create_with_typed_keys(self, aws_env: dict[str, str], tmp_path: Path, legacy_user: None) -> None:
        """The sample with explicit keys (session credentials, us-west-2) prints a TextBlock list."""
        source = (SAMPLES / "python_create.py").read_text(encoding="utf-8")
        copy = tmp_path / "python_create.py"
        copy.write_text(with_keys(source), encoding="utf-8")
        out = succeeded(run_python(copy, aws_env)).strip()
        assert out.startswith("[TextBlock(") and "type='text'" in out

    def test_anthropic_global_new_account(self, aws_env: dict[str, str]) -> None:
        """anthropic.NotFoundError, HTTP 404, Bedrock's Legacy message verbatim."""
        proc = run_python(SAMPLES / "python_global.py", aws_env)
        assert proc.returncode != 0
        last = refused_as_legacy(proc).strip().splitlines()[-1]
        assert last == f"anthropic.NotFoundError: Error code: 404 - {{'message': {LEGACY_MESSAGE!r}}}"

    def test_anthropic_global(self, aws_env: dict[str, str], legacy_user: None) -> None:
        """The global-endpoint sample runs cleanly (it prints nothing)."""
        assert succeeded(run_python(SAMPLES / "python_global.py", aws_env)) == ""

    @pytest.mark.parametrize("legacy_use", [False, True], ids=["new-account", "legacy-user"])
    def test_anthropic_regional_fails_like_bedrock(self, aws_env: dict[str, str], emulator: Emulator,
                                                   legacy_use: bool) -> None:
        """The bare id: BadRequestError, HTTP 400, Bedrock's on-demand message verbatim, for every account."""
        emulator.account(legacy_use=legacy_use)
        proc = run_python(SAMPLES / "python_regional.py", aws_env)
        assert proc.returncode != 0, proc.stdout
        last = proc.stderr.strip().splitlines()[-1]
        assert last == f"anthropic.BadRequestError: Error code: 400 - {{'message': {ON_DEMAND_MESSAGE!r}}}"


class TestTypeScriptSamples:
    """The guide's TypeScript samples, run with tsx."""

    pytestmark = needs_tsx

    def test_create_with_typed_keys_new_account(self, aws_env: dict[str, str], tmp_path: Path) -> None:
        """main().catch(console.error) logs the SDK's NotFoundError (404) and exits 0, as the guide's code does."""
        source = (SAMPLES / "typescript_create.ts").read_text(encoding="utf-8")
        proc = run_ts(ts_project_copy(tmp_path, "typescript_create.ts", with_keys(source)), aws_env)
        assert proc.returncode == 0 and proc.stdout == ""
        assert f"NotFoundError: 404 {LEGACY_MESSAGE}" in refused_as_legacy(proc) and "status: 404," in proc.stderr

    def test_create_with_typed_keys(self, aws_env: dict[str, str], tmp_path: Path, legacy_user: None) -> None:
        """The sample with explicit keys logs the Message (its main().catch would log an error instead)."""
        source = (SAMPLES / "typescript_create.ts").read_text(encoding="utf-8")
        copy = ts_project_copy(tmp_path, "typescript_create.ts", with_keys(source))
        proc = run_ts(copy, aws_env)
        out = succeeded(proc)
        # main().catch(console.error) exits 0 even on failure: the error would be on stderr.
        assert "Error" not in proc.stderr, proc.stderr
        assert re.search(r"id: 'msg_bdrk_01\w+'", out), out
        assert "type: 'message'" in out and "stop_reason: 'end_turn'" in out

    def test_global_new_account(self, aws_env: dict[str, str]) -> None:
        """An unhandled NotFoundError with status 404 and Bedrock's Legacy message."""
        proc = run_ts(SAMPLES / "typescript_global.ts", aws_env)
        assert proc.returncode != 0, proc.stdout
        assert f"NotFoundError: 404 {LEGACY_MESSAGE}\n" in refused_as_legacy(proc) and "status: 404," in proc.stderr

    def test_global(self, aws_env: dict[str, str], legacy_user: None) -> None:
        """The global-endpoint sample (top-level await) runs cleanly and prints nothing."""
        proc = run_ts(SAMPLES / "typescript_global.ts", aws_env)
        assert succeeded(proc) == "" and proc.stderr == ""

    def test_regional_fails_like_bedrock(self, aws_env: dict[str, str]) -> None:
        """The bare id: an unhandled BadRequestError with status 400 and Bedrock's message."""
        proc = run_ts(SAMPLES / "typescript_regional.ts", aws_env)
        assert proc.returncode != 0, proc.stdout
        assert f"BadRequestError: 400 {ON_DEMAND_MESSAGE}\n" in proc.stderr, proc.stderr
        assert "status: 400," in proc.stderr


class TestCliSamples:
    """The guide's two AWS CLI commands, run by bash as typed."""

    pytestmark = needs_aws

    def test_get_caller_identity(self, aws_env: dict[str, str]) -> None:
        identity = json.loads(succeeded(run(["bash", str(SAMPLES / "cli_get_caller_identity.sh")], aws_env)))
        assert identity["Account"] == auth.ACCOUNT_ID
        assert identity["Arn"] == auth.IDENTITIES[auth.ACCESS_KEY_ID].arn

    def test_list_foundation_models(self, aws_env: dict[str, str]) -> None:
        ids = json.loads(succeeded(run(["bash", str(SAMPLES / "cli_list_foundation_models.sh")], aws_env)))
        assert ids and all(i.startswith("anthropic.claude-") for i in ids)
        assert SONNET_45_BASE in ids


# --- drift --------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>\S.*)?$")


def seed_blocks(markdown: str) -> list[str]:
    """Every fenced code block of the guide, without the indentation of its fence (CodeGroup's two spaces)."""
    blocks: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        i += 1
        if not opening or not opening["info"]:
            continue
        indent, body = len(opening["indent"]), []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:] if lines[i].strip() else "")
            i += 1
        i += 1
        blocks.append("\n".join(body) + "\n")
    return blocks


@pytest.fixture(scope="module")
def ja_blocks() -> list[str]:
    if not JA_SEED.exists():
        pytest.skip(f"the guide is not at {JA_SEED} (the `shared` folder next to the repository checkout)")
    return seed_blocks(JA_SEED.read_text(encoding="utf-8"))


class TestDrift:
    """The committed samples are still the guide's code, and every runnable sample of the guide is committed."""

    @pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
    def test_sample_is_verbatim_in_guide(self, ja_blocks: list[str], path: Path) -> None:
        assert path.read_text(encoding="utf-8") in ja_blocks, f"{path.name} no longer matches a code block of the guide"

    def test_every_guide_sample_is_committed(self, ja_blocks: list[str]) -> None:
        """Apart from the install commands, the guide has no code block this suite does not run."""
        committed = {p.read_text(encoding="utf-8") for p in sample_files()}
        runnable = [b for b in ja_blocks if not re.match(r"(pip|npm) install ", b)]
        missing = [b for b in runnable if b not in committed]
        assert not missing, "the guide has new code samples:\n" + "\n---\n".join(missing)

    def test_placeholders_are_kept(self) -> None:
        """The committed samples keep the guide's placeholders; only the test's copy gets keys."""
        for name in ("python_create.py", "typescript_create.ts"):
            source = (SAMPLES / name).read_text(encoding="utf-8")
            assert all(placeholder in source for placeholder in PLACEHOLDERS), name
            assert auth.SESSION_ACCESS_KEY_ID not in source

