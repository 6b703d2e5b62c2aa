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
_NON_ASCII = re.compile(r"[^\x00-\x7f]")

ASCII_CHARS_PER_TOKEN = 4
OTHER_CHARS_PER_TOKEN = 2


def estimate_tokens(text: str) -> int:
    """Estimated Claude tokens in ``text`` (see the module docstring for the rules)."""
    if not text:
        return 0
    if text.isascii():
        return -(-len(text) // ASCII_CHARS_PER_TOKEN)
    non_ascii = len(_NON_ASCII.findall(text))
    cjk = len(_CJK.findall(text))
    ascii_chars = len(text) - non_ascii
    other = non_ascii - cjk
    return cjk + -(-(ascii_chars * OTHER_CHARS_PER_TOKEN + other * ASCII_CHARS_PER_TOKEN)
                   // (ASCII_CHARS_PER_TOKEN * OTHER_CHARS_PER_TOKEN))


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose estimate is at most ``limit`` tokens."""
    if estimate_tokens(text) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # binary search on the prefix length; the estimate is monotone in it
        mid = (lo + hi + 1) // 2
        if estimate_tokens(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]
