"""The preflight doctor: is this machine ready for the notebooks? Each check says OK, WARN or FAIL (a
symbol and a word), and the exact fix.

It knows the mode (``HANDSON_MODE``, as :func:`helpers.connect` reads it): in ``aws`` mode it checks the
region, your credentials and model access; in ``offline`` mode, and in ``auto`` mode when no AWS
credentials are found (a WARN, not a FAIL: the notebooks then run offline), it starts the local emulator
in-process, sends it one real boto3 call and stops it.

From a terminal: ``make doctor``, or ``.venv/bin/python -m helpers doctor [--json]``. Exit status: 0 when
no check FAILs (WARNs allowed), 1 when one does, 2 for a usage error.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import catalog
from .connection import MODE_VARIABLE, MODES, OFFLINE_REGION, auto_choice, current, region_disagreement_parts
from .i18n import N_, _, ljust, width

OK, WARN, FAIL = "ok", "warn", "fail"
BOTO3_FLOOR = (1, 28, 59)    # the guide's floor: first boto3 that knows bedrock-runtime
BOTO3_REQUIREMENT = "boto3>=" + ".".join(map(str, BOTO3_FLOOR))
PYTHON_FLOOR = (3, 11)
ROOT = Path(__file__).resolve().parents[1]
# A symbol and a word for each status: the word survives a font without the symbol (and a screen reader).
SYMBOLS = {OK: "\u2713", WARN: "!", FAIL: "\u2717"}  # ✓ ! ✗: in every common monospace font, unlike emoji
WORDS = {OK: "OK", WARN: "WARN", FAIL: "FAIL"}
_COLOURS = {OK: "#15803d", WARN: "#b45309", FAIL: "#b91c1c"}
OFFLINE_PROBE_NAME = N_("Offline emulator")  # translated where a Check is made
# helpers.errors imports this module (BOTO3_REQUIREMENT), so checks import it when they run.


def label(status: str) -> str:
    """``"✓ OK"``, ``"! WARN"`` or ``"✗ FAIL"``."""
    return f"{SYMBOLS[status]} {WORDS[status]}"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def label(self) -> str:
        return label(self.status)

    def __str__(self) -> str:
        fix = "\n        " + _("fix: {fix}").format(fix=self.fix) if self.fix else ""
        return f"{self.label:<6}  {self.name}: {self.detail}{fix}"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "label": self.label, "detail": self.detail,
                "fix": self.fix}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _dotted(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


def check_python() -> Check:
    found = sys.version_info[:3]
    if found[:2] >= PYTHON_FLOOR:
        return Check("Python", OK, f"Python {_dotted(found)}")
    return Check("Python", FAIL, f"Python {_dotted(found)}",
                 _("Install Python {version} or newer.").format(version=_dotted(PYTHON_FLOOR)))


def check_boto3() -> Check:
    try:
        version = metadata.version("boto3")
    except metadata.PackageNotFoundError:
        return Check("boto3", FAIL, _("not installed"), f'pip install "{BOTO3_REQUIREMENT}"')
    import botocore.loaders

    services = botocore.loaders.create_loader().list_available_services("service-2")  # reads no AWS config
    if _version(version) < BOTO3_FLOOR or "bedrock-runtime" not in services:
        return Check("boto3", FAIL, _("boto3 {version} does not know bedrock-runtime (UnknownServiceError)")
                     .format(version=version),
                     _('pip install -U "{requirement}" and restart the kernel').format(requirement=BOTO3_REQUIREMENT))
    return Check("boto3", OK, f"boto3 {version}, botocore {metadata.version('botocore')}")


# --- what the installed Anthropic SDKs send ------------------------------------------------------------------
# anthropic >= 2 and @anthropic-ai/bedrock-sdk >= 1 put "anthropic_version": "2026-10-21" in every InvokeModel
# body, which on Bedrock only Claude 4.7 and later accept: the guide's models answer 400. The checks below
# measure it (one messages.create whose HTTP call is answered locally) rather than trust a version number.
_PROBE_REPLY = {"id": "msg_probe", "type": "message", "role": "assistant", "model": "probe", "content": [],
                "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
_TS_PROBE = """
const sdk = require(require.resolve('@anthropic-ai/bedrock-sdk', { paths: [process.argv[1]] }));
let sent = null;
const client = new sdk.AnthropicBedrock({ awsRegion: 'us-east-1', awsAccessKey: 'AKIAIOSFODNN7EXAMPLE',
  awsSecretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', maxRetries: 0,
  fetch: async (url, init) => { sent = init.body;
    return new Response(process.argv[2], { status: 200, headers: { 'content-type': 'application/json' } }); } });
client.messages.create({ model: 'probe', max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] })
  .then(() => { const body = typeof sent === 'string' ? sent : new TextDecoder().decode(sent);
    process.stdout.write(JSON.stringify(JSON.parse(body).anthropic_version ?? null)); })
  .catch((e) => { process.stderr.write(String(e)); process.exit(1); });
"""


_IF_400 = N_("If the guide's models answer 400 \"Invalid API version\": ")  # translated where it is shown


def sdk_first_majors() -> dict[str, str]:
    """The first major of each SDK that sends the new API version: {"anthropic": "2", ...} (from the catalog)."""
    text = catalog.general("sdk_majors_sending_new_version").value
    return {name: version.split(".")[0] for name, version in re.findall(r"(\S+) (\d+\.\d+\.\d+)", text)}


def sdk_pin(name: str) -> str:
    """The project's requirement for ``name`` (requirements.txt / package.json), else one below the first
    major that sends the new API version."""
    if name == "anthropic":
        found = re.search(r"^anthropic\[bedrock\]\S*", _read(ROOT / "requirements.txt"), re.MULTILINE)
        return found[0] if found else f"anthropic[bedrock]<{sdk_first_majors()[name]}"
    pinned = json.loads(_read(ROOT / "package.json") or "{}").get("dependencies", {}).get(name)
    return f"{name}@{pinned}" if pinned else f"{name}@<{sdk_first_majors()[name]}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _sends_new_version(sdk: str, version: str, sent: str) -> str:
    return _("{sdk} {version} sends anthropic_version {sent}, which on Bedrock only {models} models accept "
             "(the guide's models answer 400)").format(sdk=sdk, version=version, sent=sent,
                                                      models=catalog.general("new_api_version_on_bedrock").value)


def anthropic_api_version() -> str | None:
    """The ``anthropic_version`` the installed ``anthropic`` puts in an InvokeModel body: one real
    ``AnthropicBedrock.messages.create`` whose HTTP client answers locally (no network, a dummy key)."""
    import anthropic._base_client as base
    from anthropic import AnthropicBedrock

    http = getattr(base, "httpx2", None) or base.httpx  # the HTTP library this SDK version is built on
    bodies: list[dict[str, Any]] = []

    def answer(request: Any) -> Any:
        bodies.append(json.loads(request.content))
        return http.Response(200, json=_PROBE_REPLY)

    local = http.Client(transport=http.MockTransport(answer))
    try:  # a (dummy) Bedrock API key needs no AWS configuration at all, so a broken AWS_PROFILE cannot matter
        client = AnthropicBedrock(api_key="probe", aws_region=OFFLINE_REGION, http_client=local, max_retries=0)
    except TypeError:  # SDKs older than Bedrock API keys: dummy AWS keys
        client = AnthropicBedrock(aws_access_key="AKIAIOSFODNN7EXAMPLE", aws_secret_key="probe" * 8,
                                  aws_region=OFFLINE_REGION, http_client=local, max_retries=0)
    with local:
        client.messages.create(model="probe", max_tokens=1, messages=[{"role": "user", "content": "Hi"}])
    return bodies[0].get("anthropic_version")


def check_anthropic() -> Check:
    name = "anthropic[bedrock]"
    try:
        version = metadata.version("anthropic")
        from anthropic import AnthropicBedrock  # noqa: F401  (needs the [bedrock] extra's packages)
    except (metadata.PackageNotFoundError, ImportError) as e:
        return Check(name, FAIL, _("not usable: {error}").format(error=e), f'pip install "{sdk_pin("anthropic")}"')
    fixes = _('Pin it: pip install "{pin}" (the project\'s pin), or per request '
              'extra_body={{"anthropic_version": "{version}"}}, or call Bedrock with boto3 '
              "(unaffected).").format(pin=sdk_pin("anthropic"), version=catalog.BEDROCK_API_VERSION)
    try:
        sent = anthropic_api_version()
    except Exception as e:  # an SDK this check does not know how to drive: say so, do not crash
        return Check(name, WARN, _("anthropic {version}: could not measure which API version it sends "
                                   "({error})").format(version=version, error=f"{type(e).__name__}: {str(e)[:120]}"),
                     _(_IF_400) + fixes)
    if sent == catalog.BEDROCK_API_VERSION:
        return Check(name, OK, _("anthropic {version} (sends anthropic_version {sent})").format(version=version,
                                                                                                  sent=sent))
    return Check(name, WARN, _sends_new_version("anthropic", version, str(sent)), fixes)


def typescript_api_version(node: str, root: Path = ROOT, run: Callable[..., Any] = subprocess.run) -> str | None:
    """The ``anthropic_version`` the @anthropic-ai/bedrock-sdk under ``root`` sends: one messages.create with a
    ``fetch`` that answers locally, in plain Node (CommonJS). Raises RuntimeError when the script fails."""
    out = run([node, "-e", _TS_PROBE, str(root), json.dumps(_PROBE_REPLY)], cwd=root, capture_output=True,
              text=True, encoding="utf-8", timeout=30)
    if out.returncode != 0:  # Node prints an uncaught error after the source line: keep the "…Error: …" line
        said = [line.strip() for line in (out.stderr or out.stdout or "").splitlines() if line.strip()]
        raise RuntimeError(next((line for line in said if re.match(r"[\w.]*Error\b", line)), said[-1] if said else
                                f"node exited with status {out.returncode}"))
    return json.loads(out.stdout)


def check_node(run: Callable[..., Any] = subprocess.run, root: Path = ROOT) -> Check:
    node = shutil.which("node")
    if not node:
        return Check("Node.js", WARN, _("not found (only the TypeScript samples need it)"),
                     _("Install Node.js 20 or newer from nodejs.org, then `npm ci` in the project folder."))
    version = run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    if _version(version) < (20,):
        return Check("Node.js", WARN, f"Node.js {version}", _("Install Node.js 20 or newer."))
    package = "@anthropic-ai/bedrock-sdk"
    sdk = root / "node_modules" / "@anthropic-ai" / "bedrock-sdk" / "package.json"
    if not sdk.exists():
        return Check("Node.js", WARN, _("Node.js {version}; {package} not installed").format(version=version,
                                                                                              package=package),
                     _("Run `npm ci` in the project folder (or `npm install {pin}`).").format(pin=sdk_pin(package)))
    sdk_version = json.loads(sdk.read_text(encoding="utf-8"))["version"]
    found = f"Node.js {version}, {package} {sdk_version}"
    fixes = _("Pin it: npm install {pin} (the project's pin; `npm ci` restores it), or create the "
              "client with defaultHeaders: {{ 'anthropic-version': '{version}' }} (the SDK copies "
              "that header into the body).").format(pin=sdk_pin(package), version=catalog.BEDROCK_API_VERSION)
    try:
        sent = typescript_api_version(node, root, run)
    except (OSError, RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
        return Check("Node.js", WARN, _("{found}: could not measure which API version it sends ({error})")
                     .format(found=found, error=str(e)[:160]), _(_IF_400) + fixes)
    if sent == catalog.BEDROCK_API_VERSION:
        return Check("Node.js", OK, _("{found} (sends anthropic_version {sent})").format(found=found, sent=sent))
    return Check("Node.js", WARN, f"Node.js {version}, " + _sends_new_version(package, sdk_version, str(sent)),
                 fixes)


def _cli_floor() -> tuple[int, ...]:
    return _version(str(catalog.general("aws_cli_v2_minimum").value))


def check_aws_cli(run: Callable[..., Any] = subprocess.run) -> Check:
    floor = _dotted(_cli_floor())
    install = _("Install AWS CLI v2 ({version} or newer): {url}").format(
        version=floor, url=_("https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"))
    aws = shutil.which("aws")
    if not aws:
        return Check("AWS CLI", WARN, _("not found"), install)
    try:
        out = run([aws, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("AWS CLI", WARN, _("`aws --version` failed: {error}").format(error=e), _("Reinstall AWS CLI v2."))
    text = (out.stdout or out.stderr).strip()
    m = re.search(r"aws-cli/(\d+\.\d+\.\d+)", text)
    if not m:
        return Check("AWS CLI", WARN, _("unrecognised version output: {output}").format(output=repr(text[:80])),
                     _("Reinstall AWS CLI v2."))
    version = _version(m.group(1))
    if version[0] < 2:
        maintenance = catalog.general("aws_cli_v1_maintenance").value
        end = catalog.general("aws_cli_v1_end_of_support").value
        return Check("AWS CLI", WARN, _("AWS CLI v1 ({version}) at {path}: in maintenance mode since {maintenance}, "
                                        "end of support {end}; the guide needs v2").format(
                         version=m.group(1), path=aws, maintenance=maintenance, end=end),
                     _("{install}. If `pip install awscli` put v1 first on PATH, `pip uninstall awscli`. (v2 also "
                       "needs --cli-binary-format raw-in-base64-out for invoke-model.)").format(install=install))
    if version < _cli_floor():
        return Check("AWS CLI", WARN, _("AWS CLI {version} is older than {floor}").format(version=m.group(1),
                                                                                          floor=floor),
                     _("Update AWS CLI v2: older versions lack Bedrock commands and AWS_ENDPOINT_URL support."))
    return Check("AWS CLI", OK, f"AWS CLI {m.group(1)}")


def check_region() -> Check:
    import boto3

    region = boto3.Session().region_name
    disagreement = region_disagreement_parts(region)
    name = _("Region")
    if not region:
        return Check(name, FAIL, _("no region for boto3"),
                     _("export AWS_REGION=us-west-2 AWS_DEFAULT_REGION=us-west-2 (or your region)"))
    if disagreement:
        detail, fix = disagreement
        return Check(name, WARN, detail, fix)
    return Check(name, OK, region)


def check_credentials_boto3() -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    from .errors import credentials_explanation, explain

    name = _("Credentials (boto3)")
    problem = credentials_explanation()
    if problem is not None:
        return Check(name, FAIL, problem.title, problem.fix.replace("\n", " "))
    import boto3

    try:
        identity = boto3.Session().client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as e:
        why = explain(e)
        return Check(name, FAIL, f"{why.code}: {why.message}",
                     why.fix.replace("\n", " ") if why.recognised else
                     _("Run `aws configure` (or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then re-run."))
    return Check(name, OK, _("account {account}").format(account=identity["Account"]))


def check_credentials_cli(run: Callable[..., Any] = subprocess.run) -> Check:
    from .errors import explain

    name = _("Credentials (AWS CLI)")
    aws = shutil.which("aws")
    if not aws:
        return Check(name, WARN, _("AWS CLI not found"), _("See the AWS CLI check."))
    out = run([aws, "sts", "get-caller-identity", "--output", "json"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        why = explain(out.stderr or "")
        return Check(name, FAIL, out.stderr.strip()[-300:] or _("failed"),
                     why.fix.replace("\n", " ") if why.recognised else
                     _("Run `aws configure`, or check AWS_PROFILE and the clock."))
    return Check(name, OK, _("account {account}").format(account=json.loads(out.stdout)["Account"]))


def _access_models() -> list[catalog.Model]:
    """The models the notebooks call (the catalog's lessons), then the guide's own sample model."""
    keys = dict.fromkeys([*catalog.load().lessons.values(), catalog.guide_sample_model().key])
    return [catalog.model(k) for k in keys]


def _availability(model: catalog.Model, found: dict[str, Any]) -> Check:
    """One model's row from GetFoundationModelAvailability's four fields."""
    name = _("Access: {model}").format(model=model.display_name)
    agreement = found.get("agreementAvailability") or {}
    if found.get("authorizationStatus") != "AUTHORIZED":
        return Check(name, WARN, _("not authorized"),
                     _("Allow bedrock:InvokeModel* in IAM. Access opens on first use (the console's Model access page "
                       "is retired): let the caller perform aws-marketplace:ViewSubscriptions and "
                       "aws-marketplace:Subscribe and, for Anthropic models, submit the one-time use-case form."))
    if agreement.get("status", "AVAILABLE") != "AVAILABLE":
        from .errors import MARKETPLACE_FIX, USE_CASE_FIX

        message = agreement.get("errorMessage") or agreement["status"]
        fix = MARKETPLACE_FIX if "aws-marketplace" in message else USE_CASE_FIX
        return Check(name, WARN, _("agreement {status}: {message}").format(status=agreement["status"],
                                                                            message=message[:200]),
                     _(fix).replace("\n", " "))
    if found.get("entitlementAvailability") != "AVAILABLE":
        if model.lifecycle() == catalog.LEGACY:
            instead = catalog.lesson("default")
            return Check(name, WARN, _("not available to this account: Legacy since {date} (new customers "
                                       "cannot use Legacy models; others lose them after {days} days without use)")
                         .format(date=model.legacy, days=catalog.general("legacy_inactivity_days").value),
                         _("The notebooks call {model} ({lifecycle}); calling {legacy} needs an account that still "
                           "uses it.").format(model=instead.display_name, lifecycle=instead.lifecycle().lower(),
                                              legacy=model.display_name))
        return Check(name, WARN, _("not available to this account (invitation or opt-in needed)"),
                     _("See the model's card in the Bedrock console for how to request access."))
    return Check(name, OK, _("authorized"))


def check_model_access() -> list[Check]:
    """GetFoundationModelAvailability for the models the notebooks and the guide call: free, no invocation."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.Session()
    region = session.region_name
    if not region:
        return [Check(_("Model access"), WARN, _("skipped: no region"), _("Set a region first."))]
    client = session.client("bedrock")
    checks = []
    for model in _access_models():
        if model.lifecycle() == catalog.END_OF_LIFE or not model.offered_in(region):
            continue
        try:
            checks.append(_availability(model, client.get_foundation_model_availability(modelId=model.base_id)))
        except (BotoCoreError, ClientError) as e:
            checks.append(Check(_("Access: {model}").format(model=model.display_name), WARN, str(e),
                                _("Check bedrock:GetFoundationModelAvailability permission.")))
    return checks


def _probe_model() -> str:
    """An id the offline probe calls: the global profile of the model the notebooks call (any new account may)."""
    model = catalog.lesson("default")
    return model.profile_id("global") if "global" in model.geographies else model.base_id


def check_offline() -> Check:
    """Start the emulator in-process, send it one real boto3 Converse call, stop it, and time all three."""
    from .errors import explain

    began = time.perf_counter()
    try:
        import boto3
        import botocore.session
        from botocore.config import Config

        from . import emulator

        with emulator.start(region=OFFLINE_REGION) as emu:
            started = time.perf_counter()
            # AWS_PROFILE does not apply offline (connect() unsets it): a profile that is missing must not matter.
            session = boto3.session.Session(botocore_session=botocore.session.Session(
                session_vars={"profile": (None, None, None, None)}))  # one boto3 session: it registers handlers
            client = session.client(
                "bedrock-runtime", endpoint_url=emu.url, region_name=OFFLINE_REGION,
                aws_access_key_id=emulator.auth.ACCESS_KEY_ID, aws_secret_access_key=emulator.auth.SECRET_ACCESS_KEY,
                config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15))
            reply = client.converse(modelId=_probe_model(), messages=[{"role": "user", "content": [{"text": "Hi"}]}],
                                    inferenceConfig={"maxTokens": 16})
            answered = time.perf_counter()
            aws_url = emu.aws_url
            if aws_url is not None:  # the offline S3 (moto) that notebooks 07 and 10 use, through its variable
                session.client(
                    "s3", endpoint_url=emu.env["AWS_ENDPOINT_URL_S3"], region_name=OFFLINE_REGION,
                    aws_access_key_id=emulator.auth.ACCESS_KEY_ID,
                    aws_secret_access_key=emulator.auth.SECRET_ACCESS_KEY,
                    config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15),
                ).list_buckets()
        stopped = time.perf_counter()
    except Exception as e:  # any failure here is the finding, shown with its explanation
        why = explain(e)
        return Check(_(OFFLINE_PROBE_NAME), FAIL, _("the local emulator did not answer: {error}").format(
                         error=f"{why.code}: {why.message[:200]}"),
                     why.fix.replace("\n", " ") if why.recognised else
                     _("Reinstall the project's packages (`make deps`), and let programs listen on 127.0.0.1 "
                       "(a firewall or proxy variable may block it); then run the doctor again."))
    if reply["stopReason"] not in ("end_turn", "max_tokens"):
        return Check(_(OFFLINE_PROBE_NAME), FAIL, _("unexpected stopReason {reason}").format(
            reason=repr(reply["stopReason"])), _("Report this bug."))
    timing = _("started in {start:.2f} s, answered a boto3 Converse call in {answer:.0f} ms, stopped in {stop:.2f} s"
               ).format(start=started - began, answer=(answered - started) * 1000, stop=stopped - answered)
    if aws_url is None:
        return Check(_(OFFLINE_PROBE_NAME), WARN, _("{timing}; no offline S3, CloudWatch Logs and IAM (moto is not "
                                                    "installed): notebooks 07 and 10 need them").format(timing=timing),
                     _('pip install "moto[server]>=5.2.5" (or `make deps`)'))
    return Check(_(OFFLINE_PROBE_NAME), OK, _("{timing}; its S3, CloudWatch Logs and IAM (moto) answered too").format(
        timing=timing))


def check_mode() -> tuple[Check, str | None]:
    """Which mode the notebooks will run in, as connect() decides it, and why. Returns (check, mode)."""
    requested = (os.environ.get(MODE_VARIABLE) or "auto").strip().lower()
    name, variable = _("Mode"), MODE_VARIABLE
    if requested not in MODES:
        return Check(name, FAIL, _("{variable}={value} is not a mode").format(variable=variable, value=repr(requested)),
                     _("export {variable}=auto (or offline, or aws), or unset it.").format(variable=variable)), None
    connected = current()
    if connected is not None:
        return Check(name, OK, _("{mode}: chosen by connect() in this kernel").format(mode=connected.mode)), \
            connected.mode
    if requested == "offline":
        return Check(name, OK, _("offline ({variable}=offline): the notebooks use the local Bedrock "
                                 "emulator; no AWS account is needed").format(variable=variable)), "offline"
    if requested == "aws":
        return Check(name, OK, _("aws ({variable}=aws): the notebooks call your AWS account").format(
            variable=variable)), "aws"
    mode, problem = auto_choice()  # exactly what connect() would choose
    if mode == "aws":
        return Check(name, OK, _("aws (auto: AWS credentials found): the notebooks call your AWS account")), "aws"
    if problem is None:
        return Check(name, WARN, _("offline: {variable}=auto and the only credentials are the emulator's "
                                   "example keys, which never open an AWS account; the notebooks run on the local "
                                   "emulator").format(variable=variable),
                     _("To use AWS, set your own credentials (`aws configure`) in place of the emulator's.")), "offline"
    fix = problem.fix.replace("\n", " ")
    if MODE_VARIABLE not in fix:
        fix += " " + _("Offline on purpose? export {variable}=offline.").format(variable=variable)
    return Check(name, WARN, _("offline: {variable}=auto and boto3 has no usable AWS credentials "
                               "({code}), so the notebooks will run on the local emulator (its replies are stand-ins, "
                               "not Claude's)").format(variable=variable, code=problem.code), fix), "offline"


def _guarded(name: str, check: Callable[[], Any]) -> list[Check]:
    """Run one check (a Check or a list of them); an error it did not expect becomes its FAIL row, explained,
    so the doctor never ends in a traceback (e.g. AWS_PROFILE names a profile that does not exist)."""
    from .errors import explain

    try:
        found = check()
    except Exception as e:  # the doctor's job is to report this, not to crash on it
        why = explain(e)
        fix = (why.fix.replace("\n", " ") if why.recognised else
               _("Fix what the message says, then run the doctor again."))
        return [Check(name, FAIL, f"{why.code}: {why.message}"[:300], fix)]
    return found if isinstance(found, list) else [found]


def _aws_path(cli_credentials: list[Check]) -> list[Check]:
    """Region, credentials and model access: the calls the notebooks make, against what the environment names."""
    region = _guarded(_("Region"), check_region)
    boto3_credentials = _guarded(_("Credentials (boto3)"), check_credentials_boto3)
    checks = [*region, *cli_credentials, *boto3_credentials]
    if boto3_credentials[0].status == OK and region[0].status != FAIL:
        checks += _guarded(_("Model access"), check_model_access)
    return checks


TOOLS = (("Python", check_python), ("boto3", check_boto3), ("anthropic[bedrock]", check_anthropic),
         ("Node.js", check_node), ("AWS CLI", check_aws_cli))


def run_checks() -> tuple[list[Check], str | None]:
    """Every check, the mode first, then in the order a learner fixes things; and the mode the notebooks use.

    Checks that wait on other processes (the AWS CLI starts a Python of its own) or on big imports run in
    threads, so the doctor takes about as long as its slowest check.
    """
    mode_check, mode = check_mode()
    connected_offline = mode == "offline" and current() is not None
    with ThreadPoolExecutor(max_workers=4) as pool:
        tools = [pool.submit(_guarded, name, check) for name, check in TOOLS]
        cli_credentials = (pool.submit(_guarded, _("Credentials (AWS CLI)"), check_credentials_cli)
                           if mode == "aws" or connected_offline else None)
        path = _guarded(_(OFFLINE_PROBE_NAME), check_offline) if mode == "offline" else []
        if cli_credentials is not None:  # aws mode, or offline after connect(): the calls the notebooks make
            path += _aws_path(cli_credentials.result())
        return [mode_check, *(c for t in tools for c in t.result()), *path], mode


class Report(list):
    """Doctor results: a table in JupyterLab, text in a terminal, JSON for workshop hosts."""

    def __init__(self, checks: Iterable[Check] = (), mode: str | None = None, seconds: float = 0.0) -> None:
        super().__init__(checks)
        self.mode, self.seconds = mode, seconds

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        return {status: sum(c.status == status for c in self) for status in (OK, WARN, FAIL)}

    def summary(self) -> str:
        counts = ", ".join(f"{n} {WORDS[s]}" for s, n in self.counts().items())
        where = {"offline": _("the notebooks run offline"), "aws": _("the notebooks call your AWS account")}
        verdict = (_("Ready: {where}.").format(where=where.get(self.mode or "", _("see above"))) if self.ok
                   else _("Not ready: fix each FAIL above, then run the doctor again."))
        return _("{verdict} ({counts}; mode {mode}; {seconds:.1f} s)").format(
            verdict=verdict, counts=counts, mode=self.mode or _("unknown"), seconds=self.seconds)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def __str__(self) -> str:
        column = max((width(c.name) for c in self), default=0)
        fix = _("fix: {fix}")
        lines = [f"{c.label:<6}  {ljust(c.name, column)}  {c.detail}" + ("\n        " + fix.format(fix=c.fix)
                                                                         if c.fix else "")
                 for c in self]
        return "\n".join([*lines, self.summary()])

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td style='white-space:nowrap;color:{_COLOURS[c.status]}'><strong>{e(c.label)}"
                       f"</strong></td><td>{e(c.name)}</td><td>{e(c.detail)}</td><td>{e(c.fix)}</td></tr>"
                       for c in self)
        head = "".join(f"<th>{e(_(h))}</th>" for h in (N_("status"), N_("check"), N_("result"), N_("fix")))
        return f"<table><tr>{head}</tr>{rows}</table><p>{e(self.summary())}</p>"

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "ok": self.ok, "exit_code": self.exit_code, "seconds": round(self.seconds, 2),
                "counts": {WORDS[s]: n for s, n in self.counts().items()},
                "checks": [c.to_dict() for c in self]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def doctor() -> Report:
    """Run every check for the mode the notebooks will use; display the result in a notebook, or print it."""
    began = time.perf_counter()
    checks, mode = run_checks()
    return Report(checks, mode, time.perf_counter() - began)
