"""Syntax colouring for units: a Qt-free line scanner and the QSyntaxHighlighter over it.

``scan_line`` is pure so that the code editor can ask the same question the colours
answer ("is this line inside a string?") without waiting for Qt to highlight the
document, which QSyntaxHighlighter does lazily after it is attached.

A line's scan starts from the state the previous line ended in:

* ``NORMAL``: code.
* ``IN_TRIPLE_SINGLE`` / ``IN_TRIPLE_DOUBLE``: inside a ``'''`` / ``\"\"\"`` string, which may
  span any number of lines (docstrings).
* ``IN_SINGLE`` / ``IN_DOUBLE``: inside a ``'`` / ``"`` string whose line ended in a
  backslash, which Python continues on the next line.

Spans are in Python string indices; the highlighter converts them to the UTF-16 offsets
Qt counts in when a line holds characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

NORMAL, IN_TRIPLE_SINGLE, IN_TRIPLE_DOUBLE, IN_SINGLE, IN_DOUBLE = range(5)

KEYWORD = "keyword"
BUILTIN = "builtin"
STRING = "string"
COMMENT = "comment"
NUMBER = "number"
DECORATOR = "decorator"
DEFINITION = "definition"
SELF = "self"

#: (colour, bold, italic) per token kind, chosen for contrast on a white page.
LIGHT_THEME: dict[str, tuple[str, bool, bool]] = {
    KEYWORD: ("#0033b3", True, False),
    BUILTIN: ("#7a3e9d", False, False),
    STRING: ("#067d17", False, False),
    COMMENT: ("#7f7f7f", False, True),
    NUMBER: ("#1750eb", False, False),
    DECORATOR: ("#9e6a03", False, False),
    DEFINITION: ("#00627a", True, False),
    SELF: ("#94558d", False, True),
}

_KEYWORDS = frozenset(keyword.kwlist)
# Soft keywords are ordinary names almost everywhere; see _is_soft_keyword.
_SOFT_KEYWORDS = frozenset({"match", "case"})
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_")) - _KEYWORDS
_SELF_NAMES = frozenset({"self", "cls"})

_PREFIX = r"(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?"
_TOKEN = re.compile(
    r"(?P<comment>#.*)"
    rf"|(?P<triple>{_PREFIX}(?:'''|\"\"\"))"
    rf"|(?P<short>{_PREFIX}['\"])"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<number>(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[jJ]?)"
    r"|(?P<decorator>@\s*[^\W\d][\w.]*)"
)
_TRIPLE_END = {IN_TRIPLE_SINGLE: re.compile(r"\\.|'''", re.S), IN_TRIPLE_DOUBLE: re.compile(r'\\.|"""', re.S)}
_SHORT_END = {IN_SINGLE: re.compile(r"(?:\\.|[^\\'])*'"), IN_DOUBLE: re.compile(r'(?:\\.|[^\\"])*"')}

Span = tuple[int, int, str]


def _close_triple(text: str, pos: int, state: int) -> int | None:
    """Index just past the delimiter that closes a triple-quoted string, or None."""
    for match in _TRIPLE_END[state].finditer(text, pos):
        if not match.group().startswith("\\"):
            return match.end()
    return None


def _close_short(text: str, pos: int, state: int) -> tuple[int, int]:
    """(end of the string, state after it) for a one-line string opened before ``pos``."""
    match = _SHORT_END[state].match(text, pos)
    if match:
        return match.end(), NORMAL
    # Unterminated: a trailing backslash continues it on the next line; otherwise it is a
    # syntax error, and colouring the rest of the line as string shows where it went wrong.
    trailing = len(text) - len(text.rstrip("\\"))
    return len(text), state if trailing % 2 else NORMAL


def _is_soft_keyword(text: str, start: int, length: int) -> bool:
    """``match``/``case`` open a statement only as the first word of a line ending in ':'."""
    if text[:start].strip():
        return False
    code = text.split("#", 1)[0].rstrip()
    return code.endswith(":") and not code[start + length:].lstrip().startswith(("=", ".", ":"))


def scan_line(text: str, state: int = NORMAL) -> tuple[list[Span], int]:
    """Coloured spans ``(start, length, kind)`` of one line, and the state the line ends in."""
    spans: list[Span] = []
    pos = 0
    if state in (IN_TRIPLE_SINGLE, IN_TRIPLE_DOUBLE):
        end = _close_triple(text, 0, state)
        if end is None:
            return [(0, len(text), STRING)] if text else [], state
        spans.append((0, end, STRING))
        pos = end
    elif state in (IN_SINGLE, IN_DOUBLE):
        end, state = _close_short(text, 0, state)
        spans.append((0, end, STRING))
        if state != NORMAL:
            return spans, state
        pos = end
    state = NORMAL
    defining = False  # the name after ``def``/``class`` is the one being defined
    while (match := _TOKEN.search(text, pos)) is not None:
        start, kind = match.start(), match.lastgroup
        token = match.group()
        pos = match.end()
        if kind == "comment":
            spans.append((start, len(token), COMMENT))
            break
        if kind == "triple":
            inside = IN_TRIPLE_SINGLE if token.endswith("'") else IN_TRIPLE_DOUBLE
            end = _close_triple(text, pos, inside)
            if end is None:
                spans.append((start, len(text) - start, STRING))
                return spans, inside
            spans.append((start, end - start, STRING))
            pos = end
        elif kind == "short":
            end, state = _close_short(text, pos, IN_SINGLE if token.endswith("'") else IN_DOUBLE)
            spans.append((start, end - start, STRING))
            if state != NORMAL:
                return spans, state
            pos = end
        elif kind == "number":
            spans.append((start, len(token), NUMBER))
        elif kind == "decorator":
            if not text[:start].strip():
                spans.append((start, len(token), DECORATOR))
            else:  # matrix multiplication: rescan what follows the operator
                pos = start + 1
        else:
            attribute = text[:start].rstrip().endswith(".")
            if defining:
                spans.append((start, len(token), DEFINITION))
            elif token in _KEYWORDS or (token in _SOFT_KEYWORDS and _is_soft_keyword(text, start, len(token))):
                spans.append((start, len(token), KEYWORD))
            elif token in _SELF_NAMES and not attribute:
                spans.append((start, len(token), SELF))
            elif token in _BUILTINS and not attribute:
                spans.append((start, len(token), BUILTIN))
            defining = token in ("def", "class")
            continue
        defining = False
    return spans, state


def _utf16_index(text: str) -> Callable[[int], int]:
    """Maps a Python index of ``text`` to Qt's UTF-16 offset (identity for BMP-only text)."""
    if all(ord(ch) < 0x10000 for ch in text):
        return lambda index: index
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + (2 if ord(ch) >= 0x10000 else 1))
    return offsets.__getitem__


def char_format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Colours Python source; the block state carries open multi-line strings."""

    def __init__(self, document: QTextDocument, theme: dict[str, tuple[str, bool, bool]] | None = None) -> None:
        super().__init__(document)
        self._formats = {kind: char_format(*style) for kind, style in (theme or LIGHT_THEME).items()}

    def highlightBlock(self, text: str) -> None:
        spans, state = scan_line(text, max(self.previousBlockState(), NORMAL))
        to_qt = _utf16_index(text)
        for start, length, kind in spans:
            begin = to_qt(start)
            self.setFormat(begin, to_qt(start + length) - begin, self._formats[kind])
        self.setCurrentBlockState(state)
