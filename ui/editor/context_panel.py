"""The build-context check beside Build (``contextCheck``): how much would be sent
after ``.dockerignore``, and warnings (too big, secrets, COPY sources missing or
ignored). The scan runs off the GUI thread; a newer request cancels the old one.

Signals:
    reportReady(object): a ContextReport that is now shown.
    lineChosen(int): the Dockerfile line of a COPY/ADD warning the user activated.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QLabel, QListView, QVBoxLayout, QWidget

from ui.context import AppContext
from ui.worker import Job
from workbench.context import ContextReport, ContextWarning, Progress, scan_context
from workbench.dockerfile import Document
from workbench.formatting import human_size

Index = QModelIndex | QPersistentModelIndex
WARNING_ROLE = Qt.ItemDataRole.UserRole + 66


class ContextWarningsModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ContextWarning] = []

    def set_warnings(self, warnings: tuple[ContextWarning, ...]) -> None:
        self.beginResetModel()
        self.rows = list(warnings)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        w = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (f"Line {w.line}: " if w.line else "") + w.message
        if role == WARNING_ROLE:
            return w
        return None


class ContextCheckPanel(QWidget):
    reportReady = Signal(object)
    lineChosen = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contextCheckPanel")
        self._ctx = ctx
        self._job: Job | None = None
        self._run = 0
        self.report: ContextReport | None = None
        self.summary = QLabel("Choose a build context folder to see what will be sent.")
        self.summary.setObjectName("contextSummary")
        self.summary.setWordWrap(True)
        self.model = ContextWarningsModel(self)
        self.view = QListView()
        self.view.setObjectName("contextCheck")
        self.view.setAccessibleName("Build context warnings")
        self.view.setWordWrap(True)
        self.view.setModel(self.model)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def check(self, root: Path, document: Document | None) -> Job:
        """Scan ``root`` (a newer call replaces a running scan)."""
        if self._job is not None:
            self._job.cancel()
        self._run += 1
        run = self._run
        self.summary.setText(f"Checking {root} …")
        job = self._ctx.tasks.stream(lambda: scan_context(root, document),
                                     description="Checking the build context")
        job.items.connect(lambda items, run=run: self._items(run, items))
        job.failed.connect(lambda message, _exc, run=run: self._failed(run, message))
        job.finished.connect(lambda run=run: self._finished(run))
        self._job = job
        return job

    def _items(self, run: int, items: list[object]) -> None:
        if not shiboken6.isValid(self) or run != self._run:
            return
        for item in items:
            if isinstance(item, Progress):
                self.summary.setText(f"Counting… {item.files:,} files, "
                                     f"{human_size(item.size)} so far")
            elif isinstance(item, ContextReport):
                self._show(item)

    def _show(self, report: ContextReport) -> None:
        self.report = report
        ignored = (f"; .dockerignore leaves out {report.ignored:,} entries"
                   if report.patterns else "; there is no .dockerignore")
        state = ("No problems found." if not report.warnings else
                 f"{len(report.warnings)} warning{'s' if len(report.warnings) != 1 else ''}:")
        self.summary.setText(f"{report.root}: {report.summary}{ignored}. {state}")
        self.model.set_warnings(report.warnings)
        self.reportReady.emit(report)

    def _failed(self, run: int, message: str) -> None:
        if shiboken6.isValid(self) and run == self._run:
            self.summary.setText(f"Could not check the build context: {message}")

    def _finished(self, run: int) -> None:
        if shiboken6.isValid(self) and run == self._run:
            self._job = None

    def _activated(self, index: QModelIndex) -> None:
        w = index.data(WARNING_ROLE)
        if isinstance(w, ContextWarning) and w.line:
            self.lineChosen.emit(w.line)
