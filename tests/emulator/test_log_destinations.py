"""Log destinations are safe: refused at configuration time as Bedrock refuses them, or written inside the log
folder whatever their names, and a failed delivery never changes the caller's answer.

Every test runs an emulator whose log folder sits a few levels inside a temporary root; after each test the
whole root is walked and nothing may exist outside the log folder except what the test itself put there.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from cli_process import exports_of, printed_lines, start_cli
from conftest import MODEL_US, claude_body, client_of, error_of, signed_request

from helpers import invocation_logs
from helpers.emulator import Emulator, auth, start

ROLE_ARN = "arn:aws:iam::123456789012:role/BedrockInvocationLogging"
MESSAGES = [{"role": "user", "content": [{"text": "Hello, world"}]}]
NAME_MAX = 255


# --- an emulator whose log folder lies inside a root we can walk ------------------------------------------


@dataclass
class Site:
    root: Path
    log_dir: Path
    emu: Emulator

    def outside(self) -> set[Path]:
        """Every path under the root that is neither the log folder, one of its parents, nor inside it."""
        keep = {self.log_dir, *self.log_dir.parents}
        found = set()
        for folder, dirs, files in os.walk(self.root):
            for name in dirs + files:
                path = Path(folder) / name
                if path not in keep and not path.is_relative_to(self.log_dir):
                    found.add(path)
        return found

    def files(self) -> list[Path]:
        return sorted(p for p in self.log_dir.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("root")
    log_dir = root / "nest" / "deeper" / "logs"  # so that up to three `..` would still land under root
    emu = start(log_dir=log_dir)
    yield Site(root, log_dir, emu)
    emu.stop()


@pytest.fixture(scope="module")
def made_outside() -> set[Path]:
    """Paths tests themselves create outside the log folder (a symlink's target), allowed by the check below."""
    return set()


@pytest.fixture(autouse=True)
def nothing_escapes(site: Site, made_outside: set[Path]) -> Iterator[None]:
    yield
    site.emu.state.logging_config = None
    assert site.outside() == made_outside
    for path in site.log_dir.rglob("*"):
        if not path.is_symlink():
            assert path.resolve().is_relative_to(site.log_dir.resolve()), path
            assert len(path.name.encode()) <= NAME_MAX, path


@pytest.fixture
def bedrock(site: Site) -> Any:
    return client_of(site.emu, "bedrock")


@pytest.fixture
def runtime(site: Site) -> Any:
    return client_of(site.emu, "bedrock-runtime")


def tag() -> str:
    return uuid.uuid4().hex[:10]


def put_raw(site: Site, config: Any) -> tuple[int, dict[str, Any]]:
    """PutModelInvocationLoggingConfiguration with any JSON (botocore would refuse wrong types client-side)."""
    body = json.dumps({"loggingConfig": config}).encode()
    r = signed_request(site.emu.url, "PUT", "/logging/modelinvocations", body,
                       headers={"content-type": "application/json"})
    return r.status, json.loads(r.data)


def request_id(response: dict[str, Any]) -> str:
    return response["ResponseMetadata"]["RequestId"]


def all_four(runtime: Any) -> list[str]:
    """InvokeModel, Converse and both streams, each answered normally; their request ids."""
    ids = []
    response = runtime.invoke_model(body=claude_body("logged"), modelId=MODEL_US)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert json.loads(response["body"].read())["type"] == "message"
    ids.append(request_id(response))
    response = runtime.converse(modelId=MODEL_US, messages=MESSAGES)
    assert response["output"]["message"]["content"][0]["text"]
    ids.append(request_id(response))
    response = runtime.converse_stream(modelId=MODEL_US, messages=MESSAGES)
    events = list(response["stream"])  # an exception frame would raise EventStreamError here
    assert "messageStop" in events[-2] and "metadata" in events[-1]
    ids.append(request_id(response))
    response = runtime.invoke_model_with_response_stream(body=claude_body("streamed"), modelId=MODEL_US)
    chunks = [json.loads(e["chunk"]["bytes"]) for e in response["body"]]
    assert chunks[-1]["type"] == "message_stop"
    ids.append(request_id(response))
    return ids


def offline(site: Site) -> Any:
    """What helpers.invocation_logs.read needs of a connection, for this emulator."""
    return SimpleNamespace(mode="offline", emulator=site.emu)


def read_ids(site: Site, config: dict[str, Any], expected: int) -> list[str]:
    """Request ids read back by helpers.invocation_logs.read (a stream's record lands as the stream ends)."""
    deadline = time.monotonic() + 5
    while len(records := invocation_logs.read(offline(site), config)) < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return sorted(r["requestId"] for r in records)


# --- refused at configuration time ------------------------------------------------------------------------


def one_error(value: str, member: str, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at 'loggingConfig.{member}' failed to satisfy constraint: " \
           + constraint


CHARS = "Member must follow the S3 bucket naming rules: Bucket names can consist only of lowercase letters, " \
        "numbers, periods (.), and hyphens (-)."
LOG_GROUP_PATTERN = r"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+"


class TestRefused:
    """A 400 ValidationException in Bedrock's wording, and the configuration in place stays as it was."""

    KEPT: dict[str, Any] = {"s3Config": {"bucketName": "kept-bucket", "keyPrefix": "kept"},  # noqa: RUF012
                            "textDataDeliveryEnabled": True}

    @pytest.fixture(autouse=True)
    def configured(self, bedrock: Any) -> Iterator[None]:
        bedrock.put_model_invocation_logging_configuration(loggingConfig=self.KEPT)
        yield
        assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == self.KEPT

    @pytest.mark.parametrize(("config", "message"), [
        ({"s3Config": {"bucketName": "/tmp/evil"}}, one_error("/tmp/evil", "s3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "../x"}}, one_error("../x", "s3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "a\x00bc"}}, one_error("a\x00bc", "s3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "b" * 64}}, one_error("b" * 64, "s3Config.bucketName",
                                                           "Member must have length less than or equal to 63")),
        ({"cloudWatchConfig": {"logGroupName": "/aws/a b", "roleArn": ROLE_ARN}},
         one_error("/aws/a b", "cloudWatchConfig.logGroupName", LOG_GROUP_PATTERN)),
        ({"cloudWatchConfig": {"logGroupName": "x\x00", "roleArn": ROLE_ARN}},
         one_error("x\x00", "cloudWatchConfig.logGroupName", LOG_GROUP_PATTERN)),
        ({"cloudWatchConfig": {"logGroupName": "g" * 513, "roleArn": ROLE_ARN}},
         one_error("g" * 513, "cloudWatchConfig.logGroupName", "Member must have length less than or equal to 512")),
        ({"cloudWatchConfig": {"logGroupName": "/aws/x", "roleArn": "BedrockLogging"}},
         one_error("BedrockLogging", "cloudWatchConfig.roleArn",
                   "Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+")),
        ({"cloudWatchConfig": {"logGroupName": "/aws/x", "roleArn": ROLE_ARN,
                               "largeDataDeliveryS3Config": {"bucketName": "Big_Bucket"}}},
         one_error("Big_Bucket", "cloudWatchConfig.largeDataDeliveryS3Config.bucketName", CHARS)),
        ({"s3Config": {"bucketName": "logs", "keyPrefix": "k" * 1025}},
         one_error("k" * 1025, "s3Config.keyPrefix", "Member must have length less than or equal to 1024")),
    ], ids=["absolute-bucket", "dotdot-bucket", "nul-bucket", "long-bucket", "space-group",
            "nul-group", "long-group", "role-name", "large-data-bucket", "long-prefix"])
    def test_boto3(self, bedrock: Any, config: dict[str, Any], message: str) -> None:
        with pytest.raises(ClientError) as excinfo:
            bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        assert error_of(excinfo) == ("ValidationException", message, 400)

    @pytest.mark.parametrize("bucket", ["xn--bucket", "sthree-bucket", "amzn-s3-demo-bucket", "bucket-s3alias",
                                        "bucket--ol-s3", "bucket.mrap", "bucket--x-s3", "bucket--table-s3",
                                        "192.168.5.4", "a..b", "-bucket", "bucket-", ".bucket", "Bucket"])
    def test_s3_bucket_naming_rules(self, bedrock: Any, bucket: str) -> None:
        """AWS's bucket naming rules (botocore's model has only the length)."""
        with pytest.raises(ClientError) as excinfo:
            bedrock.put_model_invocation_logging_configuration(loggingConfig={"s3Config": {"bucketName": bucket}})
        code, message, status = error_of(excinfo)
        assert (code, status) == ("ValidationException", 400)
        assert message.startswith(f"1 validation error detected: Value '{bucket}' at 'loggingConfig.s3Config."
                                  "bucketName' failed to satisfy constraint: Member must follow the S3 bucket naming "
                                  "rules: Bucket names ")

    @pytest.mark.parametrize(("config", "message"), [
        ({"s3Config": {"bucketName": 123}}, "1 validation error detected: Value at 'loggingConfig.s3Config."
                                            "bucketName' failed to satisfy constraint: Member must be a string"),
        ({"s3Config": {"bucketName": ["a", "b"]}}, "1 validation error detected: Value at 'loggingConfig.s3Config."
                                                   "bucketName' failed to satisfy constraint: Member must be a string"),
        ({"cloudWatchConfig": {"logGroupName": {"x": 1}, "roleArn": ROLE_ARN}},
         "1 validation error detected: Value at 'loggingConfig.cloudWatchConfig.logGroupName' failed to satisfy "
         "constraint: Member must be a string"),
        ({"s3Config": "my-bucket"}, "1 validation error detected: Value at 'loggingConfig.s3Config' failed to "
                                    "satisfy constraint: Member must be a structure"),
        ({"s3Config": {"bucketName": "abc"}, "textDataDeliveryEnabled": "yes"},
         "1 validation error detected: Value at 'loggingConfig.textDataDeliveryEnabled' failed to satisfy "
         "constraint: Member must be a boolean"),
        ({"s3Config": {"keyPrefix": "x"}}, "1 validation error detected: Value null at 'loggingConfig.s3Config."
                                           "bucketName' failed to satisfy constraint: Member must not be null"),
        ({"cloudWatchConfig": {"logGroupName": "/aws/x"}},
         "1 validation error detected: Value null at 'loggingConfig.cloudWatchConfig.roleArn' failed to satisfy "
         "constraint: Member must not be null"),
        ({"s3Config": {"bucketName": "/"}},  # botocore refuses it client-side (too short)
         "2 validation errors detected: "
         "Value '/' at 'loggingConfig.s3Config.bucketName' failed to satisfy constraint: Member must have length "
         "greater than or equal to 3; Value '/' at 'loggingConfig.s3Config.bucketName' failed to satisfy "
         f"constraint: {CHARS}"),
        ("s3", "1 validation error detected: Value at 'loggingConfig' failed to satisfy constraint: Member must be "
               "a structure"),
        ({"s3Config": {"bucketName": "a\ud800b"}},  # echoed surrogate-safely, as U+FFFD
         "1 validation error detected: Value 'a\ufffdb' at 'loggingConfig.s3Config.bucketName' failed to satisfy "
         f"constraint: {CHARS}"),
        ({"textDataDeliveryEnabled": True}, "At least one of s3Config or cloudWatchConfig must be specified."),
    ], ids=["number", "list", "object", "s3config-string", "boolean-string", "no-bucket", "no-role", "slash-bucket",
            "not-object",
            "surrogate", "no-destination"])
    def test_types_and_nulls(self, site: Site, config: Any, message: str) -> None:
        assert put_raw(site, config) == (400, {"message": message})

    def test_deeply_nested_body(self, site: Site) -> None:
        body = b'{"loggingConfig": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        r = signed_request(site.emu.url, "PUT", "/logging/modelinvocations", body)
        assert r.status == 400 and json.loads(r.data)["message"].startswith("Malformed input request")


def string_members(shape: Any, where: str = "loggingConfig") -> Iterator[tuple[str, Any]]:
    for name, member in shape.members.items():
        if member.type_name == "structure":
            yield from string_members(member, f"{where}.{name}")
        elif member.type_name == "string":
            yield f"{where}.{name}", member


LOGGING_CONFIG = botocore.session.get_session().get_service_model("bedrock").operation_model(
    "PutModelInvocationLoggingConfiguration").input_shape.members["loggingConfig"]


@pytest.mark.parametrize(("where", "shape"), list(string_members(LOGGING_CONFIG)),
                         ids=[w for w, _ in string_members(LOGGING_CONFIG)])
def test_lengths_are_botocores(site: Site, where: str, shape: Any) -> None:
    """Every string member's max length is the one in botocore's model (the peer, read independently)."""
    config: dict[str, Any] = {"s3Config": {"bucketName": "valid-bucket"},
                              "cloudWatchConfig": {"logGroupName": "/aws/ok", "roleArn": ROLE_ARN}}
    *parents, name = where.split(".")[1:]
    holder = config
    for parent in parents:
        holder = holder.setdefault(parent, {"bucketName": "valid-bucket"})
    limit = shape.metadata["max"]
    holder[name] = "arn:aws:iam::123456789012:role/" + "r" * limit if name == "roleArn" else "a" * (limit + 1)
    status, answer = put_raw(site, config)
    assert status == 400
    assert f"at '{where}' failed to satisfy constraint: Member must have length less than or equal to {limit}" \
        in answer["message"]


# --- accepted names are written inside the log folder -----------------------------------------------------


class TestLegalButDangerous:
    """Names AWS allows but a file system would follow are mapped to safe folder names, and read() finds them."""

    @pytest.mark.parametrize(("prefix", "folders"), [
        ("a/../../b", ["a", "%2E%2E", "%2E%2E", "b"]),
        ("./x", ["%2E", "x"]),
        ("//x", ["x"]),
        ("/abs/olute/", ["abs", "olute"]),
        ("../../../../../../etc", ["%2E%2E"] * 6 + ["etc"]),
        ("nul\x00byte/~home", ["nul%00byte", "%7Ehome"]),
        ("p" * 1024, None),  # one component far over NAME_MAX
        ("é" * 300 + "/x", None),
    ], ids=["dotdot", "dot", "double-slash", "leading-slash", "deep-dotdot", "nul-tilde", "long", "long-utf8"])
    def test_s3_key_prefix(self, site: Site, bedrock: Any, runtime: Any, prefix: str,
                           folders: list[str] | None) -> None:
        bucket = f"logs-{tag()}"
        config = {"s3Config": {"bucketName": bucket, "keyPrefix": prefix}}
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        assert bedrock.get_model_invocation_logging_configuration()["loggingConfig"] == config
        ids = all_four(runtime)
        assert read_ids(site, config, 4) == sorted(ids)
        objects = [p for p in site.files() if p.is_relative_to(site.log_dir / "s3" / bucket)]
        assert len(objects) == 4
        for path in objects:
            relative = path.relative_to(site.log_dir / "s3" / bucket).parts
            start = relative.index("AWSLogs")
            if folders is not None:
                assert list(relative[:start]) == folders
            assert all(len(part) <= NAME_MAX for part in relative)

    @pytest.mark.parametrize(("group", "file"), [
        ("../../x", "%2E%2E/%2E%2E/x.jsonl"),
        ("/aws/bedrock/../x", "aws/bedrock/%2E%2E/x.jsonl"),
        ("/", "%2F.jsonl"),
        ("//..//", "%2E%2E.jsonl"),
        ("#/.", "%23/%2E.jsonl"),
        ("g" * 512, None),
    ], ids=["dotdot", "inner-dotdot", "slash", "slashes-dotdot", "hash-dot", "long"])
    def test_log_group(self, site: Site, bedrock: Any, runtime: Any, group: str, file: str | None) -> None:
        config = {"cloudWatchConfig": {"logGroupName": group, "roleArn": ROLE_ARN}}
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        before = {p: p.read_bytes() for p in site.files()}
        ids = all_four(runtime)
        assert set(ids) <= set(read_ids(site, config, len(ids)))
        changed = [p for p in site.files() if before.get(p) != p.read_bytes()]
        assert len(changed) == 1 and changed[0].is_relative_to(site.log_dir / "cloudwatch")
        if file is not None:
            assert changed[0] == site.log_dir / "cloudwatch" / file

    def test_region_in_the_layout(self, site: Site, bedrock: Any) -> None:
        """The signature's region is a folder of the S3 layout: whatever it is, it stays one folder."""
        config = {"s3Config": {"bucketName": f"logs-{tag()}"}}
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        for region in ("..", "x" * 300):
            r = signed_request(site.emu.url, "POST", f"/model/{MODEL_US}/invoke", claude_body().encode(),
                               service="bedrock", region=region)
            assert r.status < 500, r.data


def test_lone_surrogates_where_the_model_allows_them(site: Site, bedrock: Any, runtime: Any) -> None:
    """keyPrefix and roleArn have no pattern excluding lone surrogates: accepted, echoed back, written safely."""
    config = {"s3Config": {"bucketName": f"logs-{tag()}", "keyPrefix": "\ud800x"},
              "cloudWatchConfig": {"logGroupName": f"/aws/s-{tag()}",
                                   "roleArn": "arn:aws:iam::123456789012:role/\udfff"}}
    assert put_raw(site, config) == (200, {})
    r = signed_request(site.emu.url, "GET", "/logging/modelinvocations")
    assert r.status == 200 and json.loads(r.data) == {"loggingConfig": config}
    ids = all_four(runtime)
    assert read_ids(site, config, 4) == sorted(ids)
    assert (site.log_dir / "s3" / config["s3Config"]["bucketName"] / "%ED%A0%80x").is_dir()


class TestWithoutValidation:
    """The mapping does not rely on validation: configurations stored without it still write inside the folder."""

    @pytest.mark.parametrize("config", [
        {"s3Config": {"bucketName": "ABSOLUTE", "keyPrefix": "x"}},  # the bucket becomes the root's absolute path
        {"s3Config": {"bucketName": "/"}},
        {"s3Config": {"bucketName": ".."}},
        {"s3Config": {"bucketName": "../../../..", "keyPrefix": "../../.."}},
        {"s3Config": {"bucketName": "nul\x00"}},
        {"s3Config": {"bucketName": 123}},
        {"s3Config": {"bucketName": "b" * 5000}},
        {"s3Config": {"bucketName": ""}},
        {"cloudWatchConfig": {"logGroupName": "ABSOLUTE"}},
        {"cloudWatchConfig": {"logGroupName": "/../../../../x"}},
        {"cloudWatchConfig": {"logGroupName": ""}},
        {"cloudWatchConfig": {"logGroupName": "a\ud800b"}},
    ], ids=["absolute", "slash", "dotdot", "many-dotdots", "nul", "number", "very-long", "empty", "absolute-group",
            "dotdot-group", "empty-group", "surrogate-group"])
    def test_hostile_names(self, site: Site, runtime: Any, config: dict[str, Any]) -> None:
        config = json.loads(json.dumps(config).replace("ABSOLUTE", str(site.root / "escaped")))
        site.emu.state.logging_config = config  # as if stored without PutModelInvocationLoggingConfiguration's checks
        all_four(runtime)
        assert not (site.root / "escaped").exists()


# --- a failed delivery ------------------------------------------------------------------------------------


def delivery_warnings(caplog: pytest.LogCaptureFixture, destination: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "helpers.emulator" and r.levelno == logging.WARNING and destination in r.getMessage()]


class TestFailedDelivery:
    """An unwritable destination: every answer unchanged, one warning per cause, the other destination served."""

    def test_bucket_folder_is_a_file(self, site: Site, bedrock: Any, runtime: Any,
                                     caplog: pytest.LogCaptureFixture) -> None:
        bucket, group = f"logs-{tag()}", f"/aws/ok-{tag()}"
        (site.log_dir / "s3").mkdir(parents=True, exist_ok=True)
        (site.log_dir / "s3" / bucket).write_text("not a folder")
        config = {"s3Config": {"bucketName": bucket},
                  "cloudWatchConfig": {"logGroupName": group, "roleArn": ROLE_ARN}}
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        ids = all_four(runtime) + all_four(runtime)
        assert (site.log_dir / "s3" / bucket).read_text() == "not a folder"
        cloudwatch = {"cloudWatchConfig": config["cloudWatchConfig"]}
        assert read_ids(site, cloudwatch, 8) == sorted(ids)  # CloudWatch still got every record
        warnings = delivery_warnings(caplog, f"S3 bucket '{bucket}'")
        assert len(warnings) == 1, warnings
        assert "FileExistsError" in warnings[0] or "NotADirectoryError" in warnings[0]
        assert "The caller's answer is unaffected" in warnings[0]

    def test_log_group_file_is_a_folder(self, site: Site, bedrock: Any, runtime: Any,
                                        caplog: pytest.LogCaptureFixture) -> None:
        name = f"busy-{tag()}"
        (site.log_dir / "cloudwatch" / f"{name}.jsonl").mkdir(parents=True)
        bedrock.put_model_invocation_logging_configuration(loggingConfig={
            "cloudWatchConfig": {"logGroupName": name, "roleArn": ROLE_ARN}})
        all_four(runtime)
        with pytest.raises(ClientError):  # a failed call, whose record cannot be delivered either
            runtime.invoke_model(body="{}", modelId=MODEL_US)
        assert len(delivery_warnings(caplog, f"CloudWatch log group '{name}'")) == 1

    def test_symlink_out_of_the_folder(self, site: Site, bedrock: Any, runtime: Any, made_outside: set[Path],
                                       caplog: pytest.LogCaptureFixture) -> None:
        """A folder inside the log folder that leads elsewhere is not followed."""
        elsewhere = site.root / f"elsewhere-{tag()}"
        elsewhere.mkdir()
        made_outside.add(elsewhere)
        bucket = f"logs-{tag()}"
        (site.log_dir / "s3").mkdir(parents=True, exist_ok=True)
        (site.log_dir / "s3" / bucket).symlink_to(elsewhere, target_is_directory=True)
        bedrock.put_model_invocation_logging_configuration(loggingConfig={"s3Config": {"bucketName": bucket}})
        all_four(runtime)
        assert list(elsewhere.iterdir()) == []
        warnings = delivery_warnings(caplog, f"S3 bucket '{bucket}'")
        assert len(warnings) == 1 and "outside the log folder" in warnings[0]


def test_failure_reported_on_stderr(tmp_path: Path) -> None:
    """`python -m helpers.emulator`: the failed delivery is one warning on its stderr; every call answered."""
    log_dir = tmp_path / "logs"
    (log_dir / "s3").mkdir(parents=True)
    (log_dir / "s3" / "blocked-bucket").write_text("a file where the bucket's folder would be")
    proc = start_cli("--port", "0", "--log-dir", str(log_dir))
    try:
        exports = exports_of(printed_lines(proc))
        url, ca_bundle = exports["AWS_ENDPOINT_URL"], exports["AWS_CA_BUNDLE"]
        deadline = time.monotonic() + 15
        session = boto3.session.Session(aws_access_key_id=auth.ACCESS_KEY_ID,
                                        aws_secret_access_key=auth.SECRET_ACCESS_KEY)
        bedrock = session.client("bedrock", endpoint_url=url, region_name="us-east-1", verify=ca_bundle)
        while True:
            try:
                bedrock.put_model_invocation_logging_configuration(
                    loggingConfig={"s3Config": {"bucketName": "blocked-bucket"}})
                break
            except Exception:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        all_four(session.client("bedrock-runtime", endpoint_url=url, region_name="us-east-1", verify=ca_bundle))
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=15)
    assert stderr.count("Invocation log record could not be delivered to S3 bucket 'blocked-bucket'") == 1, stderr
    assert "Traceback" not in stderr


# --- hostile bodies with logging on -----------------------------------------------------------------------


def invoke_raw(site: Site, body: bytes, *, headers: dict[str, str] | None = None, operation: str = "invoke",
               ) -> tuple[int, str]:
    r = signed_request(site.emu.url, "POST", f"/model/{MODEL_US}/{operation}", body, service="bedrock",
                       headers=headers)
    return r.status, r.headers["x-amzn-requestid"]


def anthropic_body(content: str) -> bytes:
    return ('{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":'
            + content + "}]}").encode()


class TestHostileBodies:
    """Deep nesting and lone surrogates with logging on: never a 5xx, and the record is still written and read."""

    @pytest.fixture
    def logging_on(self, site: Site, bedrock: Any) -> dict[str, Any]:
        config = {"s3Config": {"bucketName": f"logs-{tag()}"},
                  "cloudWatchConfig": {"logGroupName": f"/aws/hostile-{tag()}", "roleArn": ROLE_ARN}}
        bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
        return config

    def records(self, site: Site, config: dict[str, Any], rid: str) -> list[dict[str, Any]]:
        s3 = [r for r in invocation_logs.read(offline(site), config) if r["requestId"] == rid]
        cloudwatch = [r for r in invocation_logs.read(offline(site), {"cloudWatchConfig": config["cloudWatchConfig"]})
                      if r["requestId"] == rid]
        assert s3 == cloudwatch and len(s3) == 1
        return s3

    @pytest.mark.parametrize("depth", [50, 600, 1_000, 100_000])
    @pytest.mark.parametrize("operation", ["invoke", "converse", "converse-stream", "invoke-with-response-stream"])
    def test_deep_nesting(self, site: Site, logging_on: dict[str, Any], depth: int, operation: str) -> None:
        nested = "[" * depth + "]" * depth
        if operation.startswith("converse"):
            body = ('{"messages":[{"role":"user","content":[{"text":"hi","x":' + nested + "}]}]}").encode()
        else:
            body = anthropic_body(nested)
        status, rid = invoke_raw(site, body, operation=operation)
        assert status < 500
        (record,) = self.records(site, logging_on, rid)
        logged = record["input"].get("inputBodyJson")
        if depth <= 50:
            assert logged == json.loads(body)
        else:  # deeper than a JSON reader reads comfortably: the record leaves the body out
            assert logged is None

    @pytest.mark.parametrize(("content", "expected"), [
        ('"\\ud800 lone"', "\ud800 lone"),
        ('[{"type":"text","text":"\\udfff"}]', [{"type": "text", "text": "\udfff"}]),
        ('"line\\u2028separator \u2028 raw"', "line\u2028separator \u2028 raw"),
        ('"caf\u00e9 \U0001f600"', "caf\u00e9 \U0001f600"),
    ], ids=["lone-high", "lone-low-in-block", "line-separators", "non-ascii"])
    def test_strings(self, site: Site, logging_on: dict[str, Any], content: str, expected: Any) -> None:
        status, rid = invoke_raw(site, anthropic_body(content), headers={
            "x-amzn-bedrock-request-metadata": '{"team":"\\ud800"}'})
        assert status == 200
        (record,) = self.records(site, logging_on, rid)
        assert record["input"]["inputBodyJson"]["messages"][0]["content"] == expected
        assert record["requestMetadata"] == {"team": "\ud800"}

    def test_pretty_printed_body_is_one_line(self, site: Site, logging_on: dict[str, Any]) -> None:
        body = json.dumps(json.loads(anthropic_body('"pretty"')), indent=2).replace("\n", "\r\n").encode()
        status, rid = invoke_raw(site, body)
        assert status == 200
        assert self.records(site, logging_on, rid)[0]["input"]["inputBodyJson"] == json.loads(body)

    def test_not_json(self, site: Site, logging_on: dict[str, Any]) -> None:
        for body in (b"{nope", b'{"a": NaN}', b"\xff\xfe\x00", b'"\xed\xa0\x80"'):
            status, rid = invoke_raw(site, body)
            assert status == 400
            (record,) = self.records(site, logging_on, rid)
            assert record["errorCode"] == "ValidationException" and "inputBodyJson" not in record["input"]
