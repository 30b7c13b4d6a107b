"""One step's output as a list model: virtualised, unlike a growing text widget."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui.roles import Role
from ui.timeline.steps import StepsModel
from workbench.build.lines import OutputLines

Index = QModelIndex | QPersistentModelIndex
ANSI = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])")
_STDERR = QColor("#c62828")
# The 16 standard terminal colours, readable on a light background.
_SGR = {30: "#212121", 31: "#c62828", 32: "#2e7d32", 33: "#f9a825", 34: "#1565c0",
        35: "#8e24aa", 36: "#00838f", 37: "#757575", 90: "#616161", 91: "#e53935",
        92: "#43a047", 93: "#fdd835", 94: "#1e88e5", 95: "#ab47bc", 96: "#00acc1",
        97: "#9e9e9e"}


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def line_colour(text: str) -> QColor | None:
    """The last foreground colour a line sets (whole-line colouring keeps painting cheap)."""
    colour: QColor | None = None
    for m in ANSI.finditer(text):
        if m.group(2) != "m":
            continue
        for code in (int(c) for c in m.group(1).split(";") if c.isdigit()):
            if code in _SGR:
                colour = QColor(_SGR[code])
            elif code in (0, 39):
                colour = None
    return colour


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

    def _lines(self) -> OutputLines:
        if self._row is None or self._row >= len(self._steps.steps):
            return self._steps.preamble if self._row is None else OutputLines()
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
            return strip_ansi(text)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = line_colour(text)
            if colour is None and stream == "stderr":
                colour = _STDERR
            return QBrush(colour) if colour is not None else None
        if role == Role.STREAM:
            return stream
        return None

    def find(self, needle: str, after: int) -> int | None:
        """The next line (wrapping) containing ``needle``, case-insensitive."""
        if not needle or not self._shown:
            return None
        lines = self._lines()
        low = needle.lower()
        for offset in range(1, self._shown + 1):
            row = (after + offset) % self._shown
            if low in strip_ansi(lines.texts[row]).lower():
                return row
        return None

    def text_of(self, rows: list[int]) -> str:
        lines = self._lines()
        return "\n".join(strip_ansi(lines.texts[r]) for r in sorted(rows) if r < self._shown)

    def all_text(self) -> str:
        return self.text_of(list(range(self._shown)))


def whole_log(steps: StepsModel) -> str:
    """Every step with its output, as a text file a user would save or paste."""
    out = [strip_ansi(t) for t in steps.preamble.texts]
    for step in steps.steps:
        out.append(f"Step {step.number}/{step.total} : {step.instruction}   [{step.status.value}]")
        out.extend(f"    {strip_ansi(t)}" for t in step.lines.texts)
        if step.error:
            out.append(f"    ERROR: {step.error}")
    return "\n".join(out) + "\n"
