"""The one translation helper: Qt's argument substitution for translated text.

User-visible text goes through Qt's own translation calls: ``self.tr("...")`` in a
QObject subclass, ``QCoreApplication.translate("Context", "...")`` anywhere else
(with ``None, n`` after the text for a plural ``%n``). Those are exactly what
``pyside6-lupdate`` extracts into the ``.ts`` files, plural forms included; a
wrapper around them would hide them from it. Values go in afterwards, with ``arg``.

Values go into a translated text by position, as ``QString::arg`` puts them
(PySide6 maps QString to ``str``, so ``arg`` itself is not there): ``%1`` ... ``%99``
are replaced in one pass, so a value that itself contains ``%2`` is never replaced
again (a chain of ``str.replace`` calls would), and a translation may put the
places in any order ("Set %2 of %1"). ``%L1`` writes a number in the user's locale
(1,234,567 / 1 234 567). ``n`` chooses the plural form of a ``%n`` text.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QLocale

_PLACE = re.compile(r"%(L?)(\d{1,2})")


def arg(text: str, *values: object) -> str:
    """``text`` with ``%1`` ... replaced by ``values`` in one pass (``%L1``: a number in the locale)."""
    if not values:
        return text

    def place(match: re.Match[str]) -> str:
        index = int(match.group(2)) - 1
        if not 0 <= index < len(values):
            return match.group(0)
        value = values[index]
        if match.group(1) and isinstance(value, int | float) and not isinstance(value, bool):
            return QLocale().toString(value)
        return str(value)

    return _PLACE.sub(place, text)



def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for pyside6-lupdate under ``context`` and return it untranslated (Qt's
    own marker, typed as a ``str``); translate it where it is shown."""
    return text
