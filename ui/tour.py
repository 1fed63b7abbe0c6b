"""The guided tour's panel (Help > Socket concepts): one chapter per socket concept.

A chapter opens its example form as an untitled copy, says in the UI language what to
do and what to watch, selects the component and the inspector row to touch, and then
follows the event log: each delivery of records runs the chapter's check
(app.core.tour.check, which follows the event orders of components.event_order) over
the records that came since the chapter opened. When the expected sequence has happened
it says so and offers the next chapter.

The chapters and their texts are data (resources/tour/); the panel's own strings go
through ``self.tr``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.builtin_actions import ACTIONS
from app.core.tour import (
    Chapter,
    CheckResult,
    TourDataError,
    check,
    done_message,
    load_chapters,
    load_texts,
)
from app.qt.engine_host import EngineHost
from app.qt.form_model import FormModel
from app.qt.i18n import arg
from app.qt.translations import current_language
from components.event_order import arrows
from components.observer import EventRecord
from ui.event_log_view import EventLogFeeder
from ui.object_inspector import ObjectInspector
from ui.property_editors import action_title
from ui.retranslate import is_language_change

DONE_STYLE = "color: palette(window-text); background: #d8f0d0; border: 1px solid #7bb36b; padding: 4px;"
WAITING_STYLE = "padding: 4px; border: 1px solid palette(mid);"


class TourPanel(QWidget):
    """The tour: a chapter chooser, the chapter's text, what to touch, and the check."""

    chapterDone = Signal(str)  # the chapter's id, once its check succeeds

    def __init__(self, model: FormModel, engine: EngineHost, inspector: ObjectInspector,
                 feeder: EventLogFeeder, open_form: Callable[[Path, str], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TourPanel")
        self.model = model
        self.engine = engine
        self.inspector = inspector
        self.feeder = feeder
        self._open_form = open_form
        self.chapters: list[Chapter] = load_chapters()
        self._texts: dict[str, dict[str, str]] = {}
        self._problem = ""  # why the texts could not be read
        self._index = -1
        self._since = 0.0  # records before the chapter opened do not count
        self._document: object = None  # the copy this panel opened (scratch: replaced unasked)
        self.result: CheckResult | None = None

        self.chooser = QComboBox(self)
        self.chooser.setObjectName("TourChapters")
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(10)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        # a text view, not a label: it wraps at its real width and scrolls when the dock is short
        self.body = QTextBrowser(self)
        self.body.setObjectName("TourText")
        self.body.setOpenLinks(False)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.viewport().setAutoFillBackground(False)
        self.body.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)
        self.status = QLabel(self)
        self.status.setObjectName("TourStatus")
        self.status.setWordWrap(True)
        self.status.setFrameShape(QFrame.Shape.StyledPanel)
        self.reopen_button = QPushButton(self)
        self.previous_button = QPushButton(self)
        self.next_button = QPushButton(self)
        self.next_button.setDefault(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.previous_button)
        buttons.addWidget(self.reopen_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.chooser)  # "6. The client's events in order": the chapter's title
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.status)  # the check's verdict stays in sight however long the text
        layout.addLayout(buttons)

        self.chooser.activated.connect(self.open_chapter)
        self.previous_button.clicked.connect(lambda: self.open_chapter(self._index - 1))
        self.next_button.clicked.connect(lambda: self.open_chapter(self._index + 1))
        self.reopen_button.clicked.connect(lambda: self.open_chapter(self._index))
        feeder.delivered.connect(self.recheck)
        model.componentChanged.connect(self.recheck)  # a binding the chapter asks for
        self.retranslate_ui()

    # -- chapters -------------------------------------------------------------------
    @property
    def index(self) -> int:
        return self._index

    def chapter(self) -> Chapter | None:
        return self.chapters[self._index] if 0 <= self._index < len(self.chapters) else None

    def chapter_text(self, key: str, chapter: Chapter | None = None) -> str:
        chapter = chapter or self.chapter()
        return self._texts.get(chapter.id, {}).get(key, "") if chapter is not None else ""

    def open_chapter(self, index: int) -> bool:
        """Open chapter ``index`` (from 0): its form as an untitled copy, then highlight and check."""
        if not 0 <= index < len(self.chapters):
            return False
        chapter = self.chapters[index]
        self.engine.deactivate_all()
        if self._document is not None and self._document is self.model.document:
            self.model.undo_stack.setClean()  # the tour's own scratch copy: replaced without asking
        if not self._open_form(chapter.form, self.chapter_text("title", chapter)):
            return False
        self._document = self.model.document
        self._index = index
        self._since = time.monotonic()
        self.result = None
        self.chooser.setCurrentIndex(index)
        self._show_chapter()
        self.highlight()
        self.recheck()
        return True

    def highlight(self) -> None:
        """Select the chapter's component (on the form and in the inspector) and its row."""
        chapter = self.chapter()
        if chapter is None:
            return
        entry = next((e for e in self.model.entries() if e.name == chapter.component), None)
        if entry is None:
            return
        self.model.set_selection([entry.uid])
        inspector = self.inspector
        events = {e.vcl_name for e in entry.cls.events()}
        if chapter.row in events:
            inspector.show_events()
            row, view = inspector.event_model.row_of(chapter.row), inspector.event_view
        else:
            inspector.show_properties()
            row, view = inspector.property_model.row_of(chapter.row), inspector.property_view
        if row >= 0:
            index = view.model().index(row, 0)
            view.setCurrentIndex(index)
            view.scrollTo(index)

    def records_since_open(self) -> list[EventRecord]:
        return [r for r in self.feeder.history() if r.time >= self._since]

    def recheck(self, *_args: object) -> None:
        chapter = self.chapter()
        if chapter is None:
            return
        bound = ""
        entry = next((e for e in self.model.entries() if e.name == chapter.component), None)
        if entry is not None and chapter.row in entry.events:
            bound = entry.events[chapter.row].action
        was_done = self.result is not None and self.result.done
        self.result = check(chapter, self.records_since_open(), bound)
        self._show_status()
        if self.result.done and not was_done:
            self.chapterDone.emit(chapter.id)

    # -- texts ------------------------------------------------------------------------
    def _show_chapter(self) -> None:
        chapter = self.chapter()
        if chapter is None:
            self.title.setText(self.tr("Socket concepts"))
            self.title.show()
            self.body.setPlainText(self.tr("Pick a chapter to begin."))
            self.status.clear()
            self._update_buttons()
            return
        self.title.hide()  # the chooser shows the chapter's title
        self.chooser.setToolTip(arg(self.tr("Chapter %1 of %2"), str(self._index + 1), str(len(self.chapters))))
        touch = arg(self.tr("Touch: %1 › %2 (selected in the Object Inspector)"), chapter.component, chapter.row)
        self.body.setHtml(f"<p>{html.escape(self.chapter_text('body') or self._problem)}</p>"
                          f"<p><b>{html.escape(touch)}</b></p>")
        self._show_status()

    def _show_status(self) -> None:
        chapter, result = self.chapter(), self.result
        if chapter is None or result is None:
            return
        if result.done:
            self.status.setText(done_message(chapter, result, self.chapter_text("done")))
            self.status.setStyleSheet(DONE_STYLE)
        else:
            lines = [arg(self.tr("Waiting for: %1"), arrows(result.missing))] if result.missing else []
            action = ACTIONS.get(result.unbound)
            if action is not None:
                lines.append(arg(self.tr("Bind %1 to “%2” on the Events tab."), chapter.row, action_title(action)))
            self.status.setText("\n".join(lines))
            self.status.setStyleSheet(WAITING_STYLE)
        self._update_buttons()

    def _update_buttons(self) -> None:
        done = self.result is not None and self.result.done
        last = self._index >= len(self.chapters) - 1
        self.next_button.setEnabled(not last and (done or self._index < 0))
        self.previous_button.setEnabled(self._index > 0)
        self.reopen_button.setEnabled(self._index >= 0)

    def retranslate_ui(self) -> None:
        try:
            self._texts = load_texts(current_language())
            self._problem = ""
        except TourDataError as exc:  # a damaged texts file: say which and why, in place of the text
            self._texts, self._problem = {}, str(exc)
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for i, chapter in enumerate(self.chapters, 1):
            self.chooser.addItem(arg(self.tr("%1. %2"), str(i), self.chapter_text("title", chapter)))
        self.chooser.setCurrentIndex(self._index)
        self.chooser.blockSignals(False)
        self.reopen_button.setText(self.tr("Open the Form Again"))
        self.previous_button.setText(self.tr("Previous"))
        self.next_button.setText(self.tr("Next Chapter"))
        self._show_chapter()

    def changeEvent(self, event: QEvent) -> None:
        if is_language_change(event) and hasattr(self, "next_button"):
            self.retranslate_ui()
        super().changeEvent(event)
