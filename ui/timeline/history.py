"""Past builds: a list of records, and any one's timeline, read-only."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QSplitter,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ui.table_model import RowTableModel
from ui.timeline.bars import TimelineBarDelegate
from ui.timeline.steps import StepsModel
from workbench.build.events import (
    BuildCancelled,
    BuildEvent,
    BuildFailed,
    BuildSucceeded,
    ContainerRemoved,
    ContainerStarted,
    LayerCommitted,
    LayerSizes,
    StepStarted,
    UsingCache,
)
from workbench.build.history import BuildRecord
from workbench.formatting import format_duration

Index = QModelIndex | QPersistentModelIndex


def replay(record: BuildRecord) -> list[BuildEvent]:
    """Events that rebuild a recorded timeline in a StepsModel (times from the durations)."""
    events: list[BuildEvent] = []
    t = 0.0
    for step in record.steps:
        events.append(StepStarted(step.number, t, step.total, step.instruction))
        if step.status == "cached":
            events.append(UsingCache(step.number, t))
        if step.container:
            events.append(ContainerStarted(step.number, t, step.container))
            events.append(ContainerRemoved(step.number, t, step.container))
        t += step.duration
        if step.layer:
            events.append(LayerCommitted(step.number, t, step.layer))
    last = record.steps[-1].number if record.steps else 0
    sizes = {s.layer: s.layer_size for s in record.steps if s.layer and s.layer_size is not None}
    if sizes:
        events.append(LayerSizes(last, t, sizes))
    if record.outcome == "succeeded":
        events.append(BuildSucceeded(last, t, record.image_id or "", tuple(record.tags)))
    elif record.outcome == "cancelled":
        events.append(BuildCancelled(last, t))
    else:
        events.append(BuildFailed(last, t, record.message, None))
    return events


class HistoryModel(RowTableModel):
    HEADERS = ("Started", "Dockerfile", "Tags", "Outcome", "Total", "Image")

    def __init__(self, records: list[BuildRecord], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[BuildRecord] = list(reversed(records))  # newest first

    @property
    def records(self) -> list[BuildRecord]:
        return self.rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self.rows[index.row()]
        return (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started_at)),
                r.dockerfile or "(unsaved)", " ".join(r.tags) or "(no tag)", r.outcome,
                format_duration(r.total),
                (r.image_id or "").removeprefix("sha256:")[:12])[index.column()]


class HistoryDialog(QDialog):
    def __init__(self, records: list[BuildRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("buildHistoryDialog")
        self.setWindowTitle("Build history")
        self.model = HistoryModel(records, self)
        self.list = QTableView()
        self.list.setObjectName("buildHistoryList")
        self.list.setAccessibleName("Past builds")
        self.list.setModel(self.model)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.verticalHeader().hide()
        self.list.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.horizontalHeader().setStretchLastSection(True)
        self.steps = StepsModel(self)
        self.steps.read_only = True
        self.timeline = QTreeView()
        self.timeline.setObjectName("historyTimeline")
        self.timeline.setAccessibleName("Steps of the selected past build")
        self.timeline.setModel(self.steps)
        self.timeline.setItemDelegateForColumn(StepsModel.COL_TIMELINE,
                                               TimelineBarDelegate(self.timeline))
        self.list.selectionModel().currentRowChanged.connect(self._show)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(self.timeline)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        layout.addWidget(buttons)
        self.resize(900, 600)
        if self.model.records:
            self.list.selectRow(0)

    def _show(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.steps.clear()
        if current.isValid():
            self.steps.apply(replay(self.model.records[current.row()]))
            self.timeline.expandAll()
