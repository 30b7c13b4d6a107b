"""Per-layer progress of a push or pull as a table model, drawn with progress bars."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

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


class LayersModel(QAbstractTableModel):
    """One row per (reference, layer), updated in place as the daemon reports."""

    HEADERS = ("Image", "Layer", "Status", "Progress")
    COL_GROUP, COL_LAYER, COL_STATUS, COL_PROGRESS = range(4)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.lines: list[LayerLine] = []
        self._rows: dict[tuple[str, str], int] = {}

    def clear(self) -> None:
        self.beginResetModel()
        self.lines, self._rows = [], {}
        self.endResetModel()

    def upsert(self, line: LayerLine) -> None:
        key = (line.group, line.layer_id)
        row = self._rows.get(key)
        if row is None:
            row = len(self.lines)
            self.beginInsertRows(QModelIndex(), row, row)
            self.lines.append(line)
            self._rows[key] = row
            self.endInsertRows()
        else:
            self.lines[row] = line
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def line(self, group: str, layer_id: str) -> LayerLine | None:
        row = self._rows.get((group, layer_id))
        return None if row is None else self.lines[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.lines)):
            return None
        line = self.lines[index.row()]
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
