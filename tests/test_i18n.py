"""helpers.i18n: what the helpers print, in the notebook's language (issue J).

The language comes from HANDSON_LANG, else from the folder the kernel runs in (notebooks/ja, notebooks/zh-TW),
else English. The catalogs are standard gettext files made with Babel; English output is unchanged (the
existing tests of the connect banner, the doctor, progress, cost and explain() check it word for word).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from helpers import cost, i18n
from helpers.connection import Connection
from helpers.doctor import OK, WARN, Check, Report
from helpers.table import Table

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = {"ja": ROOT / "helpers/locale/ja/LC_MESSAGES/helpers.po",
            "zh-TW": ROOT / "helpers/locale/zh_TW/LC_MESSAGES/helpers.po"}


def _tool() -> object:
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.LANGUAGE_VARIABLE, raising=False)


# --- choosing the language -------------------------------------------------------------------------------------

class TestLanguage:
    def test_english_from_the_project_folder(self, no_language: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(ROOT)
        assert i18n.language() == "en"
        assert i18n._("Region") == "Region"

    @pytest.mark.parametrize(("folder", "expected"), [
        ("notebooks/ja", "ja"), ("notebooks/zh-TW", "zh-TW"), ("notebooks/en", "en"),
        ("notebooks/ja/data", "ja"),  # a kernel started in a subfolder of an edition
        ("workshop/ja", "en"),  # only notebooks/<edition> counts
    ])
    def test_the_kernels_folder_chooses(self, no_language: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        folder: str, expected: str) -> None:
        (tmp_path / folder).mkdir(parents=True)
        monkeypatch.chdir(tmp_path / folder)
        assert i18n.language() == expected

    @pytest.mark.parametrize(("value", "expected"), [
        ("ja", "ja"), ("ja_JP.UTF-8", "ja"), ("zh-TW", "zh-TW"), ("zh_TW", "zh-TW"), ("zh-Hant", "zh-TW"),
        ("en", "en"), ("en_GB", "en"), ("fr", "en"), ("zh-CN", "en"),  # no edition: English, the source
    ])
    def test_the_variable_chooses(self, monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, value)
        assert i18n.language() == expected

    def test_the_variable_wins_over_the_folder(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        (tmp_path / "notebooks" / "ja").mkdir(parents=True)
        monkeypatch.chdir(tmp_path / "notebooks" / "ja")
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
        assert i18n._("Region") == "Region"
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "zh-TW")
        assert i18n._("Region") == "區域"

    def test_the_empty_string_is_not_the_catalog_header(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "ja")
        assert i18n._("") == ""


# --- the catalogs ---------------------------------------------------------------------------------------------

class TestCatalogs:
    def test_every_marked_string_is_translated_not_fuzzy_and_compiled(self) -> None:
        """Runs `tools/i18n.py check`: every msgid marked in helpers/ is in both catalogs, translated and not
        fuzzy, and each committed .mo is what `pybabel compile` makes of its .po."""
        tool = _tool()
        assert set(CATALOGS.values()) == set(tool.catalogs())
        assert len(tool.marked()) >= 250
        assert tool.problems() == []

    @pytest.mark.parametrize("edition", CATALOGS)
    def test_translations_keep_placeholders_and_line_breaks(self, edition: str) -> None:
        """A translation that drops or renames a {placeholder} would raise KeyError where it is shown."""
        with CATALOGS[edition].open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id:
                fields = sorted(re.findall(r"\{[^{}]*\}", message.id))
                assert sorted(re.findall(r"\{[^{}]*\}", message.string)) == fields, message.id
                assert message.string.count("\n") == message.id.count("\n"), message.id

    @pytest.mark.parametrize(("edition", "terms"), [
        ("ja", {"global": "グローバル", "regional": "リージョナル", "Credentials (boto3)": "認証情報（boto3）",
                "Region": "リージョン"}),
        ("zh-TW", {"global": "全域", "regional": "區域", "Credentials (boto3)": "憑證（boto3）", "Region": "區域"}),
    ])
    def test_the_guides_own_terms(self, monkeypatch: pytest.MonkeyPatch, edition: str, terms: dict[str, str]) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        assert {english: i18n._(english) for english in terms} == terms


# --- what people see --------------------------------------------------------------------------------------------

def _run(script: str, cwd: Path, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != i18n.LANGUAGE_VARIABLE}
    out = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120,
                         env={**environment, "PYTHONPATH": str(ROOT), "HANDSON_MODE": "offline", **env})
    assert out.returncode == 0, out.stderr
    return out.stdout


# A fresh kernel's first cells: the connect banner, the doctor's mode and offline rows and its verdict, a wait.
_NOTEBOOK = """
import helpers
from helpers import doctor, progress
print(helpers.connect())
mode, _ = doctor.check_mode()
print(doctor.Report([mode, doctor.check_offline()], "offline", 1.0))
progress.wait_until(lambda: progress.Progress(True, 5, 5), timeout=5, describe="records", unit="arrived")
"""


class TestShown:
    def test_a_kernel_in_notebooks_ja_speaks_japanese(self, tmp_path: Path) -> None:
        folder = tmp_path / "notebooks" / "ja"
        folder.mkdir(parents=True)
        shown = _run(_NOTEBOOK, folder)
        assert re.search(r"^モード +offline$", shown, re.MULTILINE)
        assert "注: オフライン: ローカルの Bedrock エミュレーターが応答します。" in shown
        assert re.search(r"^✓ OK {4}モード +offline: このカーネルで connect\(\) が選択$", shown, re.MULTILINE)
        assert "オフラインエミュレーター  起動 " in shown
        assert "準備完了: ノートブックはオフラインで実行されます。（2 OK, 0 WARN, 0 FAIL、モード offline、1.0 秒）" \
            in shown
        assert "レコード [" + "#" * 30 + "]         5 / 5 件到着" in shown

    def test_handson_lang_zh_tw_speaks_traditional_chinese(self) -> None:
        shown = _run(_NOTEBOOK, ROOT, HANDSON_LANG="zh-TW")
        assert re.search(r"^模式 +offline$", shown, re.MULTILINE)
        assert "附註：離線：由本機的 Bedrock 模擬器回應" in shown
        assert "離線模擬器  啟動耗時 " in shown
        assert "已就緒：筆記本會離線執行。（2 OK, 0 WARN, 0 FAIL；模式 offline；1.0 秒）" in shown
        assert "記錄 [" + "#" * 30 + "]         5 / 5 筆已送達" in shown

    def test_english_from_the_project_folder(self) -> None:
        shown = _run(_NOTEBOOK, ROOT)
        assert re.search(r"^mode +offline$", shown, re.MULTILINE)
        assert "Ready: the notebooks run offline. (2 OK, 0 WARN, 0 FAIL; mode offline; 1.0 s)" in shown
        assert "records [" + "#" * 30 + "]         5 / 5 arrived" in shown


class TestAlignment:
    """CJK characters take two columns in a monospace font: tables, the banner and the doctor line up."""

    def test_width(self) -> None:
        assert i18n.width("region") == 6 and i18n.width("リージョン") == 10 and i18n.width("區域 ID") == 7

    def test_table_columns_line_up(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "ja")
        lines = str(Table([("Claude", "1")], header=("model", "USD / month"), right=[1])).splitlines()
        assert lines == ["モデル  USD / 月", "Claude         1"]
        assert len({i18n.width(line) for line in lines}) == 1

    def test_banner_and_doctor_line_up(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "zh-TW")
        banner = str(Connection("offline", "us-west-2", "https://127.0.0.1:1", "123456789012", "AKIAEXAMPLEKEY1"))
        rows = banner.splitlines()
        assert rows[0] == "模式      offline" and rows[-1] == "存取金鑰  AKIA…KEY1"
        assert {i18n.width(row.rsplit(" ", 1)[0]) + 1 for row in rows} == {10}  # every value in one column
        report = str(Report([Check("Python", OK, "3.11"), Check(i18n._("Region"), WARN, "x", "y")], "offline"))
        assert report.splitlines()[:3] == ["✓ OK    Python  3.11", "! WARN  區域    x", "        修正方式：y"]

    def test_english_cost_lines_are_unchanged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
        text = str(cost.estimate("global.anthropic.claude-sonnet-4-5-20250929-v1:0", 1000, 200))
        assert text.splitlines()[1] == "input                        1,000 tokens × $  3.000/MTok = $0.003000"


# --- explain()'s fixes and the helpers' tables (built at run time from the catalog and the error) --------------

def _jp_profile_from_us_east_1() -> Exception:
    """A real error from the emulator: a `jp.` profile called from us-east-1 (a Japanese learner's first trap)."""
    import boto3
    from botocore.config import Config

    from helpers import catalog

    runtime = boto3.Session().client("bedrock-runtime", region_name="us-east-1",
                                     config=Config(retries={"max_attempts": 1}))
    body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                       "messages": [{"role": "user", "content": "Hi"}]})
    model_id = catalog.model("claude-sonnet-4-5").profile_id("jp")
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.invoke_model(body=body, modelId=model_id)
    return caught.value


class TestExplainedAndTabled:
    @pytest.mark.parametrize(("edition", "expected"), [
        ("ja", ["このリージョンの Bedrock はこのモデル ID を認識しません。",
                "`jp.` プロファイルを呼び出せるのは ap-northeast-1, ap-northeast-3 からだけです",
                "お使いのリージョンで利用できるものは `aws bedrock list-inference-profiles --region <region>` で"
                "一覧できます。"]),
        ("zh-TW", ["此區域的 Bedrock 不認得這個模型 ID。",
                   "`jp.` 設定檔只能從 ap-northeast-1, ap-northeast-3 呼叫",
                   "可用 `aws bedrock list-inference-profiles --region <region>` 列出您的區域提供的項目。"]),
    ])
    def test_a_real_emulator_error_is_explained_in_the_notebooks_language(
            self, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, edition: str, expected: list[str]) -> None:
        from helpers import catalog
        from helpers.errors import explain

        error = _jp_profile_from_us_east_1()
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        shown = explain(error, model_id=catalog.model("claude-sonnet-4-5").profile_id("jp"))
        text = f"{shown.title}\n{shown.fix}"
        assert all(part in text for part in expected), text
        assert "Wrong geography prefix" not in text and "sonnet-4-5" in text  # the ids stay as they are
        assert shown.message.startswith("The provided model identifier is invalid")  # AWS's words stay English

    def test_the_same_error_in_english_is_unchanged(self, aws_env: dict[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        from helpers import catalog
        from helpers.errors import explain

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
        fix = explain(_jp_profile_from_us_east_1(), model_id=catalog.model("claude-sonnet-4-5").profile_id("jp")).fix
        assert fix.startswith("Wrong geography prefix for your region, or the model is not offered there: use the "
                              "prefix of your region's geography (`global.` works from most regions). `jp.` profiles "
                              "can be called only from ap-northeast-1, ap-northeast-3: create the client in one of "
                              "those regions, or use the prefix of yours. Claude Sonnet 4.5 has profiles: ")
        assert fix.endswith("\nList what your region offers with `aws bedrock list-inference-profiles --region "
                            "<region>`.")

    @pytest.mark.parametrize(("edition", "header"), [
        ("en", "prefix  geography  source regions (where the caller may be)"),
        ("ja", "プレフィックス  地理的範囲  ソースリージョン（呼び出し元がいてよいリージョン）"),
        ("zh-TW", "前綴  地理區域  來源區域（呼叫端可以位於的區域）"),
    ])
    def test_the_geography_table_header(self, monkeypatch: pytest.MonkeyPatch, edition: str, header: str) -> None:
        from helpers import catalog

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        table = catalog.geography_table()
        lines = str(table).splitlines()
        assert re.sub(r" {2,}", "  ", lines[0]) == header
        assert table.header == ("prefix", "geography", "source regions (where the caller may be)")  # code reads this
        regions = lines[0].index(header.rsplit("  ", 1)[1])
        assert {i18n.width(line[:line.index(row[2])]) for line, row in zip(lines[1:], table, strict=True)} \
            == {i18n.width(lines[0][:regions])}  # the third column lines up under its CJK title

    @pytest.mark.parametrize(("edition", "words"), [
        ("ja", ["オフラインのため課金されません", "短期 Bedrock API キー", "ページ数を減ら"]),
        ("zh-TW", ["離線，因此不會計費", "短期 Bedrock API 金鑰", "請減少每個請求的頁數"]),
    ])
    def test_guard_key_and_pdf_texts(self, monkeypatch: pytest.MonkeyPatch, edition: str, words: list[str]) -> None:
        from helpers import api_keys, long_context, pdf

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        model_id = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
        verdict = str(long_context.guard(model_id, 1000, 100, mode="offline"))
        key = str(api_keys.describe("bedrock-api-key-" + "QUJD" * 8))
        long_pdf = pdf.PdfInfo("big.pdf", 1000, False, tuple(pdf.Page(n, "x" * 4_000_000, 0) for n in (1, 2)), b"")
        check = str(pdf.check_invoke_model(long_pdf, model_id))
        shown = "\n".join([verdict, key, check])
        assert all(word in shown for word in words), shown


# --- the comparison tables, PDF errors and table cells (English for code, the notebook's language when shown) --

_CITED_RESPONSE = {  # an InvokeModel body: two citations, cache reads and 5-minute and 1-hour writes
    "content": [{"type": "text", "text": "Revenue grew.", "citations": [
        {"type": "page_location", "start_page_number": 1, "end_page_number": 2, "cited_text": "Revenue grew 12%."},
        {"type": "char_location", "start_char_index": 3, "end_char_index": 9, "cited_text": "grew"}]}],
    "usage": {"input_tokens": 1234, "output_tokens": 56, "cache_read_input_tokens": 2000,
              "cache_creation_input_tokens": 3000, "cache_creation": {"ephemeral_1h_input_tokens": 1000}}}


def _comparison() -> object:
    from helpers.responses import Comparison

    comparison = Comparison("global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    comparison.add("InvokeModel, citations (visual)", _CITED_RESPONSE)
    return comparison


class TestComparisons:
    @pytest.mark.parametrize(("edition", "line", "citation", "header"), [
        ("ja", "InvokeModel, citations (visual): 入力 1,234（+ キャッシュ読み取り 2,000、"
               "キャッシュ書き込み 2,000（5 分）、キャッシュ書き込み 1,000（1 時間）） + 出力 56 = $0.01864、引用 2 件",
         "    [1 ページ] Revenue grew 12%.",
         "<tr><th>リクエスト</th><th>入力トークン</th><th>出力トークン</th><th>コスト</th>"
         "<th style='text-align:left'>引用</th></tr>"),
        ("zh-TW", "InvokeModel, citations (visual)：輸入 1,234（+ 快取讀取 2,000、快取寫入 2,000（5 分鐘）、"
                  "快取寫入 1,000（1 小時）） + 輸出 56 = $0.01864，引用 2 則",
         "    [第 1 頁] Revenue grew 12%.",
         "<tr><th>請求</th><th>輸入 Token</th><th>輸出 Token</th><th>費用</th>"
         "<th style='text-align:left'>引用</th></tr>"),
    ])
    def test_responses_comparison_in_the_notebooks_language(self, monkeypatch: pytest.MonkeyPatch, edition: str,
                                                             line: str, citation: str, header: str) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        comparison = _comparison()
        assert str(comparison).splitlines()[:2] == [line, citation]
        assert header in comparison._repr_html_()
        assert comparison.rows[0][1].citations[0].where == "page 1"  # the data stays English

    def test_responses_comparison_in_english_is_unchanged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
        comparison = _comparison()
        assert str(comparison) == (
            "InvokeModel, citations (visual): 1,234 in (+ 2,000 cache read, 2,000 cache write (5 min), 1,000 cache "
            "write (1 h)) + 56 out = $0.01864, 2 citation(s)\n"
            "    [page 1] Revenue grew 12%.\n"
            "    [characters 3-9] grew")
        assert comparison._repr_html_().startswith(
            "<table><tr><th>request</th><th>input tokens</th><th>output tokens</th><th>cost</th>"
            "<th style='text-align:left'>citations</th></tr><tr><td>InvokeModel, citations (visual)</td>"
            "<td style='text-align:right'>1,234 (+ 2,000 cache read, ")

    @pytest.mark.parametrize(("edition", "labels"), [
        ("ja", ["", "Claude Sonnet 5 を提供", "モデル ID", "API バージョン"]),
        ("zh-TW", ["", "提供 Claude Sonnet 5", "模型 ID", "API 版本"]),
        ("en", ["", "serves Claude Sonnet 5", "model id", "API version"]),
    ])
    def test_endpoint_comparison_rows_translated_and_columns_aligned(
            self, monkeypatch: pytest.MonkeyPatch, edition: str, labels: list[str]) -> None:
        from helpers import catalog, messages

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        table = messages.comparison(catalog.lesson("08"))
        lines, cells = str(table).splitlines(), [table.shown_header(), *table.cells()]
        assert [line[:len(label)] for line, label in zip(lines, labels, strict=True)] == labels
        starts: list[set[int]] = [set(), set(), set()]  # each column starts at one display width in every row
        for line, row in zip(lines, cells, strict=True):
            at = len(row[0])
            for column in range(1, 4):
                at = line.index(row[column], at)
                starts[column - 1].add(i18n.width(line[:at]))
                at += len(row[column])
        assert all(len(widths) == 1 for widths in starts), starts
        assert [row[0] for row in table][1:] == ["model id", "API version"]  # code reads the English rows
        assert table[2][2].startswith("header anthropic-version: ")

    def test_english_comparison_table_is_unchanged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from helpers import catalog, messages

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "en")
        lines = str(messages.comparison(catalog.lesson("08"))).splitlines()
        assert lines[1].split() == ["serves", "Claude", "Sonnet", "5", "yes", "yes", "yes"]
        assert lines[2].startswith("model id                modelId in the URL: global.anthropic.claude-sonnet-5")


class TestPdfErrors:
    @pytest.mark.parametrize(("edition", "empty", "not_pdf"), [
        ("ja", "x.pdf は空です（0 バイト）。PDF をエクスポートし直すか、もう一度ダウンロードしてください。",
         "x.pdf は PDF ではありません（%PDF- で始まっていません）。"),
        ("zh-TW", "x.pdf 是空的（0 位元組）：請重新匯出或下載 PDF。", "x.pdf 不是 PDF：開頭不是 %PDF-。"),
        ("en", "x.pdf is empty (0 bytes): export or download the PDF again.",
         "x.pdf is not a PDF: it does not start with %PDF-. Send a real PDF (export it as PDF)."),
    ])
    def test_what_is_wrong_with_the_file(self, monkeypatch: pytest.MonkeyPatch, edition: str, empty: str,
                                         not_pdf: str) -> None:
        from helpers import pdf

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, edition)
        with pytest.raises(pdf.PdfError) as e:
            pdf.read(b"", "x.pdf")
        assert str(e.value) == empty
        with pytest.raises(ValueError) as e:  # still a PdfError, a ValueError
            pdf.read(b"hello", "x.pdf")
        assert str(e.value).startswith(not_pdf)

    def test_the_detail_stays_in_pypdfs_words(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from helpers import pdf

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "ja")
        with pytest.raises(pdf.PdfError) as e:
            pdf.read(b"%PDF-1.7\n garbage", "broken.pdf")
        assert str(e.value).startswith("broken.pdf を PDF として読み取れませんでした。")
        assert re.match(r"^[A-Za-z]+(Error|Exception)?: ", e.value.detail), e.value.detail


class TestPhrase:
    def test_english_for_code_translated_when_shown(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "zh-TW")
        phrase = i18n.Phrase(i18n.N_("{modes}, on by default"),
                             modes=i18n.Phrase(i18n.N_("{first} or {second}"), first="budget", second="adaptive"))
        assert phrase == "budget or adaptive, on by default"
        assert json.loads(json.dumps([phrase])) == ["budget or adaptive, on by default"]
        assert i18n.shown(phrase) == "budget 或 adaptive，預設開啟" and i18n.shown(3) == "3"

    def test_feature_table_cells(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from helpers import features

        monkeypatch.setenv(i18n.LANGUAGE_VARIABLE, "ja")
        table = features.table()
        shown = str(table)
        assert "トークン" in shown and ("いいえ（400）" in shown or "はい" in shown) and " tokens" not in shown
        assert table[0][1].endswith(" tokens")  # the rows code reads stay English


def test_no_marked_literal_inside_an_f_string() -> None:
    """Babel on Python 3.11 reads an f-string as one token: ``f"{_('page')}"`` is never extracted (so never
    translated). Mark the text outside the f-string."""
    import ast

    hidden = []
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                hidden += [f"{path.relative_to(ROOT)}:{call.lineno}" for call in ast.walk(node)
                           if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                           and call.func.id in ("_", "N_", "ngettext")
                           and any(isinstance(a, ast.Constant) for a in call.args)]
    assert hidden == []


@pytest.mark.parametrize(("url", "edition", "expected"), [
    ("https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference.html", "ja",
     "https://docs.aws.amazon.com/ja_jp/bedrock/latest/userguide/batch-inference.html"),
    ("https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference.html", "zh-TW",
     "https://docs.aws.amazon.com/zh_tw/bedrock/latest/userguide/batch-inference.html"),
    ("https://platform.claude.com/docs/en/about-claude/pricing", "zh-TW",
     "https://platform.claude.com/docs/zh-TW/about-claude/pricing"),
    ("https://docs.claude.com/en/docs/build-with-claude/prompt-caching", "ja",
     "https://docs.claude.com/ja/docs/build-with-claude/prompt-caching"),
    ("https://docs.aws.amazon.com/ja_jp/bedrock/", "zh-TW", "https://docs.aws.amazon.com/ja_jp/bedrock/"),
    ("https://github.com/boto/botocore", "ja", "https://github.com/boto/botocore"),
    ("https://docs.aws.amazon.com/bedrock/", "en", "https://docs.aws.amazon.com/bedrock/"),
])
def test_documentation_links_in_the_readers_language(url: str, edition: str, expected: str) -> None:
    assert i18n.localized_url(url, edition) == expected
