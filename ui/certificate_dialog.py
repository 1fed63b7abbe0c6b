"""Tools > Generate certificates...: a local CA, a server certificate and, optionally, a
client certificate, written as PEM beside the form, in one click.

The dialog asks where (the form's folder unless the user picks another), a file
prefix, extra names for the server certificate (localhost, 127.0.0.1 and ::1 are
always in it) and whether to make a client certificate. ``app.core.certificates``
makes and writes the files (keys 0600, nothing overwritten unless asked). When a
ClientSocket or ServerSocket is selected, its TLS properties are filled in to use
them, as ONE undo step (FormModel.set_properties); which properties, is read from
the metadata's roles (app.core.certificates.component_settings).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.certificates import DEFAULT_NAMES, CertificateError, CertificateFiles, component_settings, generate
from app.qt.form_model import EditRefused, FormModel
from app.qt.i18n import arg
from components.metadata import Role

DEFAULT_PREFIX = "tls-"


class CertificateDialog(QDialog):
    """Make certificates, and point the selected component at them."""

    def __init__(self, model: FormModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CertificateDialog")
        self.setWindowTitle(self.tr("Generate Certificates"))
        self.model = model
        self.files: CertificateFiles | None = None
        entry = model.current()
        self._uid = entry.uid if entry is not None and entry.cls.role_spec(Role.TLS) is not None else 0

        intro = QLabel(self.tr("Makes a local certificate authority (CA) and a server certificate signed by it, "
                               "as PEM files. Clients that trust the CA file accept the server; nothing is "
                               "installed in the system."))
        intro.setWordWrap(True)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(self.tr("Save the form first, or choose a folder"))
        if model.path is not None:
            self.folder.setText(str(Path(os.path.abspath(model.path)).parent))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self.prefix = QLineEdit(DEFAULT_PREFIX)
        self.names = QLineEdit()
        self.names.setPlaceholderText(self.tr("e.g. myhost.lan, 192.168.1.20"))
        self.names.setToolTip(arg(self.tr("Names and addresses the server certificate is also valid for, "
                                          "separated by commas or spaces; %1 are always included"),
                                  ", ".join(DEFAULT_NAMES)))
        self.client = QCheckBox(self.tr("Also make a client certificate (for servers that verify their peers)"))
        self.replace = QCheckBox(self.tr("Replace files that exist"))
        self.preview = QLabel()
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setWordWrap(True)
        self.target = QLabel()
        self.target.setTextFormat(Qt.TextFormat.PlainText)
        self.target.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828;")

        form = QFormLayout()
        folder_label = QLabel(self.tr("&Folder:"))  # a row that is a layout gets no buddy of its own
        folder_label.setBuddy(self.folder)
        form.addRow(folder_label, folder_row)
        form.addRow(self.tr("File &prefix:"), self.prefix)
        form.addRow(self.tr("Extra &names:"), self.names)
        form.addRow("", self.client)
        form.addRow("", self.replace)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.generate_button = self.buttons.addButton(self.tr("&Generate"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.generate_button.setDefault(True)
        self.buttons.accepted.connect(self.generate)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.target)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        for edit in (self.folder, self.prefix, self.names):
            edit.textChanged.connect(self._update)
        self.client.toggled.connect(self._update)
        self._update()
        self.resize(560, self.sizeHint().height())

    # -- what will happen -----------------------------------------------------------
    def _names(self) -> list[str]:
        return [n for n in self.names.text().replace(",", " ").split() if n]

    def _folder(self) -> Path | None:
        text = self.folder.text().strip()
        return Path(os.path.expanduser(text)) if text else None

    def _update(self) -> None:
        prefix = self.prefix.text().strip()
        files = [f"{prefix}ca.pem", f"{prefix}ca-key.pem", f"{prefix}server.pem", f"{prefix}server-key.pem"]
        if self.client.isChecked():
            files += [f"{prefix}client.pem", f"{prefix}client-key.pem"]
        self.preview.setText(arg(self.tr("Writes %1 (keys readable by you alone)"), ", ".join(files)))
        if self._uid:
            entry = self.model.entry(self._uid)
            self.target.setText(arg(self.tr("Then %1 is set to use them, as one step you can undo."), entry.name))
        else:
            self.target.setText(self.tr("No socket component is selected: only the files are written."))
        folder = self._folder()
        self.generate_button.setEnabled(folder is not None)
        self.problem.setText("")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the certificates"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    # -- doing it -------------------------------------------------------------------------
    def generate(self) -> None:
        folder = self._folder()
        if folder is None:
            self.problem.setText(self.tr("Choose a folder first"))
            return
        try:
            files = generate(folder, self.prefix.text().strip(), self._names(), client=self.client.isChecked(),
                             overwrite=self.replace.isChecked())
        except (CertificateError, OSError) as exc:
            self.problem.setText(str(exc))
            return
        self.files = files
        if self._uid:
            entry = self.model.entry(self._uid)
            form_folder = Path(os.path.abspath(self.model.path)).parent if self.model.path is not None else None
            try:
                values = component_settings(files, entry.cls, form_folder)
                self.model.set_properties(self._uid, values,
                                          arg(self.tr("Use generated certificates in %1"), entry.name))
            except (EditRefused, CertificateError) as exc:
                self.problem.setText(arg(self.tr("The files were written, but %1 was not changed: %2"),
                                         entry.name, str(exc)))
                return
        self.accept()
