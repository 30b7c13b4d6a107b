"""Paints each step's bar on the build's shared time axis (a small Gantt chart)."""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from ui.roles import Role
from ui.timeline.steps import STATUS_COLOURS, StepStatus


class TimelineBarDelegate(QStyledItemDelegate):
    """Queued: grey outline; running: blue with a turning spinner; cached: purple;
    done: green; failed: red; cancelled: orange."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        bar = index.data(Role.BAR)
        if not bar:
            return
        start, end, status_name = bar
        status = StepStatus(status_name)
        rect = QRectF(option.rect).adjusted(3, 5, -3, -5)
        x0 = rect.left() + rect.width() * max(0.0, min(1.0, start))
        x1 = rect.left() + rect.width() * max(0.0, min(1.0, end))
        x1 = max(x1, x0 + 3)  # a cached step takes no time but must stay visible
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(STATUS_COLOURS[status])
        bar_rect = QRectF(x0, rect.top(), x1 - x0, rect.height())
        if status == StepStatus.QUEUED:
            painter.setPen(QPen(colour, 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            colour.setAlpha(200)
            painter.setBrush(colour)
        painter.drawRoundedRect(bar_rect, 2, 2)
        if status == StepStatus.RUNNING:
            self._spinner(painter, QRectF(x1 + 2, rect.top(), rect.height(), rect.height()))
        painter.restore()

    @staticmethod
    def _spinner(painter: QPainter, rect: QRectF) -> None:
        angle = int((time.monotonic() * 360) % 360)
        pen = QPen(STATUS_COLOURS[StepStatus.RUNNING], 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        side = min(rect.width(), rect.height()) - 2
        square = QRectF(rect.left() + 1, rect.top() + 1, side, side)
        painter.drawArc(square, -angle * 16, 270 * 16)

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 160), hint.height())
