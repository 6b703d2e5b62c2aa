"""One token estimator for the whole suite: emulator usage, CountTokens, limits and local estimates.

Claude's tokenizer is not public, so this is an estimate with documented rules, chosen to be
within the right order for the text learners send:

* ASCII text: one token per 4 characters (Anthropic's rule of thumb for English).
* CJK ideographs, kana and Hangul: one token per character (Japanese and Chinese text typically
  costs about one token per character, far more per character than English).
* Any other non-ASCII character (accents, Cyrillic, emoji…): one token per 2 characters.

The result is rounded up, so any non-empty text counts as at least one token. Pure-ASCII text,
the common case for very long prompts, takes a fast path with no per-character work.
"""

from __future__ import annotations

import re

# Hangul Jamo, CJK radicals…Yi, Hangul syllables, CJK compatibility ideographs, half/full-width
# forms, and the supplementary ideograph planes.
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003134f]"
)

# In quarter tokens: an ASCII character weighs 1, another character 2, a CJK character 4, and the
# estimate is the total weight divided by 4, rounded up.
ASCII_WEIGHT, OTHER_WEIGHT, CJK_WEIGHT = 1, 2, 4


def estimate_tokens(text: str) -> int:
    """Estimated Claude tokens in ``text`` (see the module docstring for the rules)."""
    if text.isascii():
        return -(-len(text) // 4)
    ascii_chars = len(text.encode("ascii", "ignore"))  # counted in C, not per character
    cjk = _CJK.subn("", text)[1]
    other = len(text) - ascii_chars - cjk
    return -(-(ascii_chars * ASCII_WEIGHT + other * OTHER_WEIGHT + cjk * CJK_WEIGHT) // 4)


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose estimate is at most ``limit`` tokens."""
    if text.isascii():
        return text[: max(limit, 0) * 4]
    lo, hi = 0, min(len(text), max(limit, 0) * 4)  # every character weighs at least a quarter token
    while lo < hi:  # binary search: the estimate grows with the prefix
        mid = (lo + hi + 1) // 2
        if estimate_tokens(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]
