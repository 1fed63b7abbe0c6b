"""What TLS gave one connection, for the Connections panel: the protocol version, the
cipher and the peer's certificate (subject, issuer, names, expiry), as a detail line
under the table and as the Peer cell's tooltip. Read from ``connection.tls``
(components.tls.HandshakeInfo); a connection without TLS shows nothing."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from app.core.local_time import date_and_time
from app.qt.i18n import arg
from components.connection import CustomWinSocket


def _tr(text: str) -> str:
    return QCoreApplication.translate("TlsDetails", text)


def tls_lines(conn: CustomWinSocket | None) -> list[tuple[str, str]]:
    """(label, value) pairs for the connection's TLS, or [] without TLS."""
    info = conn.tls if conn is not None else None
    if info is None:
        return []
    rows = [(_tr("Protocol"), info.version), (_tr("Cipher"), arg(_tr("%1 (%2 bits)"), info.cipher, str(info.bits)))]
    if info.server_name:
        rows.append((_tr("Server name"), info.server_name))
    if not info.peer_certificate:
        rows.append((_tr("Peer certificate"), _tr("none (the peer sent no certificate)")))
        return rows
    rows += [(_tr("Peer certificate"), info.peer_subject), (_tr("Issued by"), info.peer_issuer),
             (_tr("Valid for"), ", ".join(info.peer_sans) or _tr("(no names)"))]
    if info.peer_expires is not None:
        rows.append((_tr("Expires"), date_and_time(info.peer_expires.timestamp())))
    return rows


def tls_tooltip(conn: CustomWinSocket | None) -> str:
    """The rows as a small HTML table (the Peer cell's tooltip); "" without TLS."""
    rows = tls_lines(conn)
    if not rows:
        return ""
    cells = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _common_name(rfc4514: str) -> str:
    """``CN=localhost`` out of ``CN=localhost,O=Socket Workbench`` (the whole when it has no CN)."""
    for part in rfc4514.split(","):
        if part.strip().upper().startswith("CN="):
            return part.strip()
    return rfc4514


class TlsDetails(QLabel):
    """The selected connection's TLS under the connections table, in two lines that never
    wrap (the dock may be short): the protocol and cipher, then the peer certificate, each
    elided to the width; the whole of it is the label's tooltip. Hidden for a connection
    without TLS."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TlsDetails")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._shown: tuple[int, object] | None = None
        self._lines: list[str] = []
        self.hide()

    def show_connection(self, conn: CustomWinSocket | None) -> None:
        key = (conn.id, conn.tls) if conn is not None else None
        if key == self._shown:
            return
        self._shown = key
        rows = tls_lines(conn)
        self.setVisible(bool(rows))
        on_first = (_tr("Protocol"), _tr("Cipher"), _tr("Server name"))
        first = [r for r in rows if r[0] in on_first]
        # the second line: whose certificate, by whom, until when (names in full, and the SANs,
        # are in the tooltip)
        names = (_tr("Peer certificate"), _tr("Issued by"))
        rest = [(k, _common_name(v) if k in names else v) for k, v in rows
                if k not in on_first and k != _tr("Valid for")]
        self._lines = ["   ".join(arg(_tr("%1: %2"), k, v) for k, v in part) for part in (first, rest) if part]
        self.setToolTip(tls_tooltip(conn))
        self._elide()

    def full_text(self) -> str:
        """Both lines, not elided."""
        return "\n".join(self._lines)

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        width = max(0, self.contentsRect().width())
        self.setText("\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) if width else line
                               for line in self._lines))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()
