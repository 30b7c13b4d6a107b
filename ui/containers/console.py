"""A container's output as a list model (virtualised, unlike a growing text widget)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QListView

Index = QModelIndex | QPersistentModelIndex
_STDERR = QBrush(QColor("#c62828"))
_NOTE = QBrush(QColor("#606060"))
MAX_LINES = 100_000  # a chatty container must not eat the memory


class OutputModel(QAbstractListModel):
    """Lines of output; a chunk may end mid-line, so the last line keeps growing."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lines: list[tuple[str, str]] = []  # (text, "stdout" | "stderr" | "note")
        self._open: dict[str, int] = {}  # stream → row of its unfinished line

    def clear(self) -> None:
        self.beginResetModel()
        self.lines, self._open = [], {}
        self.endResetModel()

    def note(self, text: str) -> None:
        self._add([(text, "note")])

    def append(self, text: str, stream: str) -> None:
        parts = text.replace("\r\n", "\n").split("\n")
        row = self._open.pop(stream, None)
        if row is not None:
            self.lines[row] = (self.lines[row][0] + parts[0], stream)
            self.dataChanged.emit(self.index(row), self.index(row))
            parts = parts[1:]
            if not parts:  # still no newline: the line stays open
                self._open[stream] = row
                return
        # Every piece but the last ended with a newline; the last is still open.
        complete, last = parts[:-1], parts[-1]
        new = [(p, stream) for p in complete] + ([(last, stream)] if last else [])
        self._add(new)
        if last:
            self._open[stream] = len(self.lines) - 1

    def _add(self, new: list[tuple[str, str]]) -> None:
        if not new:
            return
        start = len(self.lines)
        self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
        self.lines.extend(new)
        self.endInsertRows()
        if len(self.lines) > MAX_LINES:
            drop = len(self.lines) - MAX_LINES
            self.beginRemoveRows(QModelIndex(), 0, drop - 1)
            del self.lines[:drop]
            self._open = {k: v - drop for k, v in self._open.items() if v >= drop}
            self.endRemoveRows()

    def all_text(self) -> str:
        return "\n".join(t for t, s in self.lines if s != "note")

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.lines)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.lines)):
            return None
        text, stream = self.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.ForegroundRole:
            return _STDERR if stream == "stderr" else _NOTE if stream == "note" else None
        return None


class ConsoleView(QListView):
    """Follows the tail while the user is at the bottom; stays put when they scroll up."""

    def __init__(self, model: OutputModel) -> None:
        super().__init__()
        self.setObjectName("containerOutput")
        self.setAccessibleName("Container output")
        self.setModel(model)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.setFont(font)
        model.rowsAboutToBeInserted.connect(self._remember)
        model.rowsInserted.connect(self._follow)
        self._at_bottom = True

    def _remember(self, *_args: Any) -> None:
        bar = self.verticalScrollBar()
        self._at_bottom = bar.value() >= bar.maximum() - 2

    def _follow(self, *_args: Any) -> None:
        if self._at_bottom:
            self.scrollToBottom()
