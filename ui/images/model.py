"""The engine's images as a table model, updated in place (selection survives)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from ui.roles import Role
from ui.table_model import RowTableModel
from workbench.formatting import human_ago, human_size
from workbench.images import ImageRow

Index = QModelIndex | QPersistentModelIndex
_DIM = QBrush(QColor("#808080"))
# The ImageRow itself (ui/roles.py is shared; this role is only the image list's).
ROW_ROLE = Qt.ItemDataRole.UserRole + 40
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_SORT = int(Role.SORT)
_ROW = int(ROW_ROLE)
_ANSWERED = frozenset((_DISPLAY, _TOOLTIP, _FOREGROUND, _ALIGN, _SORT, _ROW))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_HORIZONTAL = Qt.Orientation.Horizontal


class ImagesModel(RowTableModel):
    """One row per repository:tag (and per dangling image), keyed by ``reference``."""

    HEADERS = ("Repository", "Tag", "Image ID", "Created", "Size", "Containers")
    COL_REPO, COL_TAG, COL_ID, COL_CREATED, COL_SIZE, COL_CONTAINERS = range(6)

    def __init__(self, parent: Any = None, clock: Any = time.time) -> None:
        super().__init__(parent)
        self._clock = clock
        self.rows: list[ImageRow] = []
        self._index: dict[str, int] = {}
        self._sort_column = -1
        self._descending = False

    # --- sorting here, not in a proxy: a Python sort key is ~100× faster than the
    # proxy asking data() for every comparison (1,000 rows: ~2 ms instead of ~250 ms).
    def _key(self, row: ImageRow) -> tuple[Any, str]:
        col = self._sort_column
        value: Any = (row.repository, row.tag, row.short_id, row.created, row.size,
                      row.containers)[col]
        return value, row.reference

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._resort()

    def _resort(self) -> None:
        if self._sort_column < 0 or not self.rows:
            return
        self.layoutAboutToBeChanged.emit()
        before = list(self.rows)
        self.rows.sort(key=self._key, reverse=self._descending)
        self._reindex()
        # Persistent indexes (the selection, the current row) follow their rows.
        old = self.persistentIndexList()
        new = [self.index(self._index[before[p.row()].reference], p.column()) for p in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _position(self, row: ImageRow) -> int:
        """Where a new row goes to keep the order (binary search)."""
        if self._sort_column < 0:
            return len(self.rows)
        key = self._key(row)
        lo, hi = 0, len(self.rows)
        while lo < hi:
            mid = (lo + hi) // 2
            other = self._key(self.rows[mid])
            if (other >= key) if self._descending else (other <= key):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _reindex(self) -> None:
        self._index = {r.reference: i for i, r in enumerate(self.rows)}

    def set_rows(self, rows: list[ImageRow]) -> None:
        """Replace the contents by a diff: removed rows go, changed rows update, new rows append."""
        new_by_ref = {r.reference: r for r in rows}
        self._remove_where(lambda r: r.reference not in new_by_ref)
        last = len(self.HEADERS) - 1
        moved = False
        for row, old in enumerate(self.rows):
            new = new_by_ref[old.reference]
            if new != old:
                moved = moved or self._key(new) != self._key(old)
                self.rows[row] = new
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        self._reindex()
        if moved:
            self._resort()
        self._append([r for r in rows if r.reference not in self._index])

    def apply_images(self, rows_by_image: Mapping[str, list[ImageRow]],
                     counts: Mapping[str, int] | None = None) -> None:
        """Incremental update: each key's image now has exactly these rows ([] = gone).

        A key may be an image id or a name (pull and load events name the image);
        the rows say which image it is. ``counts`` refreshes every row's container count.
        """
        ids = set()
        for key, rows in rows_by_image.items():
            ids.add(key)
            ids.update(r.image_id for r in rows)
        wanted = {r.reference: r for rows in rows_by_image.values() for r in rows}
        # A tag moving to another image is a removal here and an insertion below.
        self._remove_where(lambda r: (r.image_id in ids and r.reference not in wanted)
                           or (r.reference in wanted
                               and wanted[r.reference].image_id != r.image_id))
        last = len(self.HEADERS) - 1
        moved = False
        for row, old in enumerate(self.rows):
            new = wanted.get(old.reference, old)
            if counts is not None and counts.get(new.image_id, 0) != new.containers:
                new = replace(new, containers=counts.get(new.image_id, 0))
            if new is not old and new != old:
                moved = moved or self._key(new) != self._key(old)
                self.rows[row] = new
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        self._reindex()
        if moved:
            self._resort()
        fresh = [r for r in wanted.values() if r.reference not in self._index]
        if counts is not None:
            fresh = [r if r.containers == counts.get(r.image_id, 0)
                     else replace(r, containers=counts.get(r.image_id, 0)) for r in fresh]
        self._append(fresh)

    def _remove_where(self, gone: Any) -> None:
        # Contiguous runs go in one beginRemoveRows each, from the bottom up.
        row = len(self.rows) - 1
        while row >= 0:
            if gone(self.rows[row]):
                end = row
                while row - 1 >= 0 and gone(self.rows[row - 1]):
                    row -= 1
                self.beginRemoveRows(QModelIndex(), row, end)
                del self.rows[row:end + 1]
                self.endRemoveRows()
            row -= 1
        self._reindex()

    def _append(self, fresh: list[ImageRow]) -> None:
        if not fresh:
            return
        if self._sort_column < 0 or len(fresh) > 8 or not self.rows:
            # Many at once: add them together, then one re-sort (one layout change).
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.rows.extend(fresh)
            self._reindex()
            self.endInsertRows()
            self._resort()
            return
        for row in fresh:  # a few (live events): each straight into its place
            at = self._position(row)
            self.beginInsertRows(QModelIndex(), at, at)
            self.rows.insert(at, row)
            self.endInsertRows()
        self._reindex()

    def refresh_ages(self) -> None:
        if self.rows:
            self.dataChanged.emit(self.index(0, self.COL_CREATED),
                                  self.index(len(self.rows) - 1, self.COL_CREATED))

    def row_for(self, reference: str) -> int | None:
        return self._index.get(reference)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != _HORIZONTAL or not 0 <= section < len(self.HEADERS):
            return None
        if role == _DISPLAY:
            return self.HEADERS[section]
        if role == _TOOLTIP and section == self.COL_SIZE:
            return "Size on disk, uncompressed (a registry shows the smaller compressed size)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and role on each paint: plain ints and early
        # returns, since comparing with Qt's enum members costs ~20 µs a time.
        role = int(role)
        if role not in _ANSWERED:
            return None
        row = index.row()
        if not 0 <= row < len(self.rows):
            return None
        image = self.rows[row]
        col = index.column()
        if role == _DISPLAY:
            if col == 3:
                return human_ago(image.created, self._clock())
            if col == 4:
                return human_size(image.size)
            if col == 5:
                return str(image.containers) if image.containers else ""
            return (image.repository, image.tag, image.short_id)[col]
        if role == _SORT:
            return (image.repository, image.tag, image.short_id, image.created, image.size,
                    image.containers)[col]
        if role == _ROW:
            return image
        if role == _FOREGROUND:
            return _DIM if image.dangling else None
        if role == _ALIGN:
            return _RIGHT if col in (self.COL_SIZE, self.COL_CONTAINERS) else None
        # The tooltip.
        if col == self.COL_ID:
            return image.image_id
        if col == self.COL_CREATED:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(image.created))
        if col == self.COL_SIZE:
            return f"{image.size:,} bytes on disk"
        if col == self.COL_CONTAINERS and image.containers:
            return f"{image.containers} container(s) made from this image"
        if image.dangling:
            return "Dangling: an image no tag points at (often an old build)"
        return None


class ImagesFilter(QSortFilterProxyModel):
    """Hides dangling rows unless asked, and keeps rows whose name or id holds the text."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._show_dangling = False
        self._source: Any = None
        self.setSortRole(Role.SORT)

    def setSourceModel(self, model: Any) -> None:
        # Keep the row list at hand: filterAcceptsRow runs once per row per change.
        self._source = model
        super().setSourceModel(model)

    @property
    def _rows(self) -> list[ImageRow]:
        return self._source.rows if isinstance(self._source, ImagesModel) else []

    @property
    def show_dangling(self) -> bool:
        return self._show_dangling

    def set_show_dangling(self, show: bool) -> None:
        if show != self._show_dangling:
            self.beginFilterChange()
            self._show_dangling = show
            self.endFilterChange()

    def set_text(self, text: str) -> None:
        text = text.strip().lower()
        if text != self._text:
            self.beginFilterChange()
            self._text = text
            self.endFilterChange()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The source model sorts (fast); this proxy only filters and keeps its order."""
        model = self.sourceModel()
        if isinstance(model, ImagesModel):
            model.sort(column, order)
        else:
            super().sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        rows = self._rows
        if source_row >= len(rows):
            return True
        row = rows[source_row]
        if row.dangling and not self._show_dangling:
            return False
        if not self._text:
            return True
        return (self._text in f"{row.repository}:{row.tag}".lower()
                or row.image_id.removeprefix("sha256:").startswith(self._text))
