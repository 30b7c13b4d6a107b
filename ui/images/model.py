"""The engine's images as a table model, updated in place (selection survives)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ui.roles import Role
from workbench.formatting import human_ago, human_size
from workbench.images import ImageRow

Index = QModelIndex | QPersistentModelIndex


class ImagesModel(QAbstractTableModel):
    HEADERS = ("Repository", "Tag", "Image ID", "Created", "Size")
    COL_REPO, COL_TAG, COL_ID, COL_CREATED, COL_SIZE = range(5)

    def __init__(self, parent: Any = None, clock: Any = time.time) -> None:
        super().__init__(parent)
        self._clock = clock
        self.rows: list[ImageRow] = []

    def set_rows(self, rows: list[ImageRow]) -> None:
        """Replace the contents by a diff: removed rows go, changed rows update, new rows append."""
        new_by_ref = {r.reference: r for r in rows}
        for row in range(len(self.rows) - 1, -1, -1):
            if self.rows[row].reference not in new_by_ref:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                self.endRemoveRows()
        known = {}
        for row, old in enumerate(self.rows):
            known[old.reference] = row
            new = new_by_ref[old.reference]
            if new != old:
                self.rows[row] = new
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
        fresh = [r for r in rows if r.reference not in known]
        if fresh:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()

    def refresh_ages(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, self.COL_CREATED),
                                  self.index(len(self.rows) - 1, self.COL_CREATED))

    def row_for(self, reference: str) -> int | None:
        for row, image in enumerate(self.rows):
            if image.reference == reference:
                return row
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        image = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (image.repository, image.tag, image.short_id,
                    human_ago(image.created, self._clock()), human_size(image.size))[col]
        if role == Role.SORT:
            return (image.repository, image.tag, image.short_id, image.created, image.size)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_ID:
                return image.image_id
            if col == self.COL_CREATED:
                return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(image.created))
            if col == self.COL_SIZE:
                return f"{image.size:,} bytes on disk"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.COL_SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
