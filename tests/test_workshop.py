"""The host's kit: `doctor-summary` over reports made by the real doctor, `workshop-plan` from the catalog, and
docs/workshop.md (every command it shows exists, every link resolves, its links match the README's)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session
import pytest

from helpers import catalog, cost, doctor_summary, workshop_plan

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "workshop.md"
# The kit in each edition's language: every check of the English doc holds for each translation too.
DOCS = [DOC, ROOT / "docs" / "workshop.ja.md", ROOT / "docs" / "workshop.zh-TW.md"]
each_doc = pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL")
# Machines of a room, each a real doctor run in its own environment: (file stem, environment changes).
MACHINES = {
    "offline-pc": {"HANDSON_MODE": "offline"},
    "ja-pc": {"HANDSON_MODE": "offline", "HANDSON_LANG": "ja"},
    "no-credentials": {"HANDSON_MODE": "aws"},        # aws mode, nothing configured: region and credentials FAIL
    "typo-mode": {"HANDSON_MODE": "sideways"},        # the Mode check FAILs
}


def run_helpers(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers", *args], cwd=ROOT, env=env or machine_env({}),
                          capture_output=True, text=True, encoding="utf-8", timeout=180, **kwargs)


def machine_env(changes: dict[str, str], home: Path | None = None) -> dict[str, str]:
    """This process's environment without any AWS configuration (so the runs do not depend on the machine)."""
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES and k not in ("HANDSON_LANG",)}
    env.update(PYTHONPATH=str(ROOT), HANDSON_MODE="offline", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    env.update(changes)
    return env


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of reports: real doctor runs (in parallel), the copies hosts really get, and broken files."""
    folder = tmp_path_factory.mktemp("reports")
    runs = {name: subprocess.Popen([sys.executable, "-m", "helpers", "doctor", "--json"], cwd=ROOT,
                                   env=machine_env(changes), stdout=(folder / f"{name}.json").open("wb"),
                                   stderr=subprocess.PIPE) for name, changes in MACHINES.items()}
    text_run = subprocess.run([sys.executable, "-m", "helpers", "doctor"], cwd=ROOT,
                              env=machine_env({"HANDSON_MODE": "sideways"}), capture_output=True, timeout=180)
    for name, process in runs.items():
        assert process.wait(timeout=180) in (0, 1), (name, process.stderr.read())
    offline = (folder / "offline-pc.json").read_text(encoding="utf-8")
    # Windows PowerShell 5's `>` writes UTF-16 with a BOM: the same report must read the same.
    (folder / "powershell-pc.json").write_bytes(offline.encode("utf-16"))
    (folder / "text-output.json").write_bytes(text_run.stdout)
    (folder / "empty.json").write_bytes(b"")
    (folder / "cut-short.json").write_text(offline[: len(offline) // 2], encoding="utf-8")
    (folder / "binary.json").write_bytes(bytes(range(256)))
    # The first doctor (commit a0fe362) wrote a bare list of checks, without the mode or the verdict.
    (folder / "old-doctor.json").write_text(json.dumps([{k: c[k] for k in ("name", "status", "detail", "fix")}
                                                        for c in json.loads(offline)["checks"]]), encoding="utf-8")
    edited = json.loads((folder / "no-credentials.json").read_text(encoding="utf-8"))
    edited["ok"], edited["exit_code"] = True, 0
    (folder / "edited.json").write_text(json.dumps(edited), encoding="utf-8")
    return folder


def summary_json(*paths: Path | str) -> tuple[dict, subprocess.CompletedProcess]:
    out = run_helpers("doctor-summary", *map(str, paths), "--json")
    return json.loads(out.stdout), out


class TestDoctorSummary:
    def test_ready_and_not_ready_machines(self, room: Path) -> None:
        summary, out = summary_json(room)
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert sorted(summary["ready"]) == ["ja-pc", "offline-pc", "powershell-pc"]
        assert sorted(summary["not_ready"]) == ["no-credentials", "typo-mode"]
        assert summary["machines"] == len(list(room.glob("*.json")))

    def test_counts_per_check_match_the_reports(self, room: Path) -> None:
        """Each check's OK/WARN/FAIL counts are the statuses the real reports gave it, in any language."""
        summary, _ = summary_json(room)
        expected: dict[str, dict[str, int]] = {}
        for name in (*MACHINES, "powershell-pc"):
            data = json.loads(doctor_summary._text(room / f"{name}.json"))
            for check in data["checks"]:
                counts = expected.setdefault(doctor_summary.canonical_name(check["name"]),
                                             {"OK": 0, "WARN": 0, "FAIL": 0})
                counts[check["status"].upper()] += 1
        assert {c["name"]: c["counts"] for c in summary["checks"]} == expected

    def test_japanese_reports_group_with_english_ones(self, room: Path) -> None:
        """The ja report names its checks in Japanese; mapped back, they are the English report's names (this
        fails when the doctor gains a translated check name that TRANSLATED_NAMES lacks)."""
        ja = json.loads((room / "ja-pc.json").read_text(encoding="utf-8"))["checks"]
        en = json.loads((room / "offline-pc.json").read_text(encoding="utf-8"))["checks"]
        assert [c["name"] for c in ja] != [c["name"] for c in en]
        assert [doctor_summary.canonical_name(c["name"]) for c in ja] == [c["name"] for c in en]

    def test_each_fail_lists_its_fix_and_machines(self, room: Path) -> None:
        summary, _ = summary_json(room)
        checks = {c["name"]: c for c in summary["checks"]}
        [mode_fix] = [f for f in checks["Mode"]["fixes"] if f["status"] == "fail"]
        assert mode_fix["machines"] == ["typo-mode"] and "HANDSON_MODE" in mode_fix["fix"]
        credentials = [f for f in checks["Credentials (boto3)"]["fixes"] if f["status"] == "fail"]
        assert [f["machines"] for f in credentials] == [["no-credentials"]] and credentials[0]["fix"]
        for check in summary["checks"]:
            assert sum(len(f["machines"]) for f in check["fixes"]) == check["counts"]["WARN"] + check["counts"]["FAIL"]

    @pytest.mark.parametrize(("machine", "says"), [
        ("text-output", "text output, not JSON"), ("empty", "empty"), ("cut-short", "not JSON"),
        ("binary", "not text"), ("old-doctor", "older doctor"), ("edited", "inconsistent"),
    ])
    def test_unreadable_files_are_named_with_a_fix(self, room: Path, machine: str, says: str) -> None:
        summary, _ = summary_json(room)
        [found] = [u for u in summary["unreadable"] if u["machine"] == machine]
        assert says in found["problem"] and f"{machine}.json" in found["fix"]

    def test_text_output(self, room: Path) -> None:
        out = run_helpers("doctor-summary", *sorted(map(str, room.glob("*.json"))))
        assert out.returncode == 1 and not out.stderr
        assert out.stdout.startswith(f"Doctor reports from {len(list(room.glob('*.json')))} machines: 3 ready, "
                                     "2 not ready, 6 unreadable.")
        assert "Not ready: no-credentials, typo-mode" in out.stdout
        assert "✗ FAIL  1 machine: typo-mode" in out.stdout
        assert "old-doctor (" in out.stdout and "git pull" in out.stdout

    def test_text_output_in_japanese(self, room: Path) -> None:
        out = run_helpers("doctor-summary", str(room), env=machine_env({"HANDSON_LANG": "ja"}))
        assert out.returncode == 1
        assert "Doctor reports" not in out.stdout and "Not ready" not in out.stdout
        table = out.stdout.split("\n\n", 1)[1].splitlines()
        assert not any(line.startswith("Mode ") for line in table)  # the check names are the doctor's own ja ones
        assert any(line.startswith("モード ") for line in table)

    def test_exit_0_when_every_machine_is_ready(self, room: Path) -> None:
        summary, out = summary_json(room / "offline-pc.json", room / "powershell-pc.json")
        assert out.returncode == 0 and summary["exit_code"] == 0 and not summary["unreadable"]

    def test_same_name_in_two_folders_stays_two_machines(self, room: Path, tmp_path: Path) -> None:
        (tmp_path / "offline-pc.json").write_bytes((room / "offline-pc.json").read_bytes())
        summary, _ = summary_json(room / "offline-pc.json", tmp_path / "offline-pc.json")
        assert len(summary["ready"]) == 2 and len(set(summary["ready"])) == 2

    def test_no_reports_is_a_usage_error(self, tmp_path: Path) -> None:
        out = run_helpers("doctor-summary", str(tmp_path))
        assert out.returncode == 2 and "No reports found" in out.stderr and "Traceback" not in out.stderr

    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        summary, out = summary_json(tmp_path / "nobody.json")
        assert out.returncode == 1 and "cannot be read" in summary["unreadable"][0]["problem"]


class TestWorkshopPlan:
    def plan(self, *args: str) -> dict:
        out = run_helpers("workshop-plan", *args, "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def test_japan_keeps_requests_in_japan_where_a_model_has_jp(self) -> None:
        plan = self.plan("--country", "JP")
        assert set(plan["regions"]) == set(catalog.countries()["JP"].regions)
        assert all(name for name in plan["regions"].values())  # botocore names each region
        for row in plan["models"]:
            model = next(m for m in catalog.models() if m.display_name == row["model"])
            for region, routes in row["regions"].items():
                in_country = {r["model_id"] for r in routes if r["in_country"]}
                expected = {model.profile_id("jp")} if "jp" in model.usable_geographies(region) else set()
                assert in_country == expected
                assert {r["model_id"] for r in routes} == {model.profile_id(g) for g in
                                                           model.usable_geographies(region)}
            assert row["as_of"] and row["confidence"] in catalog.CONFIDENCE

    def test_a_room_whose_regions_cannot_call_the_models_gets_nearby_regions(self) -> None:
        plan = self.plan("--country", "TW")
        models = [catalog.model(k) for k in workshop_plan.lesson_models()]
        room = catalog.countries()["TW"].regions
        if all(m.offered_in(r) for m in models for r in room):
            pytest.skip("the catalog now offers every lesson model in Taiwan's regions")
        assert plan["alternatives"]
        for region in plan["alternatives"]:
            assert all(m.offered_in(region) for m in models)
        assert list(plan["quota_commands"]) == [next(iter(plan["alternatives"]))]

    def test_budget_is_the_catalog_price_times_the_room(self) -> None:
        plan = self.plan("--country", "US", "--attendees", "40")
        model = catalog.lesson(workshop_plan.LONG_NOTEBOOK)
        each = cost.estimate(model.profile_id("global"), catalog.LONG_CONTEXT_WINDOW,
                             workshop_plan.LONG_OUTPUT_TOKENS).usd
        assert plan["budget"]["usd_total"]["global"] == round(each * workshop_plan.LONG_REQUESTS * 40, 2)
        assert plan["budget"]["guard_needed_usd"] >= plan["budget"]["usd_each"]["regional"]

    def test_notebook_05_sends_what_the_budget_assumes(self) -> None:
        notebook = json.loads((ROOT / "notebooks" / "en" / f"{workshop_plan.LONG_NOTEBOOK}.ipynb").read_text())
        code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
        assert f"requests={workshop_plan.LONG_REQUESTS})" in code
        assert f"max_tokens={workshop_plan.LONG_OUTPUT_TOKENS}" in code

    def test_quotas_say_what_the_room_needs_at_once(self) -> None:
        """Each of notebook 05's requests takes its input plus max_tokens of a minute's quota when it starts."""
        plan = self.plan("--country", "JP", "--attendees", "40")
        quotas = plan["quotas"]
        each = catalog.LONG_CONTEXT_WINDOW + workshop_plan.LONG_OUTPUT_TOKENS
        assert quotas["long_request_tokens"] == each and quotas["room_tokens_per_minute"] == 40 * each
        assert quotas["runtime"] == [n.format(model="<model>") for n in catalog.general("quotas_runtime").value]
        assert quotas["mantle"] == [n.format(model="<model>") for n in catalog.general("quotas_mantle").value]
        assert quotas["confidence"] in catalog.CONFIDENCE and quotas["as_of"]
        assert plan["regions_as_of"] == str(catalog.countries()["JP"].fact.as_of)

    def test_every_country_is_in_the_catalog_with_translatable_name_and_real_regions(self) -> None:
        for code, country in catalog.countries().items():
            assert country.name in workshop_plan.COUNTRY_NAMES, f"mark {country.name!r} with N_() in COUNTRY_NAMES"
            assert country.regions and all(workshop_plan.region_name(r) for r in country.regions), code
            assert country.fact.sources and country.fact.confidence in catalog.CONFIDENCE
        assert catalog.countries()["EU"].regions == catalog.geography("eu").source_regions
        out = run_helpers("workshop-plan", "--country", "XX")
        assert all(code in out.stderr for code in catalog.countries())

    def test_text(self) -> None:
        out = run_helpers("workshop-plan", "--region", "us-west-2", "--attendees", "2")
        assert out.returncode == 0 and "US West (Oregon)" in out.stdout and "For 2 attendees" in out.stdout
        assert workshop_plan.quota_command("us-west-2") in out.stdout

    @pytest.mark.parametrize("args", [("--country", "XX"), ("--region", "mars-north-1"),
                                      ("--country", "JP", "--attendees", "0")])
    def test_bad_input_is_a_usage_error(self, args: tuple[str, ...]) -> None:
        out = run_helpers("workshop-plan", *args)
        assert out.returncode == 2 and out.stderr.strip() and "Traceback" not in out.stderr


# --- docs/workshop.md ---------------------------------------------------------------------------------------

def doc_commands(prefix: str, doc: Path = DOC) -> list[list[str]]:
    """Each command line in the doc's code blocks that runs ``prefix`` (after any VAR=value), split as a shell
    would; comments dropped."""
    text = doc.read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|text)?\n(.*?)```", text, re.DOTALL)
    commands = []
    for line in (line.strip() for block in blocks for line in block.splitlines()):
        words = shlex.split(line, comments=True) if line else []
        while words and re.match(r"^[A-Z_]+=", words[0]):
            words = words[1:]
        if words and " ".join(words).startswith(prefix):
            commands.append(words)
    return commands


@each_doc
def test_every_helpers_command_in_the_doc_parses(doc: Path) -> None:
    """Each `python -m helpers …` line is accepted by the CLI's parser: its --help names every option used."""
    commands = doc_commands(".venv/bin/python -m helpers", doc)
    assert {c[3] for c in commands} >= {"doctor", "doctor-summary", "workshop-plan", "facts"}
    helps = {sub: run_helpers(sub, "--help").stdout for sub in {c[3] for c in commands}}
    for command in commands:
        assert helps[command[3]], command
        for option in (w for w in command[4:] if w.startswith("--")):
            assert option in helps[command[3]], (command, option)


@each_doc
def test_every_aws_command_in_the_doc_exists(doc: Path) -> None:
    """Each `aws SERVICE OPERATION --param` names an operation and its parameters as botocore's models do."""
    session = botocore.session.get_session()
    global_options = {"--region", "--query", "--output"}
    commands = doc_commands("aws ", doc)
    assert len(commands) >= 15
    for words in commands:
        service, operation = words[1], words[2]
        if service == "s3" and operation in ("rb",):  # the CLI's own S3 commands
            assert set(w for w in words[3:] if w.startswith("--")) <= {"--force"}
            continue
        model = session.get_service_model(service)
        names = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower(): name for name in model.operation_names}
        assert operation in names, words
        members = model.operation_model(names[operation]).input_shape.members
        params = {"--" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", m).lower() for m in members}
        for option in (w for w in words if w.startswith("--")):
            assert option in params | global_options, (words, option)


@each_doc
def test_make_targets_in_the_doc_exist(doc: Path) -> None:
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE))
    used = set(re.findall(r"`(?:[A-Z_]+=\S+ )*make ([a-z-]+)", doc.read_text(encoding="utf-8")))
    assert used and used <= targets


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation but - and _ dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")


def anchors(markdown: Path) -> set[str]:
    return {github_anchor(h) for h in re.findall(r"^#+ (.+)$", markdown.read_text(encoding="utf-8"), re.MULTILINE)}


@each_doc
def test_relative_links_resolve(doc: Path) -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8"))
    relative = [link for link in links if not re.match(r"https?://", link)]
    assert relative
    for link in relative:
        path, _, anchor = link.partition("#")
        target = (doc.parent / unquote(path)).resolve() if path else doc
        assert target.exists(), link
        if anchor:
            assert anchor in anchors(target), link


@each_doc
def test_binder_links_are_the_readme_badges(doc: Path) -> None:
    binder = set(re.findall(r"https://mybinder\.org/v2/gh/[^\s)>]+", doc.read_text(encoding="utf-8")))
    readme = set(re.findall(r"https://mybinder\.org/v2/gh/[^\s)>]+", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert binder and binder == readme


@each_doc
def test_nbgitpuller_link_opens_notebook_01_on_main(doc: Path) -> None:
    """The link's parts decode to the README's repository, branch main, and notebook 01 of an edition that
    exists; and the doc's one-liner makes exactly that link."""
    text = doc.read_text(encoding="utf-8")
    [link] = re.findall(r"https://YOUR-HUB/hub/user-redirect/git-pull\?\S+", text.split("```bash")[0] +
                        text.split("```text")[1].split("```")[0])
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    repository = re.search(r"mybinder\.org/v2/gh/([^/]+/[^/]+)/", (ROOT / "README.md").read_text()).group(1)
    assert query["repo"] == f"https://github.com/{repository}" and query["branch"] == "main"
    folder, notebook = query["urlpath"].removeprefix("lab/tree/").split("/", 1)
    assert folder == repository.split("/")[1] and (ROOT / notebook).exists()
    [one_liner] = [c for c in doc_commands("python3 -c", doc)]
    made = subprocess.run(one_liner, capture_output=True, text=True, check=True).stdout.strip()
    assert made == link
