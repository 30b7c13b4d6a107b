"""Table models of the inspector: history rows, layers (with size bars), inefficient files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui.roles import Role
from ui.table_model import RowTableModel
from workbench.formatting import human_size
from workbench.layers import Analysis, HistoryRow, Inefficiency

Index = QModelIndex | QPersistentModelIndex
_DIM = QBrush(QColor("#808080"))


class HistoryModel(RowTableModel):
    """One row per config history entry; metadata-only entries greyed and marked."""

    HEADERS = ("Step", "Instruction", "Size", "Created", "Layer (diff id)", "Line")
    rows: list[HistoryRow]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lines: dict[int, int] = {}  # row index → Dockerfile line, for app-built images

    def set_history(self, rows: list[HistoryRow], lines: dict[int, int]) -> None:
        self.lines = dict(lines)
        self.set_rows(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            line = self.lines.get(row.index)
            return (str(row.index + 1), row.instruction,
                    "metadata only" if row.empty else human_size(row.size),
                    row.created[:19].replace("T", " "),
                    "—" if row.empty else row.diff_id.removeprefix("sha256:")[:12],
                    "" if line is None else str(line))[col]
        if role == Qt.ItemDataRole.ForegroundRole and row.empty:
            return _DIM
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.created_by or row.instruction
        if role == Role.SORT:
            return row.size if col == 2 else row.index
        return None


class LayersModel(RowTableModel):
    """One row per layer: its size with a bar (Role.BAR: fraction of the largest)."""

    HEADERS = ("Layer", "Size", "Command")
    rows: list[tuple[int, int, str]]  # (index, size, command)

    def set_analysis(self, analysis: Analysis) -> None:
        image = analysis.image
        self.set_rows([(i, layer.size, image.layer_command(i))
                       for i, layer in enumerate(image.layers)])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        number, size, command = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(number), human_size(size), command)[col]
        if role == Role.BAR and col == 1:
            biggest = max((r[1] for r in self.rows), default=0)
            return size / biggest if biggest else 0.0
        if role == Qt.ItemDataRole.ToolTipRole:
            return command
        if role == Role.SORT:
            return size if col == 1 else number
        return None


class InefficiencyModel(RowTableModel):
    """dive's "Count / Total Space / Path" table, plus the waste in words.

    Every path dive lists is a row; the words are made when a row is shown (or sorted by
    them), not for all rows up front: 3,233 sentences cost more than the rest of
    showing an analysis."""

    HEADERS = ("Count", "Total space", "Path", "Why")
    SORTS = True
    rows: list[Inefficiency]

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._explain: Callable[[Inefficiency], str] | None = None
        self._words: dict[Inefficiency, str] = {}  # made once each

    def set_analysis(self, analysis: Analysis) -> None:
        def new_words() -> None:  # the words belong to the rows: same reset
            self._explain = analysis.explain
            self._words = {}

        self._reset(list(analysis.efficiency.inefficiencies), new_words)

    def words(self, item: Inefficiency) -> str:
        words = self._words.get(item)
        if words is None:
            words = self._explain(item) if self._explain is not None else ""
            self._words[item] = words
        return words

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 3:
                return self.words(item)
            return (str(item.count), human_size(item.size), item.path)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.words(item)
        if role == Role.SORT:
            return self.sort_value(item, col)
        return None

    def sort_value(self, row: Inefficiency, column: int) -> Any:
        if column == 3:
            return self.words(row)
        return (row.count, row.size, row.path)[column]
