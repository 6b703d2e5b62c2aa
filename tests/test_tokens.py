"""The one token estimator: its documented rules, CJK handling, and truncation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from helpers.tokens import estimate_tokens, truncate_to_tokens


def test_ascii_is_four_characters_per_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a") == 1
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 4_000_000) == 1_000_000


def test_japanese_and_chinese_cost_about_a_token_per_character() -> None:
    """CJK text must not be estimated like English (that would undercount it about 4x)."""
    ja = "こんにちは、世界。Claudeへようこそ。"   # 12 kana/kanji/punct + 6 ASCII letters
    zh = "你好，世界。歡迎使用 Claude。"
    assert estimate_tokens("こんにちは") == 5
    assert estimate_tokens("歡迎使用") == 4
    assert estimate_tokens(ja) > len(ja) * 0.6
    assert estimate_tokens(zh) > len(zh) * 0.6
    assert estimate_tokens("Hello") < estimate_tokens("こんにちは")


def test_other_non_ascii_is_two_characters_per_token() -> None:
    assert estimate_tokens("éé") == 1
    assert estimate_tokens("Привет") == 3


@given(st.text(max_size=300))
def test_estimate_is_monotone_and_bounded(text: str) -> None:
    """Adding characters never lowers the estimate; no more than one token per character."""
    assert estimate_tokens(text) <= len(text)
    for cut in range(0, len(text), max(1, len(text) // 7)):
        assert estimate_tokens(text[:cut]) <= estimate_tokens(text)


@given(st.text(max_size=200), st.integers(min_value=0, max_value=80))
def test_truncate_to_tokens(text: str, limit: int) -> None:
    cut = truncate_to_tokens(text, limit)
    assert text.startswith(cut)
    assert estimate_tokens(cut) <= limit
    if cut != text:  # the longest such prefix
        assert estimate_tokens(text[: len(cut) + 1]) > limit
