"""The Dockerfile editor: line numbers, highlighting, diagnostics underlines,
hover explanations, completion, quick fixes and dropped files.

Everything it knows about the text comes from the shared tokenizer (per block,
through the highlighter) and from the last :class:`Document` that the
diagnostics runner parsed off the GUI thread (``set_analysis``).

Signals:
    fileDropped(object): a local file (a ``Path``) was dropped on the editor.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFontDatabase,
    QHelpEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QPlainTextEdit,
    QTextEdit,
    QToolTip,
    QWidget,
)

from ui.editor.highlighter import DockerfileHighlighter
from workbench.dockerfile import Diagnostic, Document, Fix, Severity, parse
from workbench.dockerfile.assist import Completion, Completions, complete, hover, variable_at
from workbench.dockerfile.docs import Docs, load_docs
from workbench.dockerfile.tokens import LineState

Index = QModelIndex | QPersistentModelIndex
COMPLETION_ROLE = Qt.ItemDataRole.UserRole + 60
SEVERITY_COLOURS = {Severity.ERROR: "#d32f2f", Severity.WARNING: "#f57c00",
                    Severity.INFO: "#1976d2"}


class _LineNumbers(QWidget):
    def __init__(self, editor: DockerfileEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(event)


class CompletionModel(QAbstractListModel):
    """The completion popup's rows: label, with the detail as tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[Completion] = []

    def set_items(self, items: Sequence[Completion]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return f"{item.label}    {item.detail}" if item.detail else item.label
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.detail or item.kind
        if role == COMPLETION_ROLE:
            return item
        return None


class DockerfileEditor(QPlainTextEdit):
    fileDropped = Signal(object)

    def __init__(self, parent: QWidget | None = None, docs: Docs | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dockerfileEditor")
        self.setAccessibleName("Dockerfile editor")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.highlighter = DockerfileHighlighter(self.document())
        self.docs = docs if docs is not None else load_docs()
        self.parsed: Document = parse("")  # the last analysed text (may be a keystroke old)
        self.diagnostics: list[Diagnostic] = []
        self.images: Sequence[str] = ()  # base images offered after FROM
        self._marks: list[QTextEdit.ExtraSelection] = []
        self._completions = Completions(0, ())
        self.completion_model = CompletionModel(self)
        # A child list, not a popup window: the editor keeps the keyboard (so typing
        # goes on), and nothing top-level can be left open.
        self.popup = QListView(self.viewport())
        self.popup.setObjectName("completionPopup")
        self.popup.setAccessibleName("Completions")
        self.popup.setModel(self.completion_model)
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setUniformItemSizes(True)
        self.popup.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.popup.clicked.connect(self._completion_clicked)
        self.popup.hide()
        self._gutter = _LineNumbers(self)
        self.blockCountChanged.connect(self._update_gutter_width)
        self.updateRequest.connect(self._update_gutter)
        self._update_gutter_width()

    # --- gutter ----------------------------------------------------------
    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_gutter_width(self, _count: int = 0) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        painter.fillRect(event.rect(), self.palette().alternateBase())
        worst: dict[int, Severity] = {}
        rank = [Severity.INFO, Severity.WARNING, Severity.ERROR]
        for d in self.diagnostics:
            if d.line not in worst or rank.index(d.severity) > rank.index(worst[d.line]):
                worst[d.line] = d.severity
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible():
                number = block.blockNumber() + 1
                if number in worst:
                    painter.fillRect(0, top, 3, height, QColor(SEVERITY_COLOURS[worst[number]]))
                painter.setPen(QColor("#9e9e9e"))
                painter.drawText(0, top, self._gutter.width() - 5, height,
                                 Qt.AlignmentFlag.AlignRight, str(number))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        painter.end()

    # --- marks and diagnostics --------------------------------------------
    def mark_line(self, line: int, message: str) -> None:
        """Marker for a failed step: the line gets a red background."""
        block = self.document().findBlockByNumber(line - 1)
        self._marks = []
        if block.isValid():
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor("#ffcdd2"))
            selection.format.setProperty(QTextCharFormat.Property.FullWidthSelection, True)
            selection.format.setToolTip(message)
            selection.cursor = QTextCursor(block)
            self._marks = [selection]
        self._apply_selections()

    def clear_marks(self) -> None:
        if self._marks:
            self._marks = []
            self._apply_selections()

    def _apply_selections(self) -> None:
        self.setExtraSelections(self._marks)

    def set_analysis(self, document: Document, diagnostics: Sequence[Diagnostic]) -> None:
        """Show a finished analysis: wavy underlines, gutter marks, and the Document
        that completion and hover use. The underlines are painted, not extra
        selections, which stay the build's failed-step marks alone."""
        self.parsed = document
        self.diagnostics = list(diagnostics)
        self.viewport().update()
        self._gutter.update()

    def underlines(self) -> list[tuple[QRect, Severity]]:
        """Where each visible finding's wavy underline goes (viewport coordinates)."""
        if not self.diagnostics:
            return []
        doc = self.document()
        first = self.firstVisibleBlock().blockNumber() + 1
        last = self.cursorForPosition(QPoint(0, self.viewport().height())).blockNumber() + 1
        found = []
        for d in self.diagnostics:
            if not first <= d.line <= last:
                continue
            block = doc.findBlockByNumber(d.line - 1)
            if not block.isValid():
                continue
            length = max(1, block.length() - 1)
            start = min(d.start, length - 1)
            end = max(start + 1, min(d.end, length))
            cursor = QTextCursor(block)
            cursor.setPosition(block.position() + min(start, block.length() - 1))
            left = self.cursorRect(cursor)
            cursor.setPosition(block.position() + min(end, block.length() - 1))
            right = self.cursorRect(cursor)
            width = max(right.left() - left.left(), self.fontMetrics().horizontalAdvance("x"))
            found.append((QRect(left.left(), left.bottom() - 2, width, 4), d.severity))
        return found

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        marks = self.underlines()
        if not marks:
            return
        painter = QPainter(self.viewport())
        for rect, severity in marks:
            painter.setPen(QColor(SEVERITY_COLOURS[severity]))
            points = [QPoint(x, rect.top() + (0 if (x // 2) % 2 else 3))
                      for x in range(rect.left(), rect.right() + 2, 2)]
            painter.drawPolyline(points)
        painter.end()

    def diagnostics_at(self, line: int, column: int) -> list[Diagnostic]:
        return [d for d in self.diagnostics
                if d.line == line and d.start <= column < max(d.end, d.start + 1)]

    def apply_fix(self, fix: Fix) -> None:
        """Replace the fix's lines in one undoable edit."""
        doc = self.document()
        first = doc.findBlockByNumber(fix.first_line - 1)
        last = doc.findBlockByNumber(min(fix.last_line, doc.blockCount()) - 1)
        if not first.isValid() or not last.isValid():
            return
        cursor = QTextCursor(first)
        cursor.beginEditBlock()
        cursor.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(fix.replacement)
        cursor.endEditBlock()

    def go_to(self, line: int, start: int = 0, end: int | None = None) -> None:
        """Select ``start..end`` on ``line`` (1-based), or put the cursor at ``start``."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        if not block.isValid():
            return
        length = block.length() - 1
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + min(start, length))
        if end is not None:
            cursor.setPosition(block.position() + min(end, length),
                               QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus()

    # --- hover ---------------------------------------------------------------
    def line_state(self, line: int) -> LineState:
        """The tokenizer state at the start of ``line`` (1-based)."""
        return self.highlighter.state_before(line - 1)

    def hover_html(self, line: int, column: int) -> str | None:
        """What hovering over ``line``/``column`` shows: findings there, then the
        beginner's explanation of the instruction or flag."""
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return None
        parts = []
        for d in self.diagnostics_at(line, column):
            colour = SEVERITY_COLOURS[d.severity]
            parts.append(f"<p><b style='color:{colour}'>{html.escape(d.code)}</b> "
                         f"{html.escape(d.message)}</p>")
        variable = variable_at(self.parsed, line, block.text(), column, self.line_state(line))
        if variable is not None:
            parts.append(f"<p>{html.escape(variable)}</p>")
        topic = hover(self.docs, block.text(), column, self.line_state(line))
        if topic is not None:
            example = html.escape(topic.example).replace("\n", "<br>")
            parts.append(f"<p><b>{html.escape(topic.title)}</b> — "
                         f"{html.escape(topic.summary)}</p><p>{html.escape(topic.detail)}</p>"
                         f"<p><i>Example:</i><br><code>{example}</code></p>")
        return "".join(parts) or None

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cursor = self.cursorForPosition(event.pos())
            text = self.hover_html(cursor.blockNumber() + 1, cursor.positionInBlock())
            if text:
                QToolTip.showText(event.globalPos(), f"<qt>{text}</qt>", self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    # --- completion ----------------------------------------------------------
    def completions_at_cursor(self) -> Completions:
        cursor = self.textCursor()
        block = cursor.block()
        line = block.blockNumber() + 1
        return complete(self.parsed, line, block.text(), cursor.positionInBlock(),
                        self.line_state(line), self.images)

    def show_completions(self) -> bool:
        """Open the list for the cursor's position; False when nothing fits."""
        self._completions = self.completions_at_cursor()
        popup = self.popup
        if not self._completions.items:
            popup.hide()
            return False
        self.completion_model.set_items(self._completions.items)
        rows = min(8, len(self._completions.items))
        width = max(220, popup.sizeHintForColumn(0) + 30)
        height = rows * max(1, popup.sizeHintForRow(0)) + 2 * popup.frameWidth() + 2
        rect = self.cursorRect()
        x = min(rect.left(), max(0, self.viewport().width() - width))
        y = rect.bottom() + 2
        if y + height > self.viewport().height() and rect.top() > height:
            y = rect.top() - height - 2  # no room below: open above the line
        popup.setGeometry(x, y, width, height)
        popup.setCurrentIndex(self.completion_model.index(0, 0))
        popup.show()
        popup.raise_()
        return True

    def current_completion(self) -> Completion | None:
        index = self.popup.currentIndex()
        item = index.data(COMPLETION_ROLE) if index.isValid() else None
        return item if isinstance(item, Completion) else None

    def insert_completion(self, item: Completion) -> None:
        cursor = self.textCursor()
        block_start = cursor.block().position()
        cursor.setPosition(block_start + self._completions.start, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(item.insert)
        self.setTextCursor(cursor)
        self.popup.hide()
        if item.insert.endswith("="):
            self.show_completions()  # --from= goes straight on to the stage names

    def _typed_prefix(self) -> str:
        cursor = self.textCursor()
        return cursor.block().text()[self._completions.start:cursor.positionInBlock()]

    def _completion_clicked(self, index: QModelIndex) -> None:
        item = index.data(COMPLETION_ROLE)
        if isinstance(item, Completion):
            self.insert_completion(item)

    def _wants_completion(self, typed: str) -> bool:
        """Open by itself only where a list is what anyone wants: variables and
        ``--from=`` stages and flag names; everything else on Ctrl+Space."""
        cursor = self.textCursor()
        before = cursor.block().text()[:cursor.positionInBlock()]
        if typed in ("$", "{") and "$" in before[-2:]:
            return True
        return before.endswith(("--from=", " --"))

    def _popup_key(self, event: QKeyEvent) -> bool:
        """Keys the open list takes; True when handled."""
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.popup.hide()
            return True
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            rows = self.completion_model.rowCount()
            step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -8,
                    Qt.Key.Key_PageDown: 8}[Qt.Key(key)]
            row = min(max(0, self.popup.currentIndex().row() + step), rows - 1)
            self.popup.setCurrentIndex(self.completion_model.index(row, 0))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
            item = self.current_completion()
            if item is None:
                self.popup.hide()
                return False
            if key != Qt.Key.Key_Tab and item.insert == self._typed_prefix():
                self.popup.hide()  # already typed in full: Return is just a new line
                return False
            self.insert_completion(item)
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.popup.isVisible() and self._popup_key(event):
            return
        if event.key() == Qt.Key.Key_Space and (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.show_completions()
            return
        super().keyPressEvent(event)
        typed = event.text()
        if event.key() == Qt.Key.Key_Backspace and self.popup.isVisible():
            self.show_completions()
        elif not typed or not typed.isprintable():
            self.popup.hide()
        elif self.popup.isVisible() or self._wants_completion(typed):
            self.show_completions()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.popup.hide()
        super().focusOutEvent(event)

    # --- dropped files ---------------------------------------------------------
    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(_local_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = _local_files(source)
        if files:
            self.fileDropped.emit(files[0])
            return
        super().insertFromMimeData(source)


def _local_files(mime: QMimeData) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

