"""Lexical rules the text reader and the text writer must agree on.

A tree survives ``read_dfm(write_dfm(tree))`` only if the writer never emits a
name, number or character that the reader would tokenise differently, so both
sides (and the binary reader, whose trees must be writable too) ask this module
instead of keeping their own copies of the rules.

It also owns how bytes become characters: a form file has no declared code
page, so the caller names one, and a byte that code page cannot decode falls
back to its Latin-1 meaning instead of failing the whole file.
"""

from __future__ import annotations

import codecs
import re

OBJECT_KEYWORDS = frozenset({"object", "inherited", "inline"})

# A property called ``end`` or ``object`` would close the object or open a child
# when read back, so no property may carry one of these names.
RESERVED_PROPERTY_NAMES = OBJECT_KEYWORDS | {"end"}

# Integers are 64-bit, as Delphi's parser reads them (StrToInt64); hex may spell the
# unsigned bit pattern, $FFFFFFFFFFFFFFFF. Nothing longer is read, or written.
INTEGER_MIN = -(2**63)
INTEGER_MAX = 2**64 - 1
MAX_DECIMAL_DIGITS = 20  # len(str(INTEGER_MAX))
MAX_HEX_DIGITS = 16

# Single, Currency, Date, Double. Delphi writes the lower-case letters; both cases read.
FLOAT_SUFFIXES = "sScCdDfF"

_FLOAT_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_SET_NUMBER = re.compile(r"[0-9]+")

_FALLBACK = "app.core.dfm.latin1-fallback"


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    # One byte at a time, so a single stray byte costs one character, not the
    # rest of the string.
    return chr(error.object[error.start]), error.start + 1


codecs.register_error(_FALLBACK, _latin1_fallback)


def decode(data: bytes, encoding: str) -> str:
    """*data* in *encoding*; bytes the code page cannot decode keep their Latin-1 meaning."""
    return data.decode(encoding, errors=_FALLBACK)


def keyword(token: str) -> str | None:
    """The keyword *token* spells (case-insensitively, like Delphi), lower-cased; else None."""
    # ASCII only: 'İNLINE'.lower() must not turn into a keyword.
    if token.isascii():
        return token.lower()
    return None


def is_ident_start(ch: str) -> bool:
    if ch.isascii():
        return ch == "_" or ch.isalpha()
    return ch.isalpha()


def is_ident_char(ch: str) -> bool:
    if ch.isascii():
        return ch == "_" or ch.isalnum()
    return ch.isalnum()


def is_identifier(text: str) -> bool:
    """``Button1``, ``_x``, ``Кнопка1``: a letter or underscore, then letters, digits, underscores."""
    return bool(text) and is_ident_start(text[0]) and all(is_ident_char(ch) for ch in text[1:])


def is_dotted_identifier(text: str) -> bool:
    """``Font.Name``, ``DataModule1.Query1``, or a plain identifier."""
    return all(is_identifier(part) for part in text.split("."))


def is_property_name(text: str) -> bool:
    return is_dotted_identifier(text) and keyword(text) not in RESERVED_PROPERTY_NAMES


def is_integer(value: object) -> bool:
    """An int a form file can hold (see INTEGER_MIN and INTEGER_MAX); not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and INTEGER_MIN <= value <= INTEGER_MAX


def is_set_element(text: str) -> bool:
    """An enumeration name, or a small integer (sets of integer subranges)."""
    return is_identifier(text) or _SET_NUMBER.fullmatch(text) is not None


def is_float_text(text: str, suffix: str) -> bool:
    """Whether ``text + suffix`` reads back as this float (and not as an integer)."""
    if suffix and (len(suffix) != 1 or suffix not in FLOAT_SUFFIXES):
        return False
    if _FLOAT_TEXT.fullmatch(text) is None:
        return False
    return bool(suffix) or any(ch in text for ch in ".eE")
