"""The escapes users type in terminal tools, for text that stands for bytes.

``\\r``, ``\\n``, ``\\t``, ``\\0``, ``\\\\`` and ``\\xNN``; anything else stays as
typed. Reply with text, the Framing spec (``delimiter:\\r\\n``) and the reply
templates all read them this way.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[rnt0\\])")
_SIMPLE = {"r": "\r", "n": "\n", "t": "\t", "0": "\0", "\\": "\\"}


def unescape_text(text: str) -> str:
    """Expand \\r \\n \\t \\0 \\\\ and \\xNN; anything else stays as typed."""

    def expand(m: re.Match[str]) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if code.startswith("x") else _SIMPLE[code]

    return _ESCAPE.sub(expand, text)


def unescape_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """The escapes expanded to bytes: ``\\xNN`` is the byte NN, other characters are
    their bytes in ``encoding`` (``delimiter:\\x03`` is the single byte 03, ``é`` two bytes
    in UTF-8)."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        out += text[pos:m.start()].encode(encoding, "surrogateescape")
        code = m.group(1)
        out += bytes([int(code[1:], 16)]) if code.startswith("x") else _SIMPLE[code].encode("ascii")
        pos = m.end()
    out += text[pos:].encode(encoding, "surrogateescape")
    return bytes(out)
