"""helpers.connect(): choosing AWS or the offline emulator, and what it shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from anthropic import AnthropicBedrock

from conftest import MODEL_GLOBAL
from helpers import connect, connection
from helpers.emulator import AWS_SERVICE_ENV, Emulator, auth, aws_services

ROOT = str(Path(__file__).resolve().parents[1])


class TestOffline:
    """Offline mode: every client reaches the emulator, and only the environment changed."""

    def test_auto_without_credentials_is_offline(self, clean_env: None) -> None:
        conn = connect()
        assert conn.mode == "offline" and conn.account == "123456789012" and conn.region == "us-west-2"
        assert os.environ["AWS_ENDPOINT_URL"] == conn.endpoint == os.environ["ANTHROPIC_BEDROCK_BASE_URL"]

    def test_guide_code_runs_unchanged(self, clean_env: None) -> None:
        connect("offline")
        message = AnthropicBedrock().messages.create(model=MODEL_GLOBAL, max_tokens=64,
                                                     messages=[{"role": "user", "content": "Hello, world"}])
        assert message.content[0].text
        body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                           "messages": [{"role": "user", "content": "Hello, world"}]})
        response = boto3.client("bedrock-runtime").invoke_model(body=body, modelId=MODEL_GLOBAL)
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

    def test_stopped_aws_services_are_started_again(self, clean_env: None, emulator: Emulator) -> None:
        """connect() after the process's offline S3/Logs/IAM were stopped: a new port, and everything follows it."""
        first = connect("offline")
        stopped = aws_services.current()
        assert stopped is not None and os.environ["AWS_ENDPOINT_URL_S3"] == stopped.url
        stopped.stop()
        try:
            second = connect("offline")
            running = aws_services.current()
            assert second.emulator is first.emulator and running is not None and running.url != stopped.url
            assert second.emulator.aws_url == second.emulator.state.aws.url == running.url
            assert {os.environ[name] for name in AWS_SERVICE_ENV} == {running.url}
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket="after-a-restart",
                             CreateBucketConfiguration={"LocationConstraint": second.region})
            assert "after-a-restart" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
            # The emulator itself (invocation logs, batch) writes to the running services too.
            assert second.emulator.state.aws.bucket_region("after-a-restart") == second.region
        finally:
            emulator.ensure_aws()  # the session's emulator was attached to the stopped services as well
            aws_services.current().reset()

    def test_without_moto_no_stale_service_endpoints_remain(self, clean_env: None) -> None:
        """moto missing: AWS_ENDPOINT_URL_S3/… from an earlier export must not point boto3 at a dead server, and
        aws mode gets them back (a real process, with moto made unimportable)."""
        script = (
            "import os, sys\n"
            "sys.modules['moto'] = None\n"
            "from helpers import connect\n"
            "from helpers.emulator import AWS_SERVICE_ENV\n"
            "conn = connect('offline')\n"
            "print(conn.emulator.aws_url, [os.environ.get(n) for n in AWS_SERVICE_ENV])\n"
            "try:\n"
            "    connect('aws')\n"
            "except Exception as e:\n"
            "    print(type(e).__name__)\n"
            "print([os.environ.get(n) for n in AWS_SERVICE_ENV])\n")
        stale = dict.fromkeys(AWS_SERVICE_ENV, "http://127.0.0.1:9")
        out = subprocess.run([sys.executable, "-c", script], env={**os.environ, **stale, "PYTHONPATH": ROOT},
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == ["None [None, None, None]", "NotConnected",
                                           str(["http://127.0.0.1:9"] * 3)]
        assert "moto" in out.stderr  # the warning says what is missing

    def test_a_profile_that_does_not_exist_here_does_not_stop_offline_mode(
            self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_PROFILE", "workshop-profile-from-another-laptop")
        conn = connect("offline")
        assert conn.mode == "offline" and "AWS_PROFILE" not in os.environ
        assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"

    def test_anthropic_bedrock_forgets_credentials_of_the_previous_mode(self, clean_env: None) -> None:
        """AnthropicBedrock caches the boto3 session it resolved first; connect() clears that cache."""
        from anthropic.lib.bedrock import _auth  # where anthropic 1.x (the pinned major) caches it

        connect("offline")
        AnthropicBedrock().messages.create(model=MODEL_GLOBAL, max_tokens=8,
                                           messages=[{"role": "user", "content": "Hi"}])
        assert _auth._get_session.cache_info().currsize >= 1
        connect("offline")
        assert _auth._get_session.cache_info().currsize == 0

    def test_connect_leaves_the_anthropic_sdk_unimported(self) -> None:
        """Every notebook starts with connect(): it must not pay for an SDK the notebook may never use
        (importing anthropic costs about a second of CPU; 30 notebooks run it in CI)."""
        script = ("import sys\nfrom helpers import connect\nconnect('offline')\n"
                  "print(sorted(m for m in sys.modules if m == 'anthropic' or m.startswith('anthropic.')))\n")
        out = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": ROOT},
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "[]"

    def test_not_connected_keeps_an_acronym_or_a_cjk_title_as_written(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The title joins "HANDSON_MODE=aws, but …": its first letter is lowered only when it starts a word."""
        from helpers.errors import Explanation

        def message(title: str) -> str:
            problem = Explanation(code="X", message="", title=title, fix="Fix it.", pain_point=None, recognised=True)
            return str(connection.NotConnected(problem)).splitlines()[0]

        assert message("No AWS credentials were found.") == "HANDSON_MODE=aws, but no AWS credentials were found."
        assert message("AWS SSO session expired.") == "HANDSON_MODE=aws, but AWS SSO session expired."
        monkeypatch.setenv("HANDSON_LANG", "ja")
        assert "aWS" not in message("AWS 認証情報が見つかりませんでした。")

    def test_a_region_that_does_not_exist_is_refused_at_once(self, clean_env: None) -> None:
        connect("offline")  # an emulator is already running in this kernel
        with pytest.raises(ValueError, match="'us-west-9' is not an AWS region"):
            connect("offline", region="us-west-9")
        assert connect("offline", region="eu-west-1").region == "eu-west-1"

    def test_display_never_shows_a_secret(self, clean_env: None) -> None:
        conn = connect("offline")
        shown = str(conn) + conn._repr_html_() + repr(conn)
        assert auth.SECRET_ACCESS_KEY not in shown and auth.ACCESS_KEY_ID not in shown
        assert "AKIA…MPLE" in shown and "<table>" in conn._repr_html_()


class TestAws:
    """AWS mode resolves credentials and region the way the SDKs do."""

    @staticmethod
    def _account(monkeypatch: pytest.MonkeyPatch, emulator: Emulator, key: str, secret: str) -> None:
        """Credentials in the environment, and an endpoint (the emulator) standing in for AWS's STS."""
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)

    def test_auto_with_credentials_is_aws(self, clean_env: None, emulator: Emulator,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
        # Another of AWS's documented example key pairs: credentials, but not the emulator's.
        self._account(monkeypatch, emulator, "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
        conn = connect()
        assert (conn.mode, conn.region, conn.access_key) == ("aws", "eu-west-1", "AKIAI44QH8DHBEXAMPLE")
        assert conn.account is None and "Could not confirm the credentials with STS" in conn.notes[0]
        assert any("TypeScript" in n and "AWS_REGION" in n for n in conn.notes)
        assert "je7MtGbClwBF" not in str(conn) + conn._repr_html_()

    def test_explicit_aws_confirms_the_account(self, clean_env: None, emulator: Emulator,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
        self._account(monkeypatch, emulator, auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
        conn = connect("aws")
        assert (conn.mode, conn.region, conn.account) == ("aws", "eu-west-1", "123456789012")
        assert auth.SECRET_ACCESS_KEY not in str(conn) + conn._repr_html_()

    def test_disagreeing_regions_are_pointed_out(self, clean_env: None, emulator: Emulator,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        self._account(monkeypatch, emulator, auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
        conn = connect("aws")
        assert "AWS_REGION=us-east-1 but boto3 uses ap-northeast-1" in conn.notes[0]

    def test_no_region(self, clean_env: None, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self._account(monkeypatch, emulator, auth.ACCESS_KEY_ID, auth.SECRET_ACCESS_KEY)
        monkeypatch.delenv("AWS_DEFAULT_REGION")
        conn = connect("aws")
        assert conn.region is None and any(n.startswith("No region set") for n in conn.notes)


class TestNoCredentials:
    """aws mode without usable credentials stops at connect() with the fixes, not a traceback."""

    def test_aws_without_credentials_stops_with_the_fixes(self, clean_env: None) -> None:
        with pytest.raises(connection.NotConnected) as caught:
            connect("aws")
        message = str(caught.value)
        assert message.startswith("HANDSON_MODE=aws, but no AWS credentials were found")
        assert "aws configure" in message and "offline" in message and "make doctor" in message
        # IPython renders _render_traceback_ instead of a traceback: one short block, no frames.
        lines = caught.value._render_traceback_()
        assert lines == [f"NotConnected: {message}"] and "Traceback" not in "".join(lines)

    def test_ipython_shows_no_traceback(self, clean_env: None, capsys: pytest.CaptureFixture[str]) -> None:
        from IPython.testing.globalipapp import get_ipython

        shell = get_ipython()
        shell.run_cell("import helpers; helpers.connect('aws')")
        shown = capsys.readouterr()
        text = shown.out + shown.err
        assert "NotConnected: HANDSON_MODE=aws, but no AWS credentials were found" in text
        assert "Traceback" not in text and "botocore" not in text

    def test_partial_credentials_in_aws_mode(self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE")
        with pytest.raises(connection.NotConnected, match="but only half of an AWS key pair") as caught:
            connect("aws")
        assert "Set AWS_SECRET_ACCESS_KEY too" in str(caught.value)

    def test_partial_credentials_in_auto_mode_run_offline_and_say_why(
            self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE")
        conn = connect()
        assert conn.mode == "offline"
        assert conn.notes[0].startswith("Your AWS credentials could not be used, so this runs offline: Only half")
        assert "Set AWS_SECRET_ACCESS_KEY too" in conn.notes[0]


class TestRerun:
    """Running a notebook again in the same kernel keeps the mode it chose."""

    def test_second_auto_call_stays_offline(self, clean_env: None) -> None:
        first = connect()
        assert os.environ["AWS_ACCESS_KEY_ID"] == auth.ACCESS_KEY_ID  # offline set the emulator's keys...
        second = connect()
        assert (first.mode, second.mode) == ("offline", "offline")  # ...which auto mode does not take for AWS
        assert first.emulator is second.emulator

    def test_emulator_keys_never_mean_an_account(self, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
        """A new kernel whose environment holds the emulator's export lines is offline in auto mode."""
        for name, value in auth.IDENTITIES.items():
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", name)
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", value.secret)
            if value.session_token:
                monkeypatch.setenv("AWS_SESSION_TOKEN", value.session_token)
            monkeypatch.setattr(connection, "_current", None)
            assert connect().mode == "offline"

    def test_explicit_aws_after_offline_restores_the_learners_environment(
            self, clean_env: None, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)  # the learner's own (stands in for AWS)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", auth.SESSION_ACCESS_KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", auth.SESSION_SECRET_ACCESS_KEY)
        monkeypatch.setenv("AWS_SESSION_TOKEN", auth.SESSION_TOKEN)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        offline = connect("offline")
        assert os.environ["AWS_ACCESS_KEY_ID"] == auth.ACCESS_KEY_ID and "AWS_SESSION_TOKEN" not in os.environ
        conn = connect("aws")
        assert os.environ["AWS_ACCESS_KEY_ID"] == auth.SESSION_ACCESS_KEY_ID
        assert os.environ["AWS_SESSION_TOKEN"] == auth.SESSION_TOKEN
        assert (conn.mode, conn.region, conn.account) == ("aws", "eu-west-1", "123456789012")
        assert conn.endpoint == emulator.url != offline.endpoint
        assert connect().mode == "aws"  # and auto keeps that choice


def test_unknown_mode(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(connection.MODE_VARIABLE, "cloud")
    with pytest.raises(ValueError, match="use one of: auto, offline, aws"):
        connect()
