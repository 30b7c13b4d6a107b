"""The timeline's tree view."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QAbstractItemView, QTreeView

Index = QModelIndex | QPersistentModelIndex


class TimelineView(QTreeView):
    """A QTreeView with uniform rows that does not re-measure a row on every change.

    QTreeView.dataChanged asks the delegate for the size of every cell of the
    first row whenever a change touches it (the stage rows change ten times a
    second while a step runs). Each of those is a call into Python, and while a
    build streams fast every such call waits for the worker's GIL. With uniform
    row heights the answer can never change, so repaint only.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setUniformRowHeights(True)

    def dataChanged(self, top_left: Index, bottom_right: Index,
                    roles: Sequence[int] = ()) -> None:
        QAbstractItemView.dataChanged(self, top_left, bottom_right, list(roles))
