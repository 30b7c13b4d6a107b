"""The containers panel: ``docker ps -a`` live from engine events, with start, stop,
logs and remove, and the console a Run streams into."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.containers.console import ConsoleView, OutputModel
from ui.containers.model import SORT_ROLE, ContainersModel
from ui.context import AppContext
from ui.icons import icon
from ui.images.events import EventFollower, guarded
from ui.worker import Job
from workbench import commands
from workbench.containers import (
    ContainerRow,
    ContainerRun,
    ContainerSpec,
    Created,
    Exited,
    LogStream,
    Output,
    RunEvent,
    list_containers,
    remove_container,
    start_container,
    stop_container,
)
from workbench.engine_events import EngineEvent
from workbench.explain import is_connection_lost


class ContainersPanel(QWidget):
    """Signals:
    refreshed(int): the list was read from the engine, with this many containers.
    runEnded(object): a Run or logs console ended: the exit code (None: cancelled / logs).
    actionDone(str): an action finished; its docker command line.
    """

    refreshed = Signal(int)
    runEnded = Signal(object)
    actionDone = Signal(str)

    def __init__(self, ctx: AppContext, events: EventFollower,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("containersPanel")
        self._ctx = ctx
        self._job: Job | None = None
        self._again = False
        self._console_job: Job | None = None
        self.container_id: str | None = None  # the one the console shows
        self.model = ContainersModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.view = QTableView()
        self.view.setObjectName("containerList")
        self.view.setAccessibleName("Containers")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(ContainersModel.COL_CREATED, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setColumnWidth(ContainersModel.COL_NAME, 150)
        self.view.setColumnWidth(ContainersModel.COL_IMAGE, 180)
        self.view.setColumnWidth(ContainersModel.COL_STATUS, 160)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.output = OutputModel(self)
        self.console = ConsoleView(self.output)
        self.console_title = QLabel("Output")
        self.console_title.setObjectName("containerOutputTitle")
        self.status = QLabel()
        self.status.setObjectName("containerListStatus")
        self.status.setWordWrap(True)
        self.toolbar = QToolBar("Container actions")
        self.toolbar.setObjectName("containerToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.actions_by_name: dict[str, QAction] = {}
        for key, name, text, icon_name, slot in (
                ("start", "startContainerAction", "Start", "start", self.start_selected),
                ("stop", "stopContainerAction", "Stop", "stop", self.stop_selected),
                ("logs", "containerLogsAction", "Logs", "logs", self.logs_selected),
                ("remove", "removeContainerAction", "Remove", "remove", self.remove_selected)):
            self._action(key, name, text, icon_name, slot)

        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Containers</b>"))
        top.addWidget(self.status, 1)
        top.addWidget(self.toolbar)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.view, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.console_title)
        lower_layout.addWidget(self.console, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.events = events
        events.events.connect(self._on_events)
        events.restarted.connect(self._on_events_restarted)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self._update_actions()

    def _action(self, key: str, name: str, text: str, icon_name: str,
                slot: Callable[[], None]) -> None:
        act = QAction(icon(icon_name), text, self)
        act.setObjectName(name)
        act.setToolTip(text)
        act.triggered.connect(lambda _checked=False: slot())
        self.toolbar.addAction(act)
        self.view.addAction(act)
        self.actions_by_name[key] = act
        widget = self.toolbar.widgetForAction(act)
        if widget is not None:
            widget.setAccessibleName(f"{text} the selected container")

    def selected(self) -> ContainerRow | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        source = self.proxy.mapToSource(rows[0]).row()
        return self.model.rows[source] if 0 <= source < len(self.model.rows) else None

    def select(self, name_or_id: str) -> None:
        row = self.model.row_for(name_or_id)
        if row is not None:
            self.view.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    @Slot()
    def _update_actions(self, *_args: Any) -> None:
        row = self.selected()
        running = row is not None and row.running
        self.actions_by_name["start"].setEnabled(row is not None and not running)
        self.actions_by_name["stop"].setEnabled(running)
        self.actions_by_name["logs"].setEnabled(row is not None)
        self.actions_by_name["remove"].setEnabled(row is not None)

    # --- the list --------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            return
        if self._job is not None:
            self._again = True
            return
        job = self._ctx.tasks.call(list_containers, engine.api, description="Listing containers",
                                   report_errors=False)
        job.succeeded.connect(self._on_rows)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self._job = job
        self.events.start()

    def _on_events_restarted(self) -> None:
        if self._job is None:
            self.refresh()

    def _on_rows(self, rows: list[ContainerRow]) -> None:
        self.model.set_rows(rows)
        running = sum(1 for r in rows if r.running)
        self.status.setText(f"{len(rows)} containers, {running} running")
        self._update_actions()
        self.refreshed.emit(len(rows))

    def _on_failed(self, message: str, exc: BaseException) -> None:
        self.status.setText(f"Could not list containers: {message}")
        if is_connection_lost(exc):
            self._ctx.engine.report_lost(message)

    def _on_finished(self) -> None:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()

    def clear(self) -> None:
        self.model.set_rows([])
        self.status.setText("No engine connected.")

    @Slot(list)
    def _on_events(self, batch: list[EngineEvent]) -> None:
        # Container lists are short: one re-read per batch keeps states exact.
        if any(e.kind == "container" for e in batch):
            self.refresh()

    # --- actions ---------------------------------------------------------------
    def _call(self, fn: Callable[..., Any], container: ContainerRow, line: str,
              description: str) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            return
        job = self._ctx.tasks.call(fn, engine.api, container.container_id,
                                   description=description, report_errors=False)
        job.succeeded.connect(guarded(self, lambda _r: self._done(line)))
        job.failed.connect(guarded(self, lambda message, _exc: self.status.setText(
            f"{description} failed: {message}")))

    def _done(self, line: str) -> None:
        self.status.setText(f"Done: {line}")
        self.actionDone.emit(line)

    def start_selected(self) -> None:
        if (row := self.selected()) is not None:
            self._call(start_container, row, commands.start_command(row.name),
                       f"Starting {row.name}")

    def stop_selected(self) -> None:
        if (row := self.selected()) is not None:
            self._call(stop_container, row, commands.stop_command(row.name),
                       f"Stopping {row.name}")

    def remove_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        line = commands.rm_command(row.name, force=row.running)
        if not self._ctx.interaction.confirm(
                self, "Remove container",
                f"Remove the container “{row.name}”"
                f"{' (it is running: it will be stopped)' if row.running else ''}? Its "
                f"files go with it; named volumes stay.\n\nCommand: {line}"):
            return
        engine = self._ctx.engine.engine
        if engine is None:
            return
        job = self._ctx.tasks.call(remove_container, engine.api, row.container_id, row.running,
                                   description=f"Removing {row.name}", report_errors=False)
        job.succeeded.connect(guarded(self, lambda _r: self._done(line)))
        job.failed.connect(guarded(self, lambda message, _exc: self.status.setText(message)))

    def logs_selected(self) -> None:
        row = self.selected()
        engine = self._ctx.engine.engine
        if row is None or engine is None:
            return
        self._start_console(lambda: LogStream(engine, row.container_id),
                            f"Logs of {row.name}", commands.logs_command(row.name))
        self.container_id = row.container_id

    @Slot(object)
    def run(self, spec: ContainerSpec) -> None:
        """Create and start a container from the spec; its output streams into the console."""
        engine = self._ctx.engine.engine
        if engine is None:
            self.status.setText("No engine connected.")
            return
        run = ContainerRun(engine, spec)
        self._start_console(lambda: run, f"Run {spec.image}", commands.run_command(spec))

    def _start_console(self, source: Callable[[], Any], title: str, line: str) -> None:
        if self._console_job is not None:
            self._console_job.cancel()
        self.output.clear()
        self.output.note(f"$ {line}")
        self.console_title.setText(title)
        job = self._ctx.tasks.stream(source, description=title, report_errors=False)
        job.items.connect(self._on_output)
        job.failed.connect(guarded(self, lambda message, _exc: self.output.note(
            f"Failed: {message}")))
        job.finished.connect(guarded(self, partial(self._on_console_finished, job)))
        self._console_job = job

    def _on_output(self, batch: list[RunEvent]) -> None:
        for event in batch:
            if isinstance(event, Output):
                self.output.append(event.text, event.stream)
            elif isinstance(event, Created):
                self.container_id = event.container_id
                self.console_title.setText(f"Output of {event.name}")
            elif isinstance(event, Exited):
                if event.exit_code is None:
                    self.output.note(event.error or "Stopped following the output.")
                else:
                    self.output.note(f"Exited with code {event.exit_code}.")
                self.runEnded.emit(event.exit_code)

    def _on_console_finished(self, job: Job) -> None:
        if self._console_job is job:
            self._console_job = None

    def stop_console(self) -> None:
        if self._console_job is not None:
            self._console_job.cancel()
