"""The build's steps as a tree model — stages, then their steps — fed with build events.

Top-level rows are stages (one per FROM); their children are the steps. The
flat ``steps`` list is kept alongside because the log, the history record and
the step↔line map think in step numbers, not tree positions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

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
    LayerSizes,
    Output,
    PullProgress,
    StepStarted,
    UsingCache,
)
from workbench.build.lines import OutputLines
from workbench.formatting import format_duration, human_size

Index = QModelIndex | QPersistentModelIndex
_AS = re.compile(r"\s+as\s+(\S+)\s*$", re.I)


class StepStatus(Enum):
    QUEUED = "queued"
    NOT_RUN = "not run"
    RUNNING = "running"
    CACHED = "cached"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


STATUS_COLOURS = {
    StepStatus.QUEUED: QColor("#9e9e9e"),
    StepStatus.NOT_RUN: QColor("#bdbdbd"),
    StepStatus.RUNNING: QColor("#1565c0"),
    StepStatus.CACHED: QColor("#8e24aa"),
    StepStatus.DONE: QColor("#2e7d32"),
    StepStatus.FAILED: QColor("#c62828"),
    StepStatus.CANCELLED: QColor("#ef6c00"),
}


@dataclass
class PullState:
    """A FROM step's base-image pull: per-layer status and bytes."""

    layers: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)

    def summary(self) -> str:
        done = sum(1 for s, _, _ in self.layers.values()
                   if s in ("Pull complete", "Already exists"))
        current = sum(c or 0 for s, c, _ in self.layers.values() if s == "Downloading")
        total = sum(t or 0 for s, _, t in self.layers.values() if s == "Downloading")
        text = f"pulling: {done}/{len(self.layers)} layers"
        if total:
            text += f", {human_size(current)} of {human_size(total)}"
        return text


@dataclass
class Step:
    number: int
    total: int
    instruction: str
    started: float | None  # None while queued
    stage: int = 0
    ended: float | None = None
    status: StepStatus = StepStatus.RUNNING
    container: str = ""
    container_removed: bool = False
    layer: str = ""
    layer_size: int | None = None
    lines: OutputLines = field(default_factory=OutputLines)
    error: str = ""
    pull: PullState | None = None
    previous_duration: float | None = None

    def duration(self, now: float) -> float:
        if self.started is None:
            return 0.0
        return (self.ended if self.ended is not None else now) - self.started


@dataclass
class StageNode:
    index: int
    name: str | None
    base: str
    steps: list[Step] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Stage {self.index + 1} “{self.name}”" if self.name else f"Stage {self.index + 1}"


class StepsModel(QAbstractItemModel):
    """Signals:
    linesAdded(int, int): flat step row and how many output lines it gained.
    """

    linesAdded = Signal(int, int)

    # What a glance needs first (where, how far, how long); the details after.
    HEADERS = ("Step", "Status", "Duration", "Timeline", "Instruction", "Container", "Layer",
               "Size", "Lines")
    (COL_STEP, COL_STATUS, COL_DURATION, COL_TIMELINE, COL_INSTRUCTION, COL_CONTAINER,
     COL_LAYER, COL_SIZE, COL_LINES) = range(9)

    def __init__(self, parent: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self.stages: list[StageNode] = []
        self.steps: list[Step] = []
        self.preamble = OutputLines()
        self._lines_dirty: set[int] = set()  # rows whose line count the tree has not shown
        # (step number, instruction) → duration in the last build of the same Dockerfile
        self.previous: dict[tuple[int, str], float] = {}
        self.read_only = False

    # --- feeding -------------------------------------------------------
    def clear(self, previous: dict[tuple[int, str], float] | None = None) -> None:
        self.beginResetModel()
        self.stages, self.steps, self.preamble = [], [], OutputLines()
        self._lines_dirty = set()
        self.previous = previous or {}
        self.endResetModel()

    def prefill(self, instructions: list[str]) -> None:
        """Show every step as queued before the engine starts (step n = instruction n)."""
        self.beginResetModel()
        self.stages, self.steps, self.preamble = [], [], OutputLines()
        self._lines_dirty = set()
        self.previous = {}
        total = len(instructions)
        for number, text in enumerate(instructions, 1):
            self._add_stage_if_from(text)
            step = Step(number, total, text, None, stage=self.stages[-1].index,
                        status=StepStatus.QUEUED)
            self.stages[-1].steps.append(step)
            self.steps.append(step)
        self.endResetModel()

    def _add_stage_if_from(self, instruction: str, notify: bool = False) -> None:
        is_from = instruction.split(" ", 1)[0].upper() == "FROM"
        if not (is_from or not self.stages):
            return
        rest = instruction.split(" ", 1)[1] if " " in instruction else ""
        m = _AS.search(rest) if is_from else None
        base = (rest[: m.start()] if m else rest).strip() if is_from else "(global ARGs)"
        stage_row = len(self.stages)
        if notify:
            self.beginInsertRows(QModelIndex(), stage_row, stage_row)
        self.stages.append(StageNode(stage_row, m.group(1) if m else None, base))
        if notify:
            self.endInsertRows()

    def apply(self, events: list[BuildEvent]) -> None:
        """Apply a batch; one dataChanged per touched step, not per event."""
        touched: set[int] = set()
        added_lines: dict[int, int] = {}
        for event in events:
            if isinstance(event, StepStarted):
                self._start_step(event)
                continue
            if isinstance(event, LayerSizes):
                for row, step in enumerate(self.steps):
                    if step.layer in event.sizes:
                        step.layer_size = event.sizes[step.layer]
                        touched.add(row)
                continue
            found = self._row_of(event.step)
            if found is None:
                if isinstance(event, Output):
                    self.preamble.extend(event.lines, "stdout")
                elif isinstance(event, DaemonWarning):
                    self.preamble.append(event.text, "stdout")
                continue
            row = found
            step = self.steps[row]
            if isinstance(event, Output):
                # Only the line count shows it in the tree: the next tick repaints that,
                # so a flood of output repaints the timeline 10 times a second, not on
                # every delivery (each repaint is hundreds of calls into Python).
                step.lines.extend(event.lines, event.stream)
                added_lines[row] = added_lines.get(row, 0) + len(event.lines)
                self._lines_dirty.add(row)
                continue
            touched.add(row)
            if isinstance(event, UsingCache):
                step.status = StepStatus.CACHED
            elif isinstance(event, ContainerStarted):
                step.container = event.container_id[:12]
            elif isinstance(event, ContainerRemoved):
                step.container_removed = True
            elif isinstance(event, LayerCommitted):
                step.layer = event.image_id[:12]
            elif isinstance(event, DaemonWarning):
                step.lines.append(f"[Warning] {event.text}", "stderr")
                added_lines[row] = added_lines.get(row, 0) + 1
            elif isinstance(event, PullProgress):
                if event.layer and event.status not in ("Pulling from",) and not (
                        event.status.startswith(("Pulling from", "Digest:", "Status:"))):
                    step.pull = step.pull or PullState()
                    step.pull.layers[event.layer] = (event.status, event.current, event.total)
                elif event.status.startswith("Status:"):
                    step.lines.append(event.status, "stdout")
                    added_lines[row] = added_lines.get(row, 0) + 1
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
            if isinstance(event, BuildSucceeded | BuildFailed | BuildCancelled):
                self._mark_not_run(touched)
                touched |= self._lines_dirty
                self._lines_dirty.clear()
        for row in sorted(touched):
            self._changed(row)
        if touched:
            self._stages_changed()
        for row, count in added_lines.items():
            self.linesAdded.emit(row, count)

    def _start_step(self, event: StepStarted) -> None:
        self._finish_running(event.at)
        queued = self._row_of(event.step)
        if queued is not None and self.steps[queued].status == StepStatus.QUEUED:
            step = self.steps[queued]
            step.started, step.status = event.at, StepStatus.RUNNING
            step.total, step.instruction = event.total, event.instruction
            step.previous_duration = self.previous.get((event.step, event.instruction))
            self._changed(queued)
            return
        self._add_stage_if_from(event.instruction, notify=True)
        stage = self.stages[-1]
        step = Step(event.step, event.total, event.instruction, event.at, stage=stage.index,
                    previous_duration=self.previous.get((event.step, event.instruction)))
        parent = self.index(stage.index, 0)
        self.beginInsertRows(parent, len(stage.steps), len(stage.steps))
        stage.steps.append(step)
        self.steps.append(step)
        self.endInsertRows()

    def _mark_not_run(self, touched: set[int]) -> None:
        """The build ended: queued steps never ran (a target stage, a failure)."""
        for row, step in enumerate(self.steps):
            if step.status == StepStatus.QUEUED:
                step.status = StepStatus.NOT_RUN
                touched.add(row)

    def _finish_running(self, at: float) -> None:
        for row, step in enumerate(self.steps):
            if step.ended is None and step.status in (StepStatus.RUNNING, StepStatus.CACHED):
                step.ended = at
                if step.status == StepStatus.RUNNING:
                    step.status = StepStatus.DONE
                self._changed(row)

    def _row_of(self, number: int) -> int | None:
        for row in range(len(self.steps) - 1, -1, -1):
            if self.steps[row].number == number:
                return row
        return None

    def _changed(self, flat_row: int) -> None:
        index = self.index_of_step(flat_row)
        self.dataChanged.emit(index, index.siblingAtColumn(len(self.HEADERS) - 1))

    def _stages_changed(self) -> None:
        if self.stages:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.stages) - 1, len(self.HEADERS) - 1))

    def tick(self) -> None:
        """Refresh running steps (duration, bar, spinner) and new line counts;
        called by a timer."""
        for row, step in enumerate(self.steps):
            if step.ended is None or row in self._lines_dirty:
                self._changed(row)
        self._lines_dirty.clear()
        self._stages_changed()

    # --- lookups -------------------------------------------------------
    def index_of_step(self, flat_row: int, column: int = 0) -> QModelIndex:
        step = self.steps[flat_row]
        stage = self.stages[step.stage]
        return self.index(stage.steps.index(step), column, self.index(stage.index, 0))

    def step_of(self, index: Index) -> int | None:
        """The flat step row of an index, or None for a stage row."""
        if not index.isValid() or index.internalId() == 0:
            return None
        stage = self.stages[index.internalId() - 1]
        return self.steps.index(stage.steps[index.row()])

    def failed_row(self) -> int | None:
        for row, step in enumerate(self.steps):
            if step.status == StepStatus.FAILED:
                return row
        return None

    def time_axis(self) -> tuple[float, float]:
        """The shared time axis: first step start to the latest end (or now)."""
        started = [s for s in self.steps if s.started is not None]
        if not started:
            return 0.0, 1.0
        start = min(s.started for s in started if s.started is not None)
        ends = [s.ended if s.ended is not None else self._clock() for s in started]
        return start, max(max(ends), start + 0.001)

    # --- Qt model API --------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if not parent.isValid():
            return len(self.stages)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self.stages[parent.row()].steps)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._stage_data(self.stages[index.row()], index.column(), role)
        step = self.stages[index.internalId() - 1].steps[index.row()]
        return self._step_data(step, index.column(), role)

    def _stage_status(self, stage: StageNode) -> StepStatus:
        statuses = {s.status for s in stage.steps}
        if statuses <= {StepStatus.QUEUED, StepStatus.NOT_RUN}:
            return StepStatus.QUEUED if StepStatus.QUEUED in statuses else StepStatus.NOT_RUN
        for worst in (StepStatus.FAILED, StepStatus.CANCELLED, StepStatus.RUNNING):
            if worst in statuses:
                return worst
        return StepStatus.CACHED if statuses == {StepStatus.CACHED} else StepStatus.DONE

    def _stage_data(self, stage: StageNode, col: int, role: int) -> Any:
        status = self._stage_status(stage)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_STEP:
                return stage.label
            if col == self.COL_INSTRUCTION:
                return f"FROM {stage.base}" + (f" AS {stage.name}" if stage.name else "")
            if col == self.COL_STATUS:
                return status.value
            span = self._stage_span(stage)
            if col == self.COL_DURATION and span:
                return format_duration(span[1] - span[0])
            if col == self.COL_LINES:
                return str(sum(len(s.lines) for s in stage.steps))
            return ""
        if role == Role.BAR:
            span = self._stage_span(stage)
            return self._bar(span[0], span[1], status) if span else None
        if role == Role.STATUS:
            return status.value
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_STATUS:
            return QBrush(STATUS_COLOURS[status])
        if role == Qt.ItemDataRole.FontRole and col == self.COL_STEP:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _stage_span(self, stage: StageNode) -> tuple[float, float] | None:
        now = self._clock()
        ran = [s for s in stage.steps if s.started is not None]
        if not ran:
            return None
        return (min(s.started for s in ran if s.started is not None),
                max(s.ended if s.ended is not None else now for s in ran))

    def _bar(self, start: float, end: float, status: StepStatus) -> tuple[float, float, str]:
        t0, t1 = self.time_axis()
        width = t1 - t0
        return ((start - t0) / width, (end - t0) / width, status.value)

    def _step_data(self, step: Step, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(step, col)
        if role == Role.BAR:
            if step.started is None:
                return None
            end = step.ended if step.ended is not None else self._clock()
            return self._bar(step.started, end, step.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.COL_CONTAINER and step.container:
                state = "removed" if step.container_removed else "still running"
                return (f"Temporary container {step.container} ({state}): the step ran in it, "
                        "and its result was saved as a new layer.")
            if col == self.COL_LAYER and step.layer:
                return f"Layer image {step.layer}: this step's result, reused as cache next time"
            if col == self.COL_DURATION and step.previous_duration is not None:
                was = format_duration(step.previous_duration)
                return f"The previous build of this Dockerfile: {was}"
            if step.error:
                return step.error
            return step.instruction
        if role == Qt.ItemDataRole.ForegroundRole and col == self.COL_STATUS:
            return QBrush(STATUS_COLOURS[step.status])
        if role == Role.STATUS:
            return step.status.value
        if role == Role.SORT:
            return step.number
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Step {step.number} of {step.total}, {step.instruction}, {step.status.value}"
        return None

    def _display(self, step: Step, col: int) -> str:
        if col == self.COL_STEP:
            return f"Step {step.number}/{step.total}"
        if col == self.COL_INSTRUCTION:
            return step.instruction
        if col == self.COL_STATUS:
            if step.pull is not None and step.status == StepStatus.RUNNING:
                return step.pull.summary()
            return step.status.value
        if col == self.COL_DURATION:
            if step.started is None:
                return ""
            text = format_duration(step.duration(self._clock()))
            was = step.previous_duration
            if was is not None and step.ended is not None and max(was, step.duration(0)) >= 0.1:
                text += f" (was {format_duration(was)})"
            return text
        if col == self.COL_CONTAINER:
            if not step.container:
                return ""
            return f"{step.container} (removed)" if step.container_removed else step.container
        if col == self.COL_LAYER:
            return step.layer
        if col == self.COL_SIZE:
            return human_size(step.layer_size) if step.layer_size is not None else ""
        if col == self.COL_LINES:
            return str(len(step.lines))
        return ""
