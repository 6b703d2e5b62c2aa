"""The preflight doctor: each check's verdict and fix, in every output form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import connect, doctor

ROOT = Path(__file__).resolve().parents[1]


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


class TestOffline:
    """Against the emulator every check passes (but the CLI version on this machine)."""

    def test_report(self, clean_env: None) -> None:
        connect("offline")
        report = doctor.doctor()
        by_name = {c.name: c for c in report}
        assert by_name["Credentials (boto3)"].status == doctor.OK
        assert by_name["Region"] == doctor.Check("Region", doctor.OK, "us-west-2")
        access = [c for c in report if c.name.startswith("Access: ")]
        assert access and all(c.status == doctor.OK for c in access)
        assert report.ok

    def test_revoked_access_is_a_warning_with_the_fix(self, clean_env: None) -> None:
        conn = connect("offline")
        conn.emulator.revoke_access("claude-sonnet-4-5")
        try:
            check = next(c for c in doctor.check_model_access() if c.name == "Access: Claude Sonnet 4.5")
        finally:
            conn.emulator.reset()
        assert check.status == doctor.WARN and "use-case form" in check.fix

    def test_no_credentials(self, clean_env: None) -> None:
        check = doctor.check_credentials_boto3()
        assert check.status == doctor.FAIL and "aws configure" in check.fix

    def test_renderings(self, clean_env: None) -> None:
        connect("offline")
        report = doctor.doctor()
        assert "OK    Python" in str(report)
        assert report._repr_html_().startswith("<table>")
        assert {c["name"] for c in json.loads(report.to_json())} >= {"Python", "boto3", "AWS CLI"}

    def test_command_line_json(self, clean_env: None) -> None:
        connect("offline")
        out = subprocess.run([sys.executable, "-m", "helpers", "doctor", "--json"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        checks = json.loads(out.stdout)
        assert all(set(c) == {"name", "status", "detail", "fix"} for c in checks)


def test_disagreeing_regions(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 and AWS_REGION pointing at different regions is a warning that says to align them."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    check = doctor.check_region()
    assert check.status == doctor.WARN
    assert check.detail == "AWS_REGION=us-east-1 but boto3 uses ap-northeast-1"
    assert "AWS_DEFAULT_REGION" in check.fix
