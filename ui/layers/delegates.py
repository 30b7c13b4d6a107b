"""A size bar behind a layer's size (Role.BAR holds the fraction of the largest layer)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from ui.roles import Role

BAR_COLOUR = QColor(70, 130, 220, 90)


class SizeBarDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        fraction = index.data(Role.BAR)
        if isinstance(fraction, float) and fraction > 0:
            rect: QRect = option.rect
            bar = QRect(rect.left() + 1, rect.top() + 3,
                        max(2, int((rect.width() - 2) * fraction)), rect.height() - 6)
            painter.fillRect(bar, BAR_COLOUR)
        super().paint(painter, option, index)
