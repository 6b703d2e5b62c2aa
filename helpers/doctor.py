"""The preflight doctor: is this machine ready to call Claude on Bedrock? Each check says ok, warn
or fail, and the exact fix. ``python -m helpers doctor [--json]`` runs it from a terminal.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import catalog
from .connection import region_disagreement

OK, WARN, FAIL = "ok", "warn", "fail"
BOTO3_FLOOR = (1, 28, 59)    # the guide's floor: first boto3 that knows bedrock-runtime
BOTO3_REQUIREMENT = "boto3>=" + ".".join(map(str, BOTO3_FLOOR))
CLI_FLOOR = (2, 13, 23)      # the guide's floor for the AWS CLI
PYTHON_FLOOR = (3, 11)
ROOT = Path(__file__).resolve().parents[1]
_ICONS = {OK: "✅", WARN: "⚠️", FAIL: "❌"}


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        fix = f"\n      fix: {self.fix}" if self.fix else ""
        return f"{self.status.upper():<4}  {self.name}: {self.detail}{fix}"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _dotted(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


def check_python() -> Check:
    found = sys.version_info[:3]
    if found[:2] >= PYTHON_FLOOR:
        return Check("Python", OK, f"Python {_dotted(found)}")
    return Check("Python", FAIL, f"Python {_dotted(found)}", f"Install Python {_dotted(PYTHON_FLOOR)} or newer.")


def check_boto3() -> Check:
    try:
        version = metadata.version("boto3")
    except metadata.PackageNotFoundError:
        return Check("boto3", FAIL, "not installed", f'pip install "{BOTO3_REQUIREMENT}"')
    import botocore.session

    services = botocore.session.get_session().get_available_services()
    if _version(version) < BOTO3_FLOOR or "bedrock-runtime" not in services:
        return Check("boto3", FAIL, f"boto3 {version} does not know bedrock-runtime (UnknownServiceError)",
                     f'pip install -U "{BOTO3_REQUIREMENT}" and restart the kernel')
    return Check("boto3", OK, f"boto3 {version}, botocore {metadata.version('botocore')}")


def check_anthropic() -> Check:
    try:
        version = metadata.version("anthropic")
        from anthropic import AnthropicBedrock  # noqa: F401  (needs the [bedrock] extra's packages)
    except (metadata.PackageNotFoundError, ImportError) as e:
        return Check("anthropic[bedrock]", FAIL, f"not usable: {e}", 'pip install -U "anthropic[bedrock]"')
    return Check("anthropic[bedrock]", OK, f"anthropic {version}")


def check_node(run: Callable[..., Any] = subprocess.run) -> Check:
    node = shutil.which("node")
    if not node:
        return Check("Node.js", WARN, "not found (only the TypeScript samples need it)",
                     "Install Node.js 20 or newer from nodejs.org, then `npm ci` in the project folder.")
    version = run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    if _version(version) < (20,):
        return Check("Node.js", WARN, f"Node.js {version}", "Install Node.js 20 or newer.")
    sdk = ROOT / "node_modules" / "@anthropic-ai" / "bedrock-sdk" / "package.json"
    if not sdk.exists():
        return Check("Node.js", WARN, f"Node.js {version}; @anthropic-ai/bedrock-sdk not installed",
                     "Run `npm ci` in the project folder (or `npm install @anthropic-ai/bedrock-sdk`).")
    sdk_version = json.loads(sdk.read_text())["version"]
    return Check("Node.js", OK, f"Node.js {version}, @anthropic-ai/bedrock-sdk {sdk_version}")


def check_aws_cli(run: Callable[..., Any] = subprocess.run) -> Check:
    aws = shutil.which("aws")
    if not aws:
        return Check("AWS CLI", WARN, "not found",
                     "Install AWS CLI v2 (2.13.23 or newer): https://docs.aws.amazon.com/cli/latest/userguide/"
                     "getting-started-install.html")
    try:
        out = run([aws, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("AWS CLI", WARN, f"`aws --version` failed: {e}", "Reinstall AWS CLI v2.")
    text = (out.stdout or out.stderr).strip()
    m = re.search(r"aws-cli/(\d+\.\d+\.\d+)", text)
    if not m:
        return Check("AWS CLI", WARN, f"unrecognised version output: {text[:80]!r}", "Reinstall AWS CLI v2.")
    version = _version(m.group(1))
    if version[0] < 2:
        return Check("AWS CLI", WARN, f"AWS CLI v1 ({m.group(1)}) at {aws}",
                     "The guide needs v2 (2.13.23+). v1 works for these notebooks' commands, but its flags differ "
                     "(v2 needs --cli-binary-format raw-in-base64-out for invoke-model). Install v2; if `pip "
                     "install awscli` put v1 first on PATH, uninstall it.")
    if version < CLI_FLOOR:
        return Check("AWS CLI", WARN, f"AWS CLI {m.group(1)} is older than 2.13.23",
                     "Update AWS CLI v2: older versions lack Bedrock commands and AWS_ENDPOINT_URL support.")
    return Check("AWS CLI", OK, f"AWS CLI {m.group(1)}")


def check_region() -> Check:
    import boto3

    region = boto3.Session().region_name
    disagreement = region_disagreement(region)
    if not region:
        return Check("Region", FAIL, "no region for boto3",
                     "export AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2 (or your region)")
    if disagreement:
        detail, fix = disagreement.split(": ", 1)
        return Check("Region", WARN, detail, fix)
    return Check("Region", OK, region)


def check_credentials_boto3() -> Check:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        identity = boto3.Session().client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as e:
        return Check("Credentials (boto3)", FAIL, str(e),
                     "Run `aws configure` (or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then re-run.")
    return Check("Credentials (boto3)", OK, f"account {identity['Account']}")


def check_credentials_cli(run: Callable[..., Any] = subprocess.run) -> Check:
    aws = shutil.which("aws")
    if not aws:
        return Check("Credentials (AWS CLI)", WARN, "AWS CLI not found", "See the AWS CLI check.")
    out = run([aws, "sts", "get-caller-identity", "--output", "json"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        return Check("Credentials (AWS CLI)", FAIL, out.stderr.strip()[-300:] or "failed",
                     "Run `aws configure`, or check AWS_PROFILE and the clock.")
    return Check("Credentials (AWS CLI)", OK, f"account {json.loads(out.stdout)['Account']}")


def check_model_access() -> list[Check]:
    """GetFoundationModelAvailability for every active catalog model offered here: free, no invocation."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.Session()
    region = session.region_name
    if not region:
        return [Check("Model access", WARN, "skipped: no region", "Set a region first.")]
    client = session.client("bedrock")
    checks = []
    for model in catalog.models():
        if model.lifecycle() == catalog.END_OF_LIFE or not model.offered_in(region):
            continue
        name = f"Access: {model.display_name}"
        try:
            found = client.get_foundation_model_availability(modelId=model.base_id)
        except (BotoCoreError, ClientError) as e:
            checks.append(Check(name, WARN, str(e), "Check bedrock:GetFoundationModelAvailability permission."))
            continue
        if found["authorizationStatus"] == "AUTHORIZED":
            checks.append(Check(name, OK, "authorized"))
        else:
            checks.append(Check(name, WARN, "not authorized",
                                "Request access in the Bedrock console (Model access) and, for Anthropic models, "
                                "submit the one-time use-case form."))
    return checks


def run_checks() -> list[Check]:
    """Every check, in the order a learner fixes things."""
    checks = [check_python(), check_boto3(), check_anthropic(), check_node(), check_aws_cli(), check_region()]
    checks += [check_credentials_cli(), check_credentials_boto3()]
    if checks[-1].status == OK and checks[5].status != FAIL:
        checks += check_model_access()
    return checks


class Report(list):
    """Doctor results: a table in JupyterLab, text in a terminal, JSON for workshop hosts."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __str__(self) -> str:
        width = max(len(c.name) for c in self)
        lines = [f"{c.status.upper():<4}  {c.name:<{width}}  {c.detail}" + (f"\n      fix: {c.fix}" if c.fix else "")
                 for c in self]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{_ICONS[c.status]}</td><td>{html.escape(c.name)}</td><td>{html.escape(c.detail)}"
                       f"</td><td>{html.escape(c.fix)}</td></tr>" for c in self)
        return f"<table><tr><th></th><th>check</th><th>result</th><th>fix</th></tr>{rows}</table>"

    def to_json(self) -> str:
        return json.dumps([asdict(c) for c in self], ensure_ascii=False, indent=2)

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self)


def doctor() -> Report:
    """Run every check; display the result in a notebook, or print it."""
    return Report(run_checks())
