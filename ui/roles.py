"""Item-data roles shared by the app's models."""

from enum import IntEnum

from PySide6.QtCore import Qt


class Role(IntEnum):
    SORT = Qt.ItemDataRole.UserRole + 1  # a value that sorts right (numbers, not text)
    STREAM = Qt.ItemDataRole.UserRole + 2  # "stdout" / "stderr" of a log line
    STATUS = Qt.ItemDataRole.UserRole + 3  # a StepStatus
    BAR = Qt.ItemDataRole.UserRole + 4  # (start, end, status): a bar on the shared time axis
