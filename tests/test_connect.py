"""helpers.connect(): choosing AWS or the offline emulator, and what it shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import boto3
import pytest
from anthropic import AnthropicBedrock

from helpers import connect, connection
from helpers.emulator import auth

SONNET_45_GLOBAL = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"


class TestOffline:
    """Offline mode: every client reaches the emulator, and only the environment changed."""

    def test_auto_without_credentials_is_offline(self, clean_env: None) -> None:
        conn = connect()
        assert conn.mode == "offline" and conn.account == "123456789012" and conn.region == "us-west-2"
        assert os.environ["AWS_ENDPOINT_URL"] == conn.endpoint == os.environ["ANTHROPIC_BEDROCK_BASE_URL"]

    def test_guide_code_runs_unchanged(self, clean_env: None) -> None:
        connect("offline")
        message = AnthropicBedrock().messages.create(model=SONNET_45_GLOBAL, max_tokens=64,
                                                     messages=[{"role": "user", "content": "Hello, world"}])
        assert message.content[0].text
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                           "messages": [{"role": "user", "content": "Hello, world"}]})
        response = boto3.client("bedrock-runtime").invoke_model(body=body, modelId=SONNET_45_GLOBAL)
        assert json.loads(response["body"].read())["content"]

    @pytest.mark.cli
    def test_shell_commands_reach_the_emulator(self, clean_env: None) -> None:
        """``!aws …`` cells inherit the kernel's environment."""
        if not shutil.which("aws"):
            pytest.skip("the AWS CLI (`aws`) is not on PATH")
        connect("offline")
        out = subprocess.run(["aws", "sts", "get-caller-identity"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["Account"] == "123456789012"

    def test_rerun_reuses_the_emulator(self, clean_env: None) -> None:
        first, second = connect("offline"), connect("offline")
        assert first.emulator is second.emulator and first.endpoint == second.endpoint

    def test_stale_profile_and_endpoints_are_cleared(self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_PROFILE", "production")
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://example.invalid")
        connect("offline")
        assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" not in os.environ

    def test_display_never_shows_a_secret(self, clean_env: None) -> None:
        conn = connect("offline")
        shown = str(conn) + conn._repr_html_() + repr(conn)
        assert auth.SECRET_ACCESS_KEY not in shown and auth.ACCESS_KEY_ID not in shown
        assert "AKIA…MPLE" in shown and "<table>" in conn._repr_html_()


class TestAws:
    """AWS mode resolves credentials and region the way the SDKs do."""

    def test_auto_with_credentials_is_aws(self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        offline = connect("offline")  # an endpoint that answers STS, standing in for AWS
        endpoint = offline.endpoint
        keep = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
        for name in list(os.environ):
            if name.startswith(("AWS_", "ANTHROPIC_")) and name not in keep:
                monkeypatch.delenv(name)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.ACCESS_KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", auth.SECRET_ACCESS_KEY)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        conn = connect()
        assert (conn.mode, conn.region, conn.account) == ("aws", "eu-west-1", "123456789012")
        assert any("TypeScript" in n and "AWS_REGION" in n for n in conn.notes)
        assert auth.SECRET_ACCESS_KEY not in str(conn) + conn._repr_html_()

    def test_disagreeing_regions_are_pointed_out(self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
        conn = connect("aws")
        assert "No AWS credentials found" in conn.notes[0]
        assert any("AWS_REGION=us-east-1 but boto3 uses ap-northeast-1" in n for n in conn.notes)

    def test_no_region(self, clean_env: None) -> None:
        conn = connect("aws")
        assert conn.region is None and any(n.startswith("No region set") for n in conn.notes)


def test_unknown_mode(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(connection.MODE_VARIABLE, "cloud")
    with pytest.raises(ValueError, match="use one of: auto, offline, aws"):
        connect()
