"""The picker's model: base images, one row per repository at its chosen tag.
Sizes sort on raw bytes; unknown sizes sort last. (A pull's layers use the image
list's ``ui.images.progress.LayersModel``.)"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ui.roles import Role
from ui.table_model import RowTableModel
from workbench.catalogue import CatalogueEntry
from workbench.formatting import human_size
from workbench.registry import SizeFigure

Index = QModelIndex | QPersistentModelIndex
UNKNOWN_LAST = float("inf")  # sort key for a size nobody knows yet


class PickerRole(IntEnum):
    ROW = Qt.ItemDataRole.UserRole + 40  # the PickerRow itself


@dataclass(frozen=True)
class LocalImage:
    """A tag the engine already has: its real on-disk size (image inspect)."""

    reference: str
    size: int
    image_id: str


@dataclass(frozen=True)
class PickerRow:
    repository: str  # as `docker pull` takes it
    tag: str
    entry: CatalogueEntry | None = None  # None: found by search, not in the catalogue
    description: str = ""
    figure: SizeFigure | None = None  # None: not looked up yet
    looking_up: bool = False
    local: LocalImage | None = None

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"

    @property
    def title(self) -> str:
        return self.entry.title if self.entry else self.repository

    @property
    def eol(self) -> bool:
        return bool(self.entry and self.entry.eol)

    @property
    def download(self) -> int | None:
        return self.figure.download if self.figure else None

    @property
    def on_disk(self) -> int | None:
        if self.local is not None:
            return self.local.size
        return self.figure.on_disk if self.figure else None

    def download_text(self) -> str:
        if self.figure is None or self.figure.download is None:
            if self.looking_up or self.figure is None:
                return "looking up…"
            return "not published" if self.figure.problem else "not known"
        size = human_size(self.figure.download)
        approx = "" if self.figure.exact else "≈"
        if self.figure.live:
            return f"{approx}{size}"
        return f"{approx}{size} (as of {self.figure.as_of})"

    def on_disk_text(self) -> str:
        if self.local is not None:
            return f"{human_size(self.local.size)} · available offline"
        if self.figure is not None and self.figure.on_disk is not None:
            return f"≈{human_size(self.figure.on_disk)} (published)"
        return "—"


class PickerModel(RowTableModel):
    HEADERS = ("Image", "Tag", "Download (compressed)", "On disk", "About")
    COL_IMAGE, COL_TAG, COL_DOWNLOAD, COL_DISK, COL_ABOUT = range(5)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[PickerRow] = []

    # --- changes -------------------------------------------------------
    def set_rows(self, rows: list[PickerRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def add_rows(self, rows: list[PickerRow]) -> None:
        known = {r.repository for r in self.rows}
        fresh = [r for r in rows if r.repository not in known]
        if not fresh:
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        self.rows.extend(fresh)
        self.endInsertRows()

    def row_of(self, repository: str) -> int | None:
        for number, row in enumerate(self.rows):
            if row.repository == repository:
                return number
        return None

    def update(self, repository: str, **changes: Any) -> PickerRow | None:
        number = self.row_of(repository)
        if number is None:
            return None
        self.rows[number] = replace(self.rows[number], **changes)
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.HEADERS) - 1))
        return self.rows[number]

    def set_local(self, local: dict[str, LocalImage]) -> None:
        """Which rows' chosen tags the engine has (reference → LocalImage)."""
        for row in list(self.rows):
            found = local.get(row.reference) or local.get(f"docker.io/library/{row.reference}")
            if found != row.local:
                self.update(row.repository, local=found)

    # --- Qt model API --------------------------------------------------
    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == self.COL_DOWNLOAD:
                return ("What a pull transfers: the compressed layers for this engine's "
                        "platform. Unpacked on disk an image takes about 2–3× as much.")
            if role == Qt.ItemDataRole.ToolTipRole and section == self.COL_DISK:
                return "Unpacked size, as `docker images` shows it."
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == PickerRole.ROW:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Role.SORT:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.COL_IMAGE and row.eol:
                return QColor("#b71c1c")
            if column == self.COL_DOWNLOAD and row.figure is not None and not row.figure.live:
                return QColor("#6d6d6d")  # published figure: greyed, dated
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.COL_DOWNLOAD,
                                                                     self.COL_DISK):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: PickerRow, column: int) -> str:
        if column == self.COL_IMAGE:
            return f"{row.title} — end of life" if row.eol else row.title
        if column == self.COL_TAG:
            return row.tag
        if column == self.COL_DOWNLOAD:
            return row.download_text()
        if column == self.COL_DISK:
            return row.on_disk_text()
        if row.entry is not None:
            return f"{row.entry.package_manager} · {row.entry.libc}"
        return row.description

    def _sort_key(self, row: PickerRow, column: int) -> Any:
        # Floats: one QVariant type for every size, so Qt compares them as numbers
        # (a mix of int and 64-bit values does not sort reliably in every PySide6).
        if column == self.COL_DOWNLOAD:
            return float(row.download) if row.download is not None else UNKNOWN_LAST
        if column == self.COL_DISK:
            return float(row.on_disk) if row.on_disk is not None else UNKNOWN_LAST
        return self._display(row, column).lower()

    def _tooltip(self, row: PickerRow, column: int) -> str | None:
        if column == self.COL_DOWNLOAD and row.figure is not None:
            parts = [row.figure.label, row.figure.source]
            if row.figure.problem:
                parts.append(row.figure.problem)
            return "\n".join(parts)
        if column in (self.COL_IMAGE, self.COL_ABOUT):
            text = row.entry.description if row.entry else row.description
            if row.entry and row.entry.eol:
                text += f"\nEnd of life {row.entry.eol.date}: use " + ", ".join(
                    row.entry.eol.successors)
            return text or None
        return None
