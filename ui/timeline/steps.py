"""The build's steps as a table model, fed with typed build events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ui.roles import Role
from workbench.build.events import (
    BuildCancelled,
    BuildEvent,
    BuildFailed,
    BuildSucceeded,
    ContainerRemoved,
    ContainerStarted,
    DaemonWarning,
    LayerCommitted,
    OutputLine,
    PullProgress,
    StepStarted,
    UsingCache,
)
from workbench.formatting import format_duration

Index = QModelIndex | QPersistentModelIndex


class StepStatus(Enum):
    RUNNING = "running"
    CACHED = "cached"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


_STATUS_COLOURS = {
    StepStatus.RUNNING: QColor("#1565c0"),
    StepStatus.CACHED: QColor("#6a1b9a"),
    StepStatus.DONE: QColor("#2e7d32"),
    StepStatus.FAILED: QColor("#c62828"),
    StepStatus.CANCELLED: QColor("#ef6c00"),
}


@dataclass
class Step:
    number: int
    total: int
    instruction: str
    started: float
    ended: float | None = None
    status: StepStatus = StepStatus.RUNNING
    container: str = ""
    container_removed: bool = False
    layer: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    def duration(self, now: float) -> float:
        return (self.ended if self.ended is not None else now) - self.started


class StepsModel(QAbstractTableModel):
    """One row per ``Step n/m``.

    Signals:
        linesAdded(int, int): step row and how many output lines it gained.
    """

    linesAdded = Signal(int, int)

    HEADERS = ("Step", "Instruction", "Status", "Duration", "Container", "Layer", "Lines")
    COL_STEP, COL_INSTRUCTION, COL_STATUS, COL_DURATION, COL_CONTAINER, COL_LAYER, COL_LINES = (
        range(7))

    def __init__(self, parent: Any = None, clock: Any = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self.steps: list[Step] = []
        self.preamble: list[tuple[str, str]] = []  # output before the first step

    # --- feeding -------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self.steps = []
        self.preamble = []
        self.endResetModel()

    def apply(self, events: list[BuildEvent]) -> None:
        """Apply a batch; one dataChanged per touched row, not per event."""
        touched: set[int] = set()
        added_lines: dict[int, int] = {}
        for event in events:
            if isinstance(event, StepStarted):
                self._finish_running(event.at)
                new_row = len(self.steps)
                self.beginInsertRows(QModelIndex(), new_row, new_row)
                self.steps.append(Step(event.step, event.total, event.instruction, event.at))
                self.endInsertRows()
                continue
            found = self._row_of(event.step)
            if found is None:
                if isinstance(event, OutputLine | DaemonWarning):
                    self.preamble.append((event.text, "stdout"))
                continue
            row = found
            step = self.steps[row]
            touched.add(row)
            if isinstance(event, UsingCache):
                step.status = StepStatus.CACHED
            elif isinstance(event, ContainerStarted):
                step.container = event.container_id[:12]
            elif isinstance(event, ContainerRemoved):
                step.container_removed = True
            elif isinstance(event, LayerCommitted):
                step.layer = event.image_id[:12]
            elif isinstance(event, OutputLine):
                step.lines.append((event.text, event.stream))
                added_lines[row] = added_lines.get(row, 0) + 1
            elif isinstance(event, DaemonWarning):
                step.lines.append((f"[Warning] {event.text}", "stderr"))
                added_lines[row] = added_lines.get(row, 0) + 1
            elif isinstance(event, PullProgress):
                pass  # the FROM row's pull progress is the timeline issue's
            elif isinstance(event, BuildFailed):
                step.status = StepStatus.FAILED
                step.error = event.message
                step.ended = event.at
            elif isinstance(event, BuildSucceeded):
                self._finish_running(event.at)
            elif isinstance(event, BuildCancelled):
                if step.status == StepStatus.RUNNING:
                    step.status = StepStatus.CANCELLED
                step.ended = event.at
        for row in sorted(touched):
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
        for row, count in added_lines.items():
            self.linesAdded.emit(row, count)

    def _finish_running(self, at: float) -> None:
        for row, step in enumerate(self.steps):
            if step.ended is None and step.status in (StepStatus.RUNNING, StepStatus.CACHED):
                step.ended = at
                if step.status == StepStatus.RUNNING:
                    step.status = StepStatus.DONE
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))

    def _row_of(self, number: int) -> int | None:
        # Steps arrive in order, so the step is almost always the last row.
        for row in range(len(self.steps) - 1, -1, -1):
            if self.steps[row].number == number:
                return row
        return None

    def tick(self) -> None:
        """Refresh the running steps' durations (called by a timer)."""
        for row, step in enumerate(self.steps):
            if step.ended is None:
                idx = self.index(row, self.COL_DURATION)
                self.dataChanged.emit(idx, idx)

    def failed_row(self) -> int | None:
        for row, step in enumerate(self.steps):
            if step.status == StepStatus.FAILED:
                return row
        return None

    # --- Qt model API --------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.steps)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.steps)):
            return None
        step = self.steps[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(step, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_CONTAINER and step.container:
                state = "removed" if step.container_removed else "still running"
                return (f"Temporary container {step.container} ({state}): the step ran in it, "
                        "and its result was saved as a new layer.")
            if step.error:
                return step.error
            return step.instruction
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_STATUS:
            return QBrush(_STATUS_COLOURS[step.status])
        if role == Role.STATUS:
            return step.status.value
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Step {step.number} of {step.total}, {step.instruction}, {step.status.value}"
        return None

    def _display(self, step: Step, col: int) -> str:
        if col == self.COL_STEP:
            return f"Step {step.number}/{step.total}"
        if col == self.COL_INSTRUCTION:
            return step.instruction
        if col == self.COL_STATUS:
            return step.status.value
        if col == self.COL_DURATION:
            return format_duration(step.duration(self._clock()))
        if col == self.COL_CONTAINER:
            if not step.container:
                return ""
            return f"{step.container} (removed)" if step.container_removed else step.container
        if col == self.COL_LAYER:
            return step.layer
        if col == self.COL_LINES:
            return str(len(step.lines))
        return ""
