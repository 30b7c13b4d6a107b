"""The part every row-per-item table model of the app shares: rows, headers, counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RowTableModel(QAbstractTableModel):
    """A flat table: one item per row in ``rows``, one column per entry in ``HEADERS``.

    Subclasses add ``data()`` and their own ways of changing ``rows``.
    """

    HEADERS: tuple[str, ...] = ()
    SORTS = False  # True: sort() orders ``rows`` by ``sort_value``

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self._sorted: tuple[int, Qt.SortOrder] | None = None  # re-applied to new rows

    def set_rows(self, rows: list[Any]) -> None:
        self._reset(rows)

    def _reset(self, rows: list[Any], also: Callable[[], None] | None = None) -> None:
        """New rows (in the chosen order); ``also`` changes what goes with them, inside
        the same reset."""
        self.beginResetModel()
        if also is not None:
            also()
        self.rows = list(rows)
        if self._sorted is not None:
            self._sort_rows(*self._sorted)
        self.endResetModel()

    def sort_value(self, row: Any, column: int) -> Any:
        """What ``row`` sorts by in ``column``; asked only of models that set ``SORTS``,
        which give their own."""
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in the model, so a view sorts large tables without a proxy: a
        QSortFilterProxyModel asks ``data()`` n·log n times (41,000 calls, 0.13 s, for dive's
        3,233 inefficient files) where a key sort asks once per row."""
        if not self.SORTS or not 0 <= column < len(self.HEADERS):
            return  # -1: the view cleared its sort indicator; the order stays
        if not self.rows:
            self._sorted = (column, order)  # for the rows to come
            return
        self.layoutAboutToBeChanged.emit()
        positions = self._sort_rows(column, order)
        moved_to = {old: new for new, old in enumerate(positions)}
        kept = self.persistentIndexList()  # selections and current rows follow their row
        self.changePersistentIndexList(
            kept, [self.index(moved_to[i.row()], i.column()) for i in kept])
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> list[int]:
        """Sort ``rows`` (stable); returns the old position of each new row."""
        self._sorted = (column, order)
        rows = self.rows
        positions = sorted(range(len(rows)), key=lambda i: self.sort_value(rows[i], column),
                           reverse=order == Qt.SortOrder.DescendingOrder)
        self.rows = [rows[i] for i in positions]
        return positions

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
