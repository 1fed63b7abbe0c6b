"""The one exception every malformed form file turns into.

Callers (the form loader, the "open form" dialog) show ``str(error)`` to the
user, so the position comes first and reads the way an editor reports it:
``line 12, column 5: expected 'end'`` for text, ``byte 311: bad value type
0x3F`` for binary streams. A tree the writer refuses (``DfmWriteError``) has
no file position yet: its place is the path in the tree,
``Form1 > Memo1, property 2 (end): 'end' cannot be written as a property name``.
"""

from __future__ import annotations


class DfmError(Exception):
    """A form file that cannot be read.

    ``line`` and ``column`` (1-based) are set for text input, ``offset`` (from
    the start of the file, resource header included) for binary input.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset

    def __str__(self) -> str:
        if self.line is not None:
            return f"line {self.line}, column {self.column}: {self.message}"
        if self.offset is not None:
            return f"byte {self.offset}: {self.message}"
        return self.message

    def __repr__(self) -> str:
        return f"DfmError({str(self)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # The keyword-only position would be lost by Exception's default pickling,
        # and errors do cross process boundaries (a loader running in a worker).
        return (_rebuild, (self.message, self.line, self.column, self.offset))


def _rebuild(message: str, line: int | None, column: int | None, offset: int | None) -> DfmError:
    return DfmError(message, line=line, column=column, offset=offset)


class DfmWriteError(DfmError, ValueError):
    """A tree ``write_dfm`` refuses because the file would not read back as that tree.

    ``where`` is the path of the object in the tree (``Form1 > Panel1 > Memo1``) and
    the property, when there is one. A ValueError too, as callers of the writer
    have always caught.
    """

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def __repr__(self) -> str:
        return f"DfmWriteError({str(self)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (DfmWriteError, (self.message, self.where))
