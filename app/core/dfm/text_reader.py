"""Reads text form files (``object Form1: TForm1 ... end``).

The grammar, as Delphi's own parser accepts it::

    file        = object EOF
    object      = ("object" | "inherited" | "inline") [name ":"] class ["[" int "]"]
                  (property | object)* "end"
    property    = dotted-name "=" value
    value       = string ("+" string)* | number | dotted-name
                | "[" [element ("," element)*] "]"          set
                | "(" value* ")"                             list
                | "<" ("item" ["[" int "]"] property* "end")* ">"   collection
                | "{" hex-digits-and-whitespace "}"          binary
    string      = ("'" chars-with-'' "'" | "#" code)+        no blanks between parts

Keywords are case-insensitive; tokens are separated by any whitespace, so
CRLF, LF and mixed line ends all read. There is no comment syntax.

The whole file is decoded first (see ``grammar.decode``), so columns count
characters, not bytes. Nesting is limited to ``MAX_DEPTH`` so that crafted
input gives a ``DfmError`` rather than exhausting the interpreter's stack.
"""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass

from .errors import DfmError
from .grammar import (
    FLOAT_SUFFIXES,
    MAX_DECIMAL_DIGITS,
    MAX_HEX_DIGITS,
    OBJECT_KEYWORDS,
    decode,
    is_float_text,
    is_ident_char,
    is_ident_start,
    is_integer,
    is_set_element,
    keyword,
)
from .tree import (
    BinaryValue,
    CollectionItem,
    CollectionValue,
    DfmObject,
    DfmProperty,
    FloatValue,
    IdentValue,
    IntegerValue,
    ListValue,
    ObjectKind,
    SetValue,
    StringValue,
    Value,
)

# Far deeper than any designer-made form, shallow enough that the recursive
# descent (up to three Python frames per level) stays well inside the stack.
MAX_DEPTH = 100

_WHITESPACE = frozenset(" \t\r\n\f\v")
_SYMBOLS = frozenset("=:[](),<>{}+")

# Possessive: once '' has been taken as an escaped quote it is never given back,
# so "'abc''" is unterminated rather than 'abc' followed by a stray quote.
_QUOTED = re.compile(r"'((?:[^'\r\n]++|'')*+)'")
_DIGITS = re.compile(r"[0-9]+")
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]+")
_NUMBER_TAIL = re.compile(r"[0-9.eE+\-]*")
_HEX_BODY = re.compile(r"[0-9A-Fa-f \t\r\n\f\v]*")
_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SURROGATE = re.compile("[\ud800-\udfff]")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_text_dfm(data: bytes, encoding: str = "cp1252") -> DfmObject:
    """Parse a text form file; raw 8-bit characters are read in *encoding*.

    A byte-order mark overrides *encoding* (Delphi writes UTF-8 with a BOM when
    a name needs characters outside the code page).
    """
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            return _TextParser(decode(data[len(bom) :], bom_encoding)).parse()
    return _TextParser(decode(data, encoding)).parse()


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "ident", "int", "float", "string", "symbol" or "eof"
    text: str  # as written; for strings the characters, not the quoting
    start: int
    number: int = 0
    real: FloatValue | None = None


class _TextParser:
    """Recursive descent with one token of look-ahead, like Delphi's TParser."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._token = _Token("eof", "", 0)
        self._line_starts: list[int] | None = None

    def parse(self) -> DfmObject:
        self._advance()
        root = self._parse_object(0)
        if self._token.kind != "eof":
            raise self._error(f"expected end of file after the root object's 'end', found {self._found()}")
        return root

    # -- positions and errors ---------------------------------------------

    def _line_column(self, index: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self._text)]
        line = bisect.bisect_right(self._line_starts, index)
        return line, index - self._line_starts[line - 1] + 1

    def _error(self, message: str, at: int | None = None) -> DfmError:
        line, column = self._line_column(self._token.start if at is None else at)
        return DfmError(message, line=line, column=column)

    def _found(self) -> str:
        token = self._token
        if token.kind == "eof":
            return "end of file"
        if token.kind == "string":
            return "a string"
        shown = token.text if len(token.text) <= 40 else token.text[:37] + "..."
        return f"'{shown}'"

    # -- tokens -------------------------------------------------------------

    def _advance(self) -> None:
        text = self._text
        size = len(text)
        pos = self._pos
        while pos < size and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= size:
            self._token = _Token("eof", "", size)
            self._pos = size
            return
        ch = text[pos]
        if is_ident_start(ch):
            self._token, self._pos = self._lex_identifier(pos)
        elif "0" <= ch <= "9" or ch in "-$":
            self._token, self._pos = self._lex_number(pos)
        elif ch in "'#":
            self._token, self._pos = self._lex_string(pos)
        elif ch in _SYMBOLS:
            self._token, self._pos = _Token("symbol", ch, pos), pos + 1
        else:
            raise self._error(f"unexpected character {_show(ch)}", pos)

    def _lex_identifier(self, start: int) -> tuple[_Token, int]:
        text = self._text
        size = len(text)
        end = start + 1
        while True:
            while end < size and is_ident_char(text[end]):
                end += 1
            if end + 1 < size and text[end] == "." and is_ident_start(text[end + 1]):
                end += 2
                continue
            return _Token("ident", text[start:end], start), end

    def _lex_number(self, start: int) -> tuple[_Token, int]:
        text = self._text
        if text[start] == "$":
            match = _HEX_DIGITS.match(text, start + 1)
            if match is None:
                raise self._error("expected hex digits after '$'", start)
            end = match.end()
            token = _Token("int", text[start:end], start, number=self._to_int(match.group(), 16, start))
        else:
            digits = _DIGITS.match(text, start + 1 if text[start] == "-" else start)
            if digits is None:
                raise self._error("expected a digit after '-'", start)
            tail = _NUMBER_TAIL.match(text, digits.end())
            end = tail.end() if tail else digits.end()
            body = text[start:end]
            suffix = ""
            if end < len(text) and text[end] in FLOAT_SUFFIXES:
                suffix = text[end]
                end += 1
            if suffix or any(ch in body for ch in ".eE"):
                if not is_float_text(body, suffix):
                    raise self._error(f"bad number '{body}{suffix}'", start)
                token = _Token("float", body + suffix, start, real=FloatValue(body, suffix))
            else:
                if not _DIGITS.fullmatch(body.lstrip("-")):
                    raise self._error(f"bad number '{body}'", start)
                token = _Token("int", body, start, number=self._to_int(body, 10, start))
        if end < len(text) and is_ident_char(text[end]):
            raise self._error(f"bad number '{text[start : end + 1]}'", start)
        if token.kind == "int" and not is_integer(token.number):
            raise self._error(f"number out of range: form files hold 64-bit integers, not {token.text}", start)
        return token, end

    def _to_int(self, digits: str, base: int, at: int) -> int:
        # Counted before converting: thousands of digits are slow to convert, or refused
        significant = len(digits.lstrip("-").lstrip("0"))
        if significant > (MAX_HEX_DIGITS if base == 16 else MAX_DECIMAL_DIGITS):
            raise self._error("number too long", at)
        return int(digits, base)

    def _lex_string(self, start: int) -> tuple[_Token, int]:
        text = self._text
        size = len(text)
        pos = start
        parts: list[str] = []
        while pos < size:
            ch = text[pos]
            if ch == "'":
                match = _QUOTED.match(text, pos)
                if match is None:
                    raise self._error("unterminated string", pos)
                parts.append(match.group(1).replace("''", "'"))
                pos = match.end()
            elif ch == "#":
                if pos + 1 < size and text[pos + 1] == "$":
                    match, base = _HEX_DIGITS.match(text, pos + 2), 16
                else:
                    match, base = _DIGITS.match(text, pos + 1), 10
                if match is None:
                    raise self._error("expected a character code after '#'", pos)
                code = self._to_int(match.group(), base, pos)
                if code > 0x10FFFF:
                    raise self._error(f"character code {code} is out of range", pos)
                parts.append(chr(code))
                pos = match.end()
            else:
                break
        return _Token("string", "".join(parts), start), pos

    # -- helpers on the current token ------------------------------------

    def _is_symbol(self, symbol: str) -> bool:
        return self._token.kind == "symbol" and self._token.text == symbol

    def _keyword(self) -> str | None:
        return keyword(self._token.text) if self._token.kind == "ident" else None

    def _expect_symbol(self, symbol: str, what: str) -> None:
        if not self._is_symbol(symbol):
            raise self._error(f"expected '{symbol}' {what}, found {self._found()}")
        self._advance()

    def _expect_ident(self, what: str) -> _Token:
        token = self._token
        if token.kind != "ident":
            raise self._error(f"expected {what}, found {self._found()}")
        self._advance()
        return token

    def _order_index(self) -> int | None:
        if not self._is_symbol("["):
            return None
        self._advance()
        token = self._token
        if token.kind != "int":
            raise self._error(f"expected an order index, found {self._found()}")
        self._advance()
        self._expect_symbol("]", "after the order index")
        return token.number

    # -- grammar --------------------------------------------------------------

    def _parse_object(self, depth: int) -> DfmObject:
        header = self._token
        kind = self._keyword()
        if kind not in OBJECT_KEYWORDS:
            raise self._error(f"expected 'object', 'inherited' or 'inline', found {self._found()}")
        if depth > MAX_DEPTH:
            raise self._error(f"objects nested more than {MAX_DEPTH} deep")
        self._advance()
        first = self._expect_ident("a component name or class name")
        name, class_name = "", first.text
        if self._is_symbol(":"):
            if "." in first.text:
                raise self._error("a component name cannot contain '.'", first.start)
            self._advance()
            name, class_name = first.text, self._expect_ident("a class name").text
        obj = DfmObject(_as_kind(kind), name, class_name, index=self._order_index())
        while True:
            word = self._keyword()
            if word == "end":
                self._advance()
                return obj
            if word in OBJECT_KEYWORDS:
                obj.children.append(self._parse_object(depth + 1))
            elif self._token.kind == "ident":
                obj.properties.append(self._parse_property(depth))
            else:
                line, _ = self._line_column(header.start)
                raise self._error(
                    f"expected a property, an object or 'end' of {name or class_name} "
                    f"(line {line}), found {self._found()}"
                )

    def _parse_property(self, depth: int) -> DfmProperty:
        name = self._token.text
        self._advance()
        self._expect_symbol("=", f"after property {name}")
        return DfmProperty(name, self._parse_value(depth + 1))

    def _parse_value(self, depth: int) -> Value:
        if depth > MAX_DEPTH:
            raise self._error(f"values nested more than {MAX_DEPTH} deep")
        token = self._token
        if token.kind == "string":
            return self._parse_string()
        if token.kind == "int":
            self._advance()
            return IntegerValue(token.number)
        if token.kind == "float" and token.real is not None:
            self._advance()
            return token.real
        if token.kind == "ident":
            self._advance()
            return IdentValue(token.text)
        if token.kind == "symbol":
            if token.text == "[":
                return self._parse_set()
            if token.text == "(":
                return self._parse_list(depth)
            if token.text == "<":
                return self._parse_collection(depth)
            if token.text == "{":
                return self._parse_binary()
        raise self._error(f"expected a value, found {self._found()}")

    def _parse_string(self) -> StringValue:
        parts = [self._token.text]
        self._advance()
        while self._is_symbol("+"):
            self._advance()
            if self._token.kind != "string":
                raise self._error(f"expected a string after '+', found {self._found()}")
            parts.append(self._token.text)
            self._advance()
        value = "".join(parts)
        if _SURROGATE.search(value):
            # Delphi strings are UTF-16: a character outside the BMP is written as
            # two #nnnnn codes, possibly in different '+' parts. Pair them up.
            value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return StringValue(value)

    def _parse_set(self) -> SetValue:
        self._advance()
        items: list[str] = []
        if not self._is_symbol("]"):
            while True:
                token = self._token
                if token.kind not in ("ident", "int") or not is_set_element(token.text):
                    raise self._error(f"expected a set element, found {self._found()}")
                items.append(token.text)
                self._advance()
                if self._is_symbol("]"):
                    break
                self._expect_symbol(",", "or ']' in a set")
        self._advance()
        return SetValue(tuple(items))

    def _parse_list(self, depth: int) -> ListValue:
        opened = self._token.start
        self._advance()
        items: list[Value] = []
        while not self._is_symbol(")"):
            if self._token.kind == "eof":
                line, column = self._line_column(opened)
                raise self._error(f"expected ')' to close the list at line {line}, column {column}")
            items.append(self._parse_value(depth + 1))
        self._advance()
        return ListValue(tuple(items))

    def _parse_collection(self, depth: int) -> CollectionValue:
        self._advance()
        items: list[CollectionItem] = []
        while not self._is_symbol(">"):
            if self._keyword() != "item":
                raise self._error(f"expected 'item' or '>' in a collection, found {self._found()}")
            self._advance()
            index = self._order_index()
            properties: list[DfmProperty] = []
            while self._keyword() != "end":
                if self._token.kind != "ident" or self._keyword() in OBJECT_KEYWORDS:
                    raise self._error(f"expected a property or 'end' of the item, found {self._found()}")
                properties.append(self._parse_property(depth + 1))
            self._advance()
            items.append(CollectionItem(tuple(properties), index))
        self._advance()
        return CollectionValue(tuple(items))

    def _parse_binary(self) -> BinaryValue:
        # Hex digits are not tokens ('0A' would lex as a number and a name), so
        # the body is scanned straight from the text after '{'.
        opened = self._token.start
        text = self._text
        body = _HEX_BODY.match(text, self._pos)
        end = body.end() if body else self._pos
        if end >= len(text):
            raise self._error("unterminated binary value: missing '}'", opened)
        if text[end] != "}":
            raise self._error(f"bad hex digit {_show(text[end])}", end)
        digits = _BLANKS.sub("", text[self._pos : end])
        if len(digits) % 2:
            raise self._error("odd number of hex digits", end)
        self._pos = end + 1
        self._advance()
        return BinaryValue(bytes.fromhex(digits))


def _as_kind(word: str | None) -> ObjectKind:
    if word == "inherited":
        return "inherited"
    if word == "inline":
        return "inline"
    return "object"


def _show(ch: str) -> str:
    if ch.isprintable() and ch != "'":
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"
