"""One step's output as a list model: virtualised, unlike a growing text widget."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui.roles import Role
from ui.timeline.steps import StepsModel

Index = QModelIndex | QPersistentModelIndex
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STDERR = QBrush(QColor("#c62828"))


class StepLogModel(QAbstractListModel):
    """Shows the lines of one step of a StepsModel, growing as they arrive."""

    def __init__(self, steps: StepsModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._steps = steps
        self._row: int | None = None
        self._shown = 0
        steps.linesAdded.connect(self._on_lines_added)
        steps.modelReset.connect(lambda: self.show_step(None))

    @property
    def step_row(self) -> int | None:
        return self._row

    def _lines(self) -> list[tuple[str, str]]:
        if self._row is None or self._row >= len(self._steps.steps):
            return self._steps.preamble if self._row is None else []
        return self._steps.steps[self._row].lines

    def show_step(self, row: int | None) -> None:
        self.beginResetModel()
        self._row = row
        self._shown = len(self._lines())
        self.endResetModel()

    def _on_lines_added(self, row: int, _count: int) -> None:
        if row != self._row:
            return
        total = len(self._lines())
        if total > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, total - 1)
            self._shown = total
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._shown

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < self._shown):
            return None
        text, stream = self._lines()[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _ANSI.sub("", text)
        if role == Qt.ItemDataRole.ForegroundRole and stream == "stderr":
            return _STDERR
        if role == Role.STREAM:
            return stream
        return None

    def all_text(self) -> str:
        return "\n".join(_ANSI.sub("", t) for t, _ in self._lines()[: self._shown])
