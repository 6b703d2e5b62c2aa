"""The emulator's nextToken: the base64 (URL-safe) of the offset of the next page's first item.

AWS's tokens are opaque; only tokens the emulator itself handed out are accepted, so a forged or garbled one
(negative, non-digits, padding games) is refused rather than read as some other offset.
"""

from __future__ import annotations

import base64
import binascii
import re

_MAX_DIGITS = 9  # far beyond any list the emulator holds


def encode(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def decode(token: str | None) -> int:
    """The offset a token stands for (0 for none or ""); ValueError if the emulator could not have made it."""
    if not token:
        return 0
    try:
        digits = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
    except (UnicodeError, binascii.Error):
        raise ValueError("invalid pagination token") from None
    if not re.fullmatch(rf"[0-9]{{1,{_MAX_DIGITS}}}", digits) or encode(int(digits)) != token:
        raise ValueError("invalid pagination token")
    return int(digits)
