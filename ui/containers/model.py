"""The engine's containers as a table model, updated by diff so selection survives."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui.table_model import RowTableModel
from workbench.containers import ContainerRow
from workbench.formatting import human_ago

Index = QModelIndex | QPersistentModelIndex
_RUNNING = QBrush(QColor("#2e7d32"))
SORT_ROLE = Qt.ItemDataRole.UserRole + 42


class ContainersModel(RowTableModel):
    HEADERS = ("Name", "Image", "State", "Status", "Ports", "Created")
    COL_NAME, COL_IMAGE, COL_STATE, COL_STATUS, COL_PORTS, COL_CREATED = range(6)

    def __init__(self, parent: Any = None, clock: Any = time.time) -> None:
        super().__init__(parent)
        self._clock = clock
        self.rows: list[ContainerRow] = []

    def set_rows(self, rows: list[ContainerRow]) -> None:
        new = {r.container_id: r for r in rows}
        for row in range(len(self.rows) - 1, -1, -1):
            if self.rows[row].container_id not in new:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                self.endRemoveRows()
        known = set()
        for row, old in enumerate(self.rows):
            known.add(old.container_id)
            fresh = new[old.container_id]
            if fresh != old:
                self.rows[row] = fresh
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
        added = [r for r in rows if r.container_id not in known]
        if added:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self.rows.extend(added)
            self.endInsertRows()

    def row_for(self, name_or_id: str) -> int | None:
        for i, row in enumerate(self.rows):
            if name_or_id in (row.name, row.container_id, row.short_id):
                return i
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        c = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (c.name, c.image, c.state, c.status, c.ports,
                    human_ago(c.created, self._clock()))[col]
        if role == SORT_ROLE:
            return (c.name, c.image, c.state, c.status, c.ports, c.created)[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_NAME:
            return c.container_id
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_STATE and c.running:
            return _RUNNING
        return None
