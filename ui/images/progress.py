"""Per-layer progress of a push or pull as a table model, drawn with progress bars."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from ui.table_model import RowTableModel
from workbench.formatting import human_size

Index = QModelIndex | QPersistentModelIndex
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 41  # 0..1, or -1 when not known


@dataclass
class LayerLine:
    group: str  # the reference being pushed / pulled
    layer_id: str
    status: str
    current: int = 0
    total: int = 0
    fraction: float = -1.0

    @property
    def bytes_text(self) -> str:
        if self.total:
            return f"{human_size(self.current)} / {human_size(self.total)}"
        return human_size(self.current) if self.current else ""


class LayersModel(RowTableModel):
    """One row per (reference, layer), updated in place as the daemon reports."""

    HEADERS = ("Image", "Layer", "Status", "Progress")
    COL_GROUP, COL_LAYER, COL_STATUS, COL_PROGRESS = range(4)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[LayerLine] = []
        self._row_of: dict[tuple[str, str], int] = {}

    @property
    def lines(self) -> list[LayerLine]:
        return self.rows

    def clear(self) -> None:
        self._row_of = {}
        self.set_rows([])

    def upsert(self, line: LayerLine) -> None:
        key = (line.group, line.layer_id)
        row = self._row_of.get(key)
        if row is None:
            row = len(self.rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self.rows.append(line)
            self._row_of[key] = row
            self.endInsertRows()
        else:
            self.rows[row] = line
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def line(self, group: str, layer_id: str) -> LayerLine | None:
        row = self._row_of.get((group, layer_id))
        return None if row is None else self.rows[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        line = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (line.group, line.layer_id, line.status, line.bytes_text)[col]
        if role == FRACTION_ROLE and col == self.COL_PROGRESS:
            return line.fraction
        return None


class ProgressDelegate(QStyledItemDelegate):
    """Draws FRACTION_ROLE as a progress bar with the byte counts as its text."""

    def paint(self, painter: Any, option: QStyleOptionViewItem, index: Index) -> None:
        fraction = index.data(FRACTION_ROLE)
        if not isinstance(fraction, float) or fraction < 0:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 1000
        bar.progress = int(fraction * 1000)
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or f"{fraction:.0%}")
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        widget = option.widget
        style = widget.style() if isinstance(widget, QWidget) else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)
