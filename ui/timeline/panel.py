"""The build panel: context, tags, options, Build / Rebuild / Cancel, the timeline and log."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.icons import icon
from ui.timeline.bars import TimelineBarDelegate
from ui.timeline.history import HistoryDialog
from ui.timeline.log import StepLogModel, whole_log
from ui.timeline.options import BuildOptionsWidget
from ui.timeline.steps import StepsModel, StepStatus
from ui.timeline.view import TimelineView
from ui.worker import Job
from workbench.build.events import (
    BuildCancelled,
    BuildEvent,
    BuildFailed,
    BuildSucceeded,
    StepStarted,
)
from workbench.build.history import BuildRecord, HistoryStore, StepRecord
from workbench.build.options import OptionsStore
from workbench.build.request import BuildRequest
from workbench.build.runner import BuildRun
from workbench.commands import build_command
from workbench.dockerfile import Document
from workbench.dockerfile.diagnose import blocking, diagnose
from workbench.explain import explain_build_failure, is_connection_lost
from workbench.formatting import format_duration

DEFAULT_TAG = "hello:latest"
_ROOM = {StepsModel.COL_DURATION: "00.0s (was 00.0s)", StepsModel.COL_LINES: "000000"}
Factory = Callable[[], tuple[BuildRequest, Document]]


class BuildPanel(QWidget):
    """``request_factory`` (set by the window) turns the editor and fields into a request.

    Signals:
    buildSucceeded(str, list): image id and tags.
    buildEnded(): any outcome.
    stepFailed(int, str): the Dockerfile line of the failed step and the error.
    stepLinesSelected(int, int): the user picked a step; its first and last Dockerfile line.
    """

    buildSucceeded = Signal(str, list)
    buildEnded = Signal()
    stepFailed = Signal(int, str)
    stepLinesSelected = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("buildPanel")
        self._ctx = ctx
        self._job: Job | None = None
        self._document: Document | None = None
        self._request: BuildRequest | None = None
        self._last_request: tuple[BuildRequest, Document] | None = None
        self._engine_reason = "Looking for a Docker engine…"
        self._follow = True
        self._started_wall = 0.0
        self._dockerfile_key = ""
        self.request_factory: Factory | None = None
        self._send_anyway = ""
        self.options_store = OptionsStore(ctx.dirs.data / "build-options.json")
        self.history = HistoryStore(ctx.dirs.data / "build-history.jsonl")

        self._make_fields()
        self._make_buttons()
        self._make_timeline()
        self._make_log()
        self._layout()
        self._update_buttons()

    # --- construction ----------------------------------------------------
    def _make_fields(self) -> None:
        self.context_edit = QLineEdit(str(self._ctx.scratch_context))
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
        self.tag_edit.setAccessibleName("Image name and tags")
        self.tag_edit.setPlaceholderText("e.g. magicnc7/hello:latest (several: separate by spaces)")
        self.tag_edit.setToolTip("Like docker build -t user/repo:version; several tags at once "
                                 "are separated by spaces")
        self.options = BuildOptionsWidget()
        self.options.hide()
        self.options_toggle = QToolButton()
        self.options_toggle.setObjectName("buildOptionsToggle")
        self.options_toggle.setAccessibleName("Show the build options")
        self.options_toggle.setText("Options")
        self.options_toggle.setCheckable(True)
        self.options_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.options_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.options_toggle.toggled.connect(self._toggle_options)

    def _make_buttons(self) -> None:
        def button(name: str, text: str, icon_name: str, accessible: str) -> QPushButton:
            b = QPushButton(icon(icon_name), text)
            b.setObjectName(name)
            b.setAccessibleName(accessible)
            return b

        self.build_button = button("buildButton", "Build", "build", "Build the image")
        self.build_button.setShortcut("Ctrl+B")
        self.build_button.clicked.connect(self.start)
        self.rebuild_button = button("rebuildButton", "Rebuild", "refresh",
                                     "Repeat the last build")
        self.rebuild_button.setToolTip("Repeat the last build exactly (same text and options)")
        self.rebuild_button.clicked.connect(self.rebuild)
        self.cancel_button = button("cancelBuildButton", "Cancel", "cancel", "Cancel the build")
        self.cancel_button.clicked.connect(self.cancel)
        self.history_button = button("buildHistoryButton", "History", "history",
                                     "Show past builds")
        self.history_button.clicked.connect(self.show_history)
        self.command_button = button("showBuildCommandButton", "Show command", "command",
                                     "Show the equivalent docker command")
        self.command_button.setToolTip("The docker CLI command this build is equal to")
        self.command_action = QAction(icon("command"), "Show build command", self)
        self.command_action.setObjectName("showBuildCommandAction")
        self.command_action.triggered.connect(self._show_command)
        self.command_button.clicked.connect(self.command_action.trigger)
        self.addAction(self.command_action)
        self.message = QLabel()
        self.message.setObjectName("buildMessage")
        self.message.setAccessibleName("Build result")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

    def _make_timeline(self) -> None:
        self.steps = StepsModel(self)
        self.timeline = TimelineView()
        self.timeline.setObjectName("buildTimeline")
        self.timeline.setAccessibleName("Build steps")
        self.timeline.setModel(self.steps)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.setRootIsDecorated(True)
        self.timeline.setWordWrap(False)
        self.timeline.setItemDelegateForColumn(StepsModel.COL_TIMELINE,
                                               TimelineBarDelegate(self.timeline))
        header = self.timeline.header()
        # Fitted to the contents at a few moments (_fit_columns), not ResizeToContents:
        # that re-measures every cell, one call into Python per cell and role, on each
        # dataChanged, which stalled the GUI while a step printed fast.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(StepsModel.COL_INSTRUCTION, 260)
        header.setSectionResizeMode(StepsModel.COL_TIMELINE, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(StepsModel.COL_TIMELINE, 140)
        header.setStretchLastSection(False)
        self.timeline.selectionModel().selectionChanged.connect(self._on_step_selected)
        self.timeline.clicked.connect(self._on_step_clicked)
        self.steps.rowsInserted.connect(lambda parent, *_: self.timeline.expand(parent)
                                        if parent.isValid() else None)
        self._tick = QTimer(self)
        self._tick.setInterval(100)  # also turns the running step's spinner
        self._tick.timeout.connect(self._on_tick)
        self._ticks = 0
        self._columns_to_fit: list[int] = []
        self._fit_grow_only = True

    def _make_log(self) -> None:
        self.log = StepLogModel(self.steps, self)
        # A one-column QTableView with fixed row heights: its layout is arithmetic, so
        # inserting and scrolling stay cheap at 200,000 lines, where QListView and
        # QTreeView walk every row (each walk a call into Python) on each layout.
        self.log_view = QTableView()
        self.log_view.setObjectName("buildLog")
        self.log_view.setAccessibleName("Output of the selected step")
        self.log_view.setModel(self.log)
        self.log_view.setShowGrid(False)
        self.log_view.setWordWrap(False)
        self.log_view.horizontalHeader().hide()
        self.log_view.horizontalHeader().setStretchLastSection(True)
        rows = self.log_view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.log_view.fontMetrics().height() + 2)
        self.log_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._at_bottom = True
        self._scroll_pending = QTimer(self)  # one scroll per burst of lines, not per batch
        self._scroll_pending.setSingleShot(True)
        self._scroll_pending.setInterval(30)
        self._scroll_pending.timeout.connect(self.log_view.scrollToBottom)
        self.log.rowsAboutToBeInserted.connect(self._remember_tail)
        self.log.rowsInserted.connect(self._follow_tail)
        self.log.modelReset.connect(self.log_view.scrollToBottom)
        copy = QAction("Copy", self.log_view)
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selected_lines)
        self.log_view.addAction(copy)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("buildLogSearch")
        self.search_edit.setAccessibleName("Search the step's output")
        self.search_edit.setPlaceholderText("Find in output (Enter: next)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(self.find_next)
        self.copy_button = QPushButton(icon("copy"), "Copy")
        self.copy_button.setObjectName("copyLogButton")
        self.copy_button.setAccessibleName("Copy the output")
        self.copy_button.setToolTip("Copy the selected lines, or the whole step if none")
        self.copy_button.clicked.connect(self.copy_selected_lines)
        self.save_button = QPushButton(icon("save"), "Save log…")
        self.save_button.setObjectName("saveLogButton")
        self.save_button.setAccessibleName("Save the whole build log to a file")
        self.save_button.clicked.connect(self.save_log)

    def _layout(self) -> None:
        form = QFormLayout()
        context_row = QHBoxLayout()
        context_row.addWidget(self.context_edit, 1)
        context_row.addWidget(self.browse_button)
        form.addRow("Context folder:", context_row)
        form.addRow("Image name:", self.tag_edit)
        buttons = QHBoxLayout()
        for b in (self.build_button, self.rebuild_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addWidget(self.options_toggle)
        buttons.addStretch(1)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.command_button)
        log_bar = QHBoxLayout()
        log_bar.addWidget(self.search_edit, 1)
        log_bar.addWidget(self.copy_button)
        log_bar.addWidget(self.save_button)
        log_box = QWidget()
        log_layout = QVBoxLayout(log_box)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addLayout(log_bar)
        log_layout.addWidget(self.log_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.timeline)
        splitter.addWidget(log_box)
        splitter.setSizes([220, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.options)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

    # --- state -----------------------------------------------------------
    @property
    def is_building(self) -> bool:
        return self._job is not None

    @property
    def last_text(self) -> str:
        """The Dockerfile text of the last build sent."""
        return self._request.dockerfile_text if self._request is not None else ""

    def set_engine_state(self, available: bool, reason: str = "") -> None:
        self._engine_reason = "" if available else reason
        # A build's own outcome (the failure the lost engine caused, say) stays in view;
        # the reason is on the Build button's tooltip and in the status bar anyway.
        keeps = not self.message.isHidden() and self.message.property("kind") in ("error",
                                                                                "warning")
        if not available and self._job is None and not keeps:
            self._show_message(f"Build is unavailable. {reason}", "engine")
        elif available and self.message.property("kind") == "engine":
            self.message.hide()
        self._update_buttons()

    def _update_buttons(self) -> None:
        can_build = not self._engine_reason and self._job is None
        self.build_button.setEnabled(can_build)
        self.rebuild_button.setEnabled(can_build and self._last_request is not None)
        if self._engine_reason:
            self.build_button.setToolTip(f"Build is unavailable: {self._engine_reason}")
        elif self._job is not None:
            self.build_button.setToolTip("A build is running")
        else:
            self.build_button.setToolTip("Build the editor's Dockerfile (Ctrl+B)")
        self.cancel_button.setEnabled(self._job is not None)

    def _toggle_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.options_toggle.setArrowType(Qt.ArrowType.DownArrow if shown
                                         else Qt.ArrowType.RightArrow)

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
        return tuple(dict.fromkeys(t for t in self.tag_edit.text().split() if t))

    def set_document(self, document: Document) -> None:
        """The editor's text changed: refresh the stages and ARGs the options offer."""
        self.options.set_document(document)

    def set_dockerfile_key(self, key: str) -> None:
        """A Dockerfile was opened or saved: bring back the options last used with it."""
        self._dockerfile_key = key
        job = self._ctx.tasks.call(self.options_store.load, key,
                                   description="Reading the build options")
        job.succeeded.connect(lambda options: self.options.apply(options)
                              if options is not None else None)

    # --- running ---------------------------------------------------------
    def current_request(self) -> tuple[BuildRequest, Document] | None:
        if self.request_factory is None:
            return None
        request, document = self.request_factory()
        try:
            options = self.options.options()
        except ValueError:
            self.options_toggle.setChecked(True)
            return None
        request = dataclasses.replace(
            request, build_args=options.build_args, target=options.target,
            no_cache=options.no_cache, pull=options.pull, labels=options.labels,
            platform=options.platform)
        return request, document

    @Slot()
    def start(self) -> None:
        current = self.current_request()
        if current is not None:
            self.run(*current)

    @Slot()
    def rebuild(self) -> None:
        if self._last_request is not None:
            self.run(*self._last_request)

    def run(self, request: BuildRequest, document: Document) -> None:
        engine = self._ctx.engine.engine
        if engine is None or self._job is not None:
            return
        if not self._preflight(request, document):
            return
        self._document = document
        self._request = request
        self._last_request = (request, document)
        self._follow = True
        self._started_wall = time.time()
        self.steps.prefill([ins.text for ins in document.instructions])
        self.timeline.expandAll()
        self._fit_columns(grow_only=False)
        key = self._dockerfile_key or str(request.dockerfile_path or "")
        self._save_options(key, request)
        previous = self._ctx.tasks.call(self.history.previous, key,
                                        description="Reading the build history")
        previous.succeeded.connect(self._on_previous)
        self._show_message("Sending the build context to the engine…", "info")
        job = self._ctx.tasks.stream(lambda: BuildRun(engine, request),
                                     description="Building the image", report_errors=False)
        job.items.connect(self._on_events)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self._job = job
        self._tick.start()
        self._update_buttons()

    def _preflight(self, request: BuildRequest, document: Document) -> bool:
        """Explain what the classic builder will refuse before sending it.

        A second press of Build with the same text sends it anyway, so a check
        that is wrong can never lock the user out.
        """
        refused = blocking(diagnose(document))
        if not refused or request.dockerfile_text == self._send_anyway:
            return True
        self._send_anyway = request.dockerfile_text
        reasons = " ".join(f"Line {d.line}: {d.message}" for d in refused[:3])
        more = f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""
        self._show_message(
            "Not sent: the engine's classic builder, which this app uses, would refuse "
            f"this Dockerfile. {reasons}{more} Fix it, or press Build again to send it "
            "anyway.", "error")
        self.stepFailed.emit(refused[0].line, refused[0].message)
        return False

    def _save_options(self, key: str, request: BuildRequest) -> None:
        options = self.options.options()
        options.tags = list(request.tags)
        self._ctx.tasks.call(self.options_store.save, key, options,
                             description="Saving the build options")

    def _on_previous(self, record: BuildRecord | None) -> None:
        if record is None:
            return
        # Only the same step of the same text compares: numbers alone shift on edits.
        self.steps.previous = {(s.number, s.instruction): s.duration for s in record.steps}
        for step in self.steps.steps:
            if step.started is not None:
                step.previous_duration = self.steps.previous.get(
                    (step.number, step.instruction))

    @Slot()
    def cancel(self) -> None:
        if self._job is not None:
            self._show_message("Cancelling: stopping the step and removing its container…",
                               "info")
            self._job.cancel()

    def _on_events(self, events: list[BuildEvent]) -> None:
        if self.message.property("kind") == "info" and events and not (
                self._job is not None and self._job.cancel_requested):
            self.message.hide()
        self.steps.apply(events)
        if any(isinstance(e, StepStarted) for e in events):
            self._fit_columns()
        if self._follow:
            started = [r for r, s in enumerate(self.steps.steps) if s.started is not None]
            if started:
                self._select_row(started[-1])
        for event in events:
            if isinstance(event, BuildSucceeded):
                self._on_succeeded(event)
            elif isinstance(event, BuildFailed):
                self._on_build_failed(event)
            elif isinstance(event, BuildCancelled):
                self._show_message(
                    f"Build cancelled at step {event.step}. The log is kept; no containers "
                    "were left behind.", "warning")
                self._record("cancelled", None, "cancelled")

    def _summary(self) -> tuple[int, int, str]:
        ran = [s for s in self.steps.steps if s.started is not None]
        cached = sum(1 for s in ran if s.status == StepStatus.CACHED)
        start, end = self.steps.time_axis()
        return len(ran), cached, format_duration(end - start) if ran else "?"

    def _on_succeeded(self, event: BuildSucceeded) -> None:
        count, cached, total = self._summary()
        tags = ", ".join(event.tags) or "no tag"
        self._show_message(
            f"Built {event.image_id.removeprefix('sha256:')[:12]} ({tags}) in {total}: "
            f"{count} steps, {count - cached} run, {cached} from cache.", "success")
        if self._follow:
            # The last step (CMD, ENV…) rarely prints: end on the last one that did.
            with_output = [r for r, s in enumerate(self.steps.steps) if s.lines]
            if with_output:
                self._select_row(with_output[-1])
        self._record("succeeded", event.image_id, "")
        self.buildSucceeded.emit(event.image_id, list(event.tags))

    def _on_build_failed(self, event: BuildFailed) -> None:
        where = f"Step {event.step}" if event.step else "Before the first step"
        code = f" (exit code {event.exit_code})" if event.exit_code is not None else ""
        row = self.steps.failed_row()
        last_output = self.steps.steps[row].lines.texts[-10:] if row is not None else []
        context = str(self._request.context_dir) if self._request else ""
        plain = explain_build_failure(event.message, event.exit_code, context, last_output)
        text = f"Build failed. {where}{code}: {plain}"
        if plain != event.message:
            text += f"\nThe engine said: {event.message}"
        self._show_message(text, "error")
        if row is not None:
            self._follow = False
            self._select_row(row)
        if event.line is not None:
            self.stepFailed.emit(event.line, event.message)
        elif self._document is not None and event.step:
            lines = self._document.step_lines(event.step)
            if lines:
                self.stepFailed.emit(lines[0], plain)
        self._record("failed", None, event.message)

    def _record(self, outcome: str, image_id: str | None, message: str) -> None:
        request = self._request
        if request is None:
            return
        now = time.monotonic()
        steps = [StepRecord(s.number, s.total, s.instruction, s.status.value,
                            round(s.duration(now), 3), s.container, s.layer, len(s.lines),
                            s.layer_size) for s in self.steps.steps]
        record = BuildRecord(
            dockerfile=self._dockerfile_key or str(request.dockerfile_path or ""),
            context=str(request.context_dir), tags=list(request.tags),
            options={"build_args": request.build_args, "target": request.target,
                     "no_cache": request.no_cache, "pull": request.pull,
                     "labels": request.labels, "platform": request.platform},
            outcome=outcome, started_at=self._started_wall,
            total=round(time.time() - self._started_wall, 3), steps=steps,
            image_id=image_id, message=message)
        self._ctx.tasks.call(self.history.add, record, description="Recording the build")

    def _on_failed(self, message: str, exc: BaseException) -> None:
        self._show_message(f"Build could not run: {message}", "error")
        if is_connection_lost(exc):
            self._ctx.engine.report_lost(message)

    def _on_finished(self) -> None:
        self._job = None
        self._tick.stop()
        self.steps.tick()
        self._fit_columns()
        self._update_buttons()
        self.buildEnded.emit()

    # --- history ---------------------------------------------------------
    @Slot()
    def show_history(self) -> None:
        job = self._ctx.tasks.call(self.history.records, description="Reading the build history")
        job.succeeded.connect(self._open_history)

    def _open_history(self, records: list[BuildRecord]) -> None:
        dialog = HistoryDialog(records, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.history_dialog = dialog

    # --- view helpers ----------------------------------------------------
    @Slot()
    def _on_tick(self) -> None:
        self.steps.tick()
        self._ticks += 1
        if self._ticks % 10 == 0:  # durations and pull progress grow: once a second
            self._fit_columns()

    def _fit_columns(self, grow_only: bool = True) -> None:
        """Fit the columns to their contents, one column per event-loop turn: each fit
        asks every row for its size (calls into Python), so doing all at once in one
        turn would be a stall of its own. During a build columns only grow, so a column
        the user widened stays as wide; a new build starts from a tight fit."""
        if self._columns_to_fit:  # a fit is under way and will see the latest contents
            self._fit_grow_only = self._fit_grow_only and grow_only
            return
        self._fit_grow_only = grow_only
        self._columns_to_fit = [c for c in range(self.steps.columnCount())
                                if c not in (StepsModel.COL_INSTRUCTION, StepsModel.COL_TIMELINE)]
        QTimer.singleShot(0, self._fit_next_column)

    @Slot()
    def _fit_next_column(self) -> None:
        if not self._columns_to_fit:
            return
        col = self._columns_to_fit.pop(0)
        header = self.timeline.header()
        needed = max(self.timeline.sizeHintForColumn(col), header.sectionSizeHint(col))
        room = _ROOM.get(col)
        if room is not None:  # growing numbers must not be elided between two fits
            needed = max(needed, self.timeline.fontMetrics().horizontalAdvance(room) + 16)
        if self._fit_grow_only:
            needed = max(needed, header.sectionSize(col))
        header.resizeSection(col, needed)
        if self._columns_to_fit:
            QTimer.singleShot(0, self._fit_next_column)

    def _show_message(self, text: str, kind: str) -> None:
        colours = {"error": "#b71c1c", "warning": "#e65100", "success": "#1b5e20",
                   "info": "palette(text)", "engine": "#e65100"}
        self.message.setProperty("kind", kind)
        self.message.setStyleSheet(f"QLabel {{ color: {colours[kind]}; padding: 4px; }}")
        self.message.setText(text)
        self.message.show()

    def _select_row(self, row: int) -> None:
        sel = self.timeline.selectionModel()
        index = self.steps.index_of_step(row)
        if sel.currentIndex() == index and sel.isSelected(index):
            return
        sel.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                            | QItemSelectionModel.SelectionFlag.Rows)
        self.timeline.scrollTo(index)

    def _on_step_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = [self.steps.step_of(i) for i in selected.indexes()]
        steps = [r for r in rows if r is not None]
        self.log.show_step(min(steps) if steps else None)

    def _on_step_clicked(self) -> None:
        # The user picked a step: stop jumping to the running one, show its lines.
        self._follow = False
        row = self.steps.step_of(self.timeline.currentIndex())
        if row is not None and self._document is not None:
            lines = self._document.step_lines(self.steps.steps[row].number)
            if lines:
                self.stepLinesSelected.emit(*lines)

    def _remember_tail(self) -> None:
        bar = self.log_view.verticalScrollBar()
        self._at_bottom = bar.value() >= bar.maximum() - 2

    def _follow_tail(self) -> None:
        if self._at_bottom and not self._scroll_pending.isActive():
            self._scroll_pending.start()  # scrolled up by the user: leave them there

    @Slot()
    def find_next(self) -> None:
        current = self.log_view.currentIndex().row()
        row = self.log.find(self.search_edit.text(), current)
        if row is not None:
            index = self.log.index(row)
            self.log_view.setCurrentIndex(index)
            self.log_view.scrollTo(index)

    @Slot()
    def copy_selected_lines(self) -> None:
        rows = [i.row() for i in self.log_view.selectionModel().selectedIndexes()]
        text = self.log.text_of(rows) if rows else self.log.all_text()
        QGuiApplication.clipboard().setText(text)

    @Slot()
    def save_log(self) -> None:
        target = self._ctx.interaction.choose_save_file(self, Path.home() / "build.log")
        if target is None:
            return
        text = whole_log(self.steps)
        job = self._ctx.tasks.call(target.write_text, text, "utf-8",
                                   description=f"Saving the build log to {target}")
        job.succeeded.connect(lambda _n: self._show_message(f"Log saved to {target}", "info"))

    def _show_command(self) -> None:
        current = self.current_request()
        if current is None:
            return
        command = build_command(current[0])
        QGuiApplication.clipboard().setText(command)
        self._show_message(f"Equivalent command (copied): {command}", "info")
