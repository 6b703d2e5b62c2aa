"""The preflight doctor: each check's verdict and fix, in every output form."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import catalog, connect, doctor
from helpers.emulator import auth

ROOT = Path(__file__).resolve().parents[1]
TS_SDK = "@anthropic-ai/bedrock-sdk"
SDK_PACKAGE = ROOT / "node_modules" / "@anthropic-ai" / "bedrock-sdk" / "package.json"


def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version_line: str | None) -> None:
    """Put an `aws` first on PATH that prints ``version_line`` (None: no `aws` at all)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if version_line is not None:
        script = bin_dir / "aws"
        script.write_text(f"#!/bin/sh\necho '{version_line}'\n")
        script.chmod(0o755)
    path = [bin_dir] if version_line is not None else []
    keep = [p for p in os.environ["PATH"].split(os.pathsep) if p and not (Path(p) / "aws").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join([*map(str, path), *keep]))


class TestAwsCli:
    """v1, old v2, current v2 and a missing CLI are each explained, never crashed on."""

    @pytest.mark.parametrize(("line", "status", "says"), [
        ("aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11", doctor.WARN, "v1"),
        ("aws-cli/2.13.22 Python/3.11.5 Linux/6.1 exe/x86_64", doctor.WARN, "older than 2.13.23"),
        ("aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12", doctor.WARN, "older than 2.13.23"),
        ("aws-cli/2.13.23 Python/3.11.5 Linux/6.1 exe/x86_64", doctor.OK, "2.13.23"),
        ("aws-cli/2.31.4 Python/3.13.7 Darwin/24.6.0 exe/arm64", doctor.OK, "2.31.4"),
        ("something else entirely", doctor.WARN, "unrecognised"),
        (None, doctor.WARN, "not found"),
    ])
    def test_versions(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str | None, status: str,
                      says: str) -> None:
        fake_aws(tmp_path, monkeypatch, line)
        check = doctor.check_aws_cli()
        assert check.status == status and says in check.detail
        assert status == doctor.OK or check.fix

    def test_v1_says_maintenance_and_end_of_support(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The dates come from the catalog (AWS's announcement), and the fix installs v2."""
        fake_aws(tmp_path, monkeypatch, "aws-cli/1.45.11 Python/3.11.7 Linux/6.1 botocore/1.43.11")
        check = doctor.check_aws_cli()
        maintenance = catalog.general("aws_cli_v1_maintenance").value
        end = catalog.general("aws_cli_v1_end_of_support").value
        assert f"maintenance mode since {maintenance}, end of support {end}" in check.detail
        assert "Install AWS CLI v2 (2.13.23 or newer)" in check.fix and "pip uninstall awscli" in check.fix


class TestSdkVersions:
    """What the installed (pinned) SDKs send, measured without network; the newest SDKs are in
    test_sdk_version_trap.py."""

    def test_pinned_python_sdk_sends_the_bedrock_version(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_PROFILE", "a-profile-that-does-not-exist")  # the probe reads no AWS configuration
        assert doctor.anthropic_api_version() == catalog.BEDROCK_API_VERSION
        check = doctor.check_anthropic()
        assert check.status == doctor.OK and f"sends anthropic_version {catalog.BEDROCK_API_VERSION}" in check.detail

    @pytest.mark.skipif(shutil.which("node") is None or not SDK_PACKAGE.exists(), reason="needs Node.js and `npm ci`")
    def test_pinned_typescript_sdk_sends_the_bedrock_version(self) -> None:
        check = doctor.check_node()
        assert check.status == doctor.OK, check
        assert f"sends anthropic_version {catalog.BEDROCK_API_VERSION}" in check.detail

    def test_a_python_sdk_that_cannot_be_driven_is_a_warning(self, tmp_path: Path) -> None:
        """An ``anthropic`` whose client fails to build: the row says so and gives the fixes, no traceback."""
        package = tmp_path / "anthropic"
        package.mkdir()
        (package / "__init__.py").write_text("class AnthropicBedrock:\n    def __init__(self, **kwargs):\n"
                                             "        raise RuntimeError('this SDK is broken')\n")
        (package / "_base_client.py").write_text("import httpx\n")
        dist = tmp_path / "anthropic-9.9.9.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: anthropic\nVersion: 9.9.9\n")
        probe = "import json; from helpers import doctor; print(json.dumps(doctor.check_anthropic().to_dict()))"
        out = subprocess.run([project_python(), "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"})
        check = json.loads(out.stdout or "null")
        assert check and check["status"] == doctor.WARN, out.stderr
        assert "anthropic 9.9.9: could not measure" in check["detail"] and "this SDK is broken" in check["detail"]
        assert "extra_body" in check["fix"] and doctor.sdk_pin("anthropic") in check["fix"]

    def test_pins_are_the_projects(self) -> None:
        """The fixes name the project's own pins, which stay below the majors that send 2026-10-21."""
        assert doctor.sdk_pin("anthropic") in (ROOT / "requirements.txt").read_text(encoding="utf-8")
        assert doctor.sdk_pin("anthropic").endswith(",<2")
        version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"][TS_SDK]
        assert doctor.sdk_pin(TS_SDK) == f"{TS_SDK}@{version}" and int(version.split(".")[0]) < 1

    def test_node_missing_is_the_usual_warning(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
        check = doctor.check_node()
        assert check.status == doctor.WARN and check.detail.startswith("not found") and "Node.js 20" in check.fix

    @pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
    def test_a_probe_that_fails_is_a_warning_not_a_traceback(self, tmp_path: Path) -> None:
        """An SDK folder whose code throws: the row says the measurement failed, and still gives the fixes."""
        package = tmp_path / "node_modules" / "@anthropic-ai" / "bedrock-sdk"
        package.mkdir(parents=True)
        (package / "package.json").write_text('{"name": "@anthropic-ai/bedrock-sdk", "version": "9.9.9"}')
        (package / "index.js").write_text("throw new TypeError('this SDK is broken');\n")
        check = doctor.check_node(root=tmp_path)
        assert check.status == doctor.WARN, check
        assert "could not measure" in check.detail and "TypeError: this SDK is broken" in check.detail
        assert f"npm install {doctor.sdk_pin(TS_SDK)}" in check.fix


class TestInKernel:
    """The doctor in a notebook after connect("offline"): every check runs against the emulator."""

    def test_report(self, clean_env: None) -> None:
        connect("offline")
        report = doctor.doctor()
        by_name = {c.name: c for c in report}
        assert report[0].name == "Mode" and report[0].status == doctor.OK and "connect()" in report[0].detail
        assert report.mode == "offline"
        assert by_name[doctor.OFFLINE_PROBE_NAME].status == doctor.OK
        assert "S3, CloudWatch Logs and IAM (moto) answered" in by_name[doctor.OFFLINE_PROBE_NAME].detail
        assert by_name["Credentials (boto3)"].status == doctor.OK
        assert by_name["Region"] == doctor.Check("Region", doctor.OK, "us-west-2")
        access = {c.name.removeprefix("Access: "): c for c in report if c.name.startswith("Access: ")}
        lessons = {catalog.model(k).display_name for k in catalog.load().lessons.values()}
        assert lessons and all(access[name].status == doctor.OK for name in lessons)
        # The guide's own model is Legacy, and the default account is a new customer: the doctor says so.
        guide = catalog.guide_sample_model()
        assert access[guide.display_name].status == doctor.WARN and "Legacy since" in access[guide.display_name].detail
        assert catalog.lesson("default").display_name in access[guide.display_name].fix
        assert report.ok and report.exit_code == 0

    def test_legacy_model_for_an_account_that_uses_it(self, clean_env: None) -> None:
        conn = connect("offline")
        conn.emulator.account(legacy_use=True)
        try:
            rows = {c.name: c for c in doctor.check_model_access()}
        finally:
            conn.emulator.reset()
        assert rows[f"Access: {catalog.guide_sample_model().display_name}"].status == doctor.OK

    @pytest.mark.parametrize(("flags", "says", "fix"), [
        ({"marketplace": False}, "aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"),
        ({"use_case_form": False}, "use case details", "PutUseCaseForModelAccess"),
    ])
    def test_first_call_prerequisites(self, clean_env: None, flags: dict[str, bool], says: str, fix: str) -> None:
        conn = connect("offline")
        conn.emulator.account(**flags)
        try:
            rows = {c.name: c for c in doctor.check_model_access()}
        finally:
            conn.emulator.reset()
        row = rows[f"Access: {catalog.lesson('default').display_name}"]
        assert row.status == doctor.WARN and says in row.detail and fix in row.fix

    def test_revoked_access_is_a_warning_with_the_fix(self, clean_env: None) -> None:
        conn = connect("offline")
        lesson = catalog.lesson("default")
        conn.emulator.revoke_access(lesson.key)
        try:
            check = next(c for c in doctor.check_model_access() if c.name == f"Access: {lesson.display_name}")
        finally:
            conn.emulator.reset()
        assert check.status == doctor.WARN and "use-case form" in check.fix

    def test_no_credentials(self, clean_env: None) -> None:
        check = doctor.check_credentials_boto3()
        assert check.status == doctor.FAIL and "aws configure" in check.fix and "HANDSON_MODE=offline" in check.fix

    def test_partial_credentials(self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        check = doctor.check_credentials_boto3()
        assert check.status == doctor.FAIL and "AWS_SECRET_ACCESS_KEY" in check.fix

    def test_renderings_show_words_and_symbols(self, clean_env: None) -> None:
        connect("offline")
        report = doctor.doctor()
        text, page = str(report), report._repr_html_()
        assert "\u2713 OK    Python" in text and "! WARN" not in text.split("\n")[0]
        assert text.splitlines()[-1].startswith("Ready: the notebooks run offline.")
        assert page.startswith("<table>") and "\u2713 OK</strong>" in page and "Ready:" in page
        data = json.loads(report.to_json())
        assert data["mode"] == "offline" and data["ok"] is True and data["exit_code"] == 0
        assert {c["name"] for c in data["checks"]} >= {"Mode", "Python", "boto3", "AWS CLI", "Offline emulator"}
        assert all(c["label"] == f"{doctor.SYMBOLS[c['status']]} {doctor.WORDS[c['status']]}" for c in data["checks"])

    def test_a_warning_and_a_failure_render_with_words(self, clean_env: None) -> None:
        report = doctor.Report([doctor.Check("a", doctor.WARN, "x", "do y"), doctor.Check("b", doctor.FAIL, "z")],
                               "aws", 1.0)
        assert "! WARN  a  x\n        fix: do y\n\u2717 FAIL  b  z" in str(report)
        assert "! WARN</strong>" in report._repr_html_() and "\u2717 FAIL</strong>" in report._repr_html_()
        assert not report.ok and report.exit_code == 1 and "Not ready" in report.summary()


def project_python() -> str:
    """The project's interpreter, as `make doctor` runs it."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_doctor(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m helpers doctor` in a fresh process whose environment is the current one plus ``env``."""
    return subprocess.run([project_python(), "-m", "helpers", "doctor", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120, env={**os.environ, **env})


class TestCommandLine:
    """The terminal doctor in each mode, on a machine without AWS credentials (clean_env)."""

    def test_auto_without_credentials_runs_offline(self, clean_env: None) -> None:
        out = run_doctor()
        assert out.returncode == 0, out.stdout + out.stderr
        lines = out.stdout.splitlines()
        mode = next(line for line in lines if "Mode" in line)
        assert mode.startswith("! WARN  Mode") and "offline" in mode and "NoCredentialsError" in mode
        assert any(line.startswith("\u2713 OK    Offline emulator") and "answered a boto3 Converse call" in line
                   for line in lines), out.stdout
        assert "FAIL" not in out.stdout.replace("0 FAIL", "") and "Region" not in out.stdout
        assert lines[-1].startswith("Ready: the notebooks run offline.")

    def test_auto_with_half_a_key_pair_runs_offline_and_says_why(self, clean_env: None) -> None:
        out = run_doctor("--json", AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE")
        data = json.loads(out.stdout)
        assert out.returncode == 0 and data["mode"] == "offline"
        mode = data["checks"][0]
        assert mode["status"] == "warn" and "PartialCredentialsError" in mode["detail"]
        assert "AWS_SECRET_ACCESS_KEY" in mode["fix"]

    def test_auto_with_the_emulators_keys_runs_offline_as_connect_does(self, clean_env: None) -> None:
        """Keys pasted from the emulator's export lines are not an AWS account: the doctor and connect() agree."""
        keys = {"AWS_ACCESS_KEY_ID": auth.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": auth.SECRET_ACCESS_KEY}
        out = run_doctor("--json", **keys)
        data = json.loads(out.stdout)
        assert out.returncode == 0 and data["mode"] == "offline", out.stdout + out.stderr
        assert data["checks"][0]["status"] == "warn" and "example keys" in data["checks"][0]["detail"]
        os.environ.update(keys)
        assert connect().mode == "offline"

    def test_offline(self, clean_env: None) -> None:
        out = run_doctor("--json", HANDSON_MODE="offline")
        assert out.returncode == 0, out.stdout + out.stderr
        data = json.loads(out.stdout)
        assert set(data) == {"mode", "ok", "exit_code", "seconds", "counts", "checks"}
        assert (data["mode"], data["ok"], data["exit_code"]) == ("offline", True, 0)
        assert set(data["counts"]) == {"OK", "WARN", "FAIL"} and data["counts"]["FAIL"] == 0
        assert 0 < data["seconds"] < 60
        assert all(set(c) == {"name", "status", "label", "detail", "fix"} for c in data["checks"])
        by_name = {c["name"]: c for c in data["checks"]}
        assert by_name["Mode"]["status"] == "ok" and by_name["Mode"]["label"] == "\u2713 OK"
        assert by_name["Offline emulator"]["status"] == "ok"
        assert not any(name.startswith("Credentials") for name in by_name)

    def test_aws_without_credentials_fails_with_the_fix(self, clean_env: None) -> None:
        out = run_doctor(HANDSON_MODE="aws", AWS_REGION="us-west-2", AWS_DEFAULT_REGION="us-west-2")
        assert out.returncode == 1, out.stdout + out.stderr
        lines = out.stdout.splitlines()
        failed = lines.index(next(line for line in lines if line.startswith("\u2717 FAIL  Credentials (boto3)")))
        assert "aws configure" in lines[failed + 1] and "AWS_PROFILE" in lines[failed + 1]
        assert "Offline emulator" not in out.stdout
        assert lines[-1].startswith("Not ready: fix each FAIL above")

    def test_a_missing_profile_is_explained_not_a_traceback(self, clean_env: None) -> None:
        out = run_doctor("--json", HANDSON_MODE="aws", AWS_PROFILE="workshop", AWS_REGION="us-west-2")
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        by_name = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
        assert by_name["boto3"]["status"] == "ok"  # the SDK check reads no AWS configuration
        for name in ("Region", "Credentials (boto3)"):
            assert by_name[name]["status"] == "fail" and "aws configure list-profiles" in by_name[name]["fix"]

    def test_not_a_mode(self, clean_env: None) -> None:
        out = run_doctor("--json", HANDSON_MODE="ofline")
        data = json.loads(out.stdout)
        assert out.returncode == 1 and data["mode"] is None
        assert data["checks"][0]["label"] == "\u2717 FAIL" and "'ofline' is not a mode" in data["checks"][0]["detail"]


def test_disagreeing_regions(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 and AWS_REGION pointing at different regions is a warning that says to align them."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    check = doctor.check_region()
    assert check.status == doctor.WARN
    assert check.detail == "AWS_REGION=us-east-1 but boto3 uses ap-northeast-1"
    assert "AWS_DEFAULT_REGION" in check.fix
