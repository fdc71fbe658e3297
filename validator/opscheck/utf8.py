"""Text on its way out is valid UTF-8, whatever came in.

File names the OS cannot decode reach Python as lone surrogates (``\\udcff`` for byte 0xff);
written as they are they crash an encoder or make invalid JSON, SARIF and XML. Each such
byte is shown as ``\\xff``; any other lone surrogate as U+FFFD.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def valid_utf8(text: str) -> str:
    if text.isascii():
        return text
    return _SURROGATE.sub(_shown, text)
