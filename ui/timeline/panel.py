"""The build panel: context, tag, Build / Cancel, the step list and a step's output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.icons import icon
from ui.timeline.log import StepLogModel
from ui.timeline.steps import StepsModel
from ui.worker import Job
from workbench.build.events import BuildCancelled, BuildEvent, BuildFailed, BuildSucceeded
from workbench.build.request import BuildRequest
from workbench.build.runner import BuildRun
from workbench.commands import build_command
from workbench.dockerfile import Document
from workbench.explain import is_connection_lost
from workbench.formatting import format_duration

DEFAULT_TAG = "hello:latest"


class BuildPanel(QWidget):
    """``request_factory`` (set by the window) turns the editor and fields into a request.

    Signals:
    buildSucceeded(str, list): image id and tags.
    buildEnded(): any outcome.
    stepFailed(int, str): the Dockerfile line of the failed step and the error.
    """

    buildSucceeded = Signal(str, list)
    buildEnded = Signal()
    stepFailed = Signal(int, str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("buildPanel")
        self._ctx = ctx
        self._job: Job | None = None
        self._document: Document | None = None
        self._engine_reason = "Looking for a Docker engine…"
        self._follow = True

        self.context_edit = QLineEdit(str(ctx.scratch_context))
        self.context_edit.setObjectName("contextPathEdit")
        self.context_edit.setAccessibleName("Build context folder")
        self.context_edit.setToolTip(
            "The folder whose files the engine can COPY/ADD. Everything in it (minus "
            ".dockerignore) is sent to the engine, so keep it small.")
        self.browse_button = QPushButton(icon("browse"), "Browse…")
        self.browse_button.setObjectName("browseContextButton")
        self.browse_button.setAccessibleName("Choose the build context folder")
        self.browse_button.clicked.connect(self._browse)
        self.tag_edit = QLineEdit(DEFAULT_TAG)
        self.tag_edit.setObjectName("buildTagEdit")
        self.tag_edit.setAccessibleName("Image name and tag")
        self.tag_edit.setPlaceholderText("e.g. magicnc7/hello:latest")
        self.tag_edit.setToolTip("Like docker build -t user/repo:version")

        self.build_button = QPushButton(icon("build"), "Build")
        self.build_button.setObjectName("buildButton")
        self.build_button.setAccessibleName("Build the image")
        self.build_button.setShortcut("Ctrl+B")
        self.build_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(icon("cancel"), "Cancel")
        self.cancel_button.setObjectName("cancelBuildButton")
        self.cancel_button.setAccessibleName("Cancel the build")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.command_button = QPushButton(icon("command"), "Show command")
        self.command_button.setObjectName("showBuildCommandButton")
        self.command_button.setAccessibleName("Show the equivalent docker command")
        self.command_button.setToolTip("The docker CLI command this build is equal to")
        self.command_button.clicked.connect(self._show_command)

        self.message = QLabel()
        self.message.setObjectName("buildMessage")
        self.message.setAccessibleName("Build result")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.steps = StepsModel(self)
        self.timeline = QTableView()
        self.timeline.setObjectName("buildTimeline")
        self.timeline.setAccessibleName("Build steps")
        self.timeline.setModel(self.steps)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.verticalHeader().hide()
        self.timeline.setWordWrap(False)
        header = self.timeline.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(StepsModel.COL_INSTRUCTION, QHeaderView.ResizeMode.Stretch)
        self.timeline.selectionModel().selectionChanged.connect(self._on_step_selected)
        self.timeline.clicked.connect(self._on_step_clicked)

        self.log = StepLogModel(self.steps, self)
        self.log_view = QListView()
        self.log_view.setObjectName("buildLog")
        self.log_view.setAccessibleName("Output of the selected step")
        self.log_view.setModel(self.log)
        self.log_view.setUniformItemSizes(True)
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log.rowsInserted.connect(self._scroll_log)

        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self.steps.tick)

        form = QFormLayout()
        context_row = QHBoxLayout()
        context_row.addWidget(self.context_edit, 1)
        context_row.addWidget(self.browse_button)
        form.addRow("Context folder:", context_row)
        form.addRow("Image name:", self.tag_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.command_button)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.timeline)
        splitter.addWidget(self.log_view)
        splitter.setSizes([200, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.request_factory: Callable[[], tuple[BuildRequest, Document]] | None = None
        self._update_buttons()

    # --- state ---------------------------------------------------------
    @property
    def is_building(self) -> bool:
        return self._job is not None

    def set_engine_state(self, available: bool, reason: str = "") -> None:
        self._engine_reason = "" if available else reason
        if not available and self._job is None:
            self._show_message(f"Build is unavailable. {reason}", "engine")
        elif available and self.message.property("kind") == "engine":
            self.message.hide()
        self._update_buttons()

    def _update_buttons(self) -> None:
        can_build = not self._engine_reason and self._job is None
        self.build_button.setEnabled(can_build)
        if self._engine_reason:
            self.build_button.setToolTip(f"Build is unavailable: {self._engine_reason}")
        elif self._job is not None:
            self.build_button.setToolTip("A build is running")
        else:
            self.build_button.setToolTip("Build the editor's Dockerfile (Ctrl+B)")
        self.cancel_button.setEnabled(self._job is not None)

    def context_dir(self) -> Path:
        return Path(self.context_edit.text()).expanduser()

    def set_context_dir(self, path: Path) -> None:
        self.context_edit.setText(str(path))

    @Slot()
    def _browse(self) -> None:
        chosen = self._ctx.interaction.choose_directory(self, self.context_dir())
        if chosen is not None:
            self.set_context_dir(chosen)

    def tags(self) -> tuple[str, ...]:
        return tuple(t for t in self.tag_edit.text().split() if t)

    # --- running -------------------------------------------------------
    @Slot()
    def start(self) -> None:
        if self.request_factory is not None:
            self.run(*self.request_factory())

    def run(self, request: BuildRequest, document: Document) -> None:
        engine = self._ctx.engine.engine
        if engine is None or self._job is not None:
            return
        self._document = document
        self._follow = True
        self.steps.clear()
        self._show_message("Sending the build context to the engine…", "info")
        job = self._ctx.tasks.stream(lambda: BuildRun(engine, request),
                                     description="Building the image", report_errors=False)
        job.items.connect(self._on_events)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self._job = job
        self._tick.start()
        self._update_buttons()

    @Slot()
    def cancel(self) -> None:
        if self._job is not None:
            self._show_message("Cancelling: stopping the step and removing its container…",
                               "info")
            self._job.cancel()

    def _on_events(self, events: list[BuildEvent]) -> None:
        if self.message.property("kind") == "info" and events:
            self.message.hide()
        self.steps.apply(events)
        if self._follow and self.steps.steps:
            self._select_row(len(self.steps.steps) - 1)
        for event in events:
            if isinstance(event, BuildSucceeded):
                self._on_succeeded(event)
            elif isinstance(event, BuildFailed):
                self._on_build_failed(event)
            elif isinstance(event, BuildCancelled):
                self._show_message(
                    f"Build cancelled at step {event.step}. The log is kept; no containers "
                    "were left behind.", "warning")

    def _on_succeeded(self, event: BuildSucceeded) -> None:
        steps = self.steps.steps
        cached = sum(1 for s in steps if s.status.value == "cached")
        total = format_duration(steps[-1].ended - steps[0].started) if steps and steps[
            -1].ended else "?"
        tags = ", ".join(event.tags) or "no tag"
        self._show_message(
            f"Built {event.image_id.removeprefix('sha256:')[:12]} ({tags}) in {total}: "
            f"{len(steps)} steps, {cached} from cache.", "success")
        if self._follow:
            # The last step (CMD, ENV…) rarely prints: end on the last one that did.
            with_output = [r for r, s in enumerate(steps) if s.lines]
            if with_output:
                self._select_row(with_output[-1])
        self.buildSucceeded.emit(event.image_id, list(event.tags))

    def _on_build_failed(self, event: BuildFailed) -> None:
        where = f"Step {event.step}" if event.step else "Before the first step"
        code = f" (exit code {event.exit_code})" if event.exit_code is not None else ""
        self._show_message(f"Build failed. {where}{code}: {event.message}", "error")
        row = self.steps.failed_row()
        if row is not None:
            self._follow = False
            self._select_row(row)
        if event.line is not None:
            self.stepFailed.emit(event.line, event.message)
        elif self._document is not None and event.step:
            lines = self._document.step_lines(event.step)
            if lines:
                self.stepFailed.emit(lines[0], event.message)

    def _on_failed(self, message: str, exc: BaseException) -> None:
        self._show_message(f"Build could not run: {message}", "error")
        if is_connection_lost(exc):
            self._ctx.engine.report_lost(message)

    def _on_finished(self) -> None:
        self._job = None
        self._tick.stop()
        self.steps.tick()
        self._update_buttons()
        self.buildEnded.emit()

    # --- view helpers --------------------------------------------------
    def _show_message(self, text: str, kind: str) -> None:
        colours = {"error": "#b71c1c", "warning": "#e65100", "success": "#1b5e20",
                   "info": "palette(text)", "engine": "#e65100"}
        self.message.setProperty("kind", kind)
        self.message.setStyleSheet(f"QLabel {{ color: {colours[kind]}; padding: 4px; }}")
        self.message.setText(text)
        self.message.show()

    def _select_row(self, row: int) -> None:
        sel = self.timeline.selectionModel()
        index = self.steps.index(row, 0)
        if sel.currentIndex().row() == row and sel.isRowSelected(row):
            return
        sel.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                            | QItemSelectionModel.SelectionFlag.Rows)

    def _on_step_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {i.row() for i in selected.indexes()}
        self.log.show_step(min(rows) if rows else None)
        self._scroll_log()

    def _on_step_clicked(self) -> None:
        # The user picked a step: stop jumping to the running one.
        self._follow = False

    def _scroll_log(self) -> None:
        self.log_view.scrollToBottom()

    def _show_command(self) -> None:
        if self.request_factory is None:
            return
        command = build_command(self.request_factory()[0])
        QGuiApplication.clipboard().setText(command)
        self._show_message(f"Equivalent command (copied): {command}", "info")
