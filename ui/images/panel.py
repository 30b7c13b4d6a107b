"""The image list: ``docker images`` live from the engine's events, with its actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.icons import icon
from ui.images.dialogs import CreateContainerDialog, PullDialog, PushDialog, TagDialog
from ui.images.events import EventFollower, guarded
from ui.images.model import ImagesFilter, ImagesModel
from ui.worker import Job
from workbench import commands
from workbench.containers import ContainerSpec
from workbench.credentials import Credentials
from workbench.engine_events import EngineEvent, affected_images
from workbench.explain import is_connection_lost
from workbench.formatting import human_size
from workbench.images import (
    CREATE,
    INSPECT,
    PRUNE,
    PULL,
    PUSH,
    REMOVE,
    RUN,
    TAG,
    UNTAG,
    DiskUsage,
    ImageInUse,
    ImageRow,
    ImageUpdate,
    PruneResult,
    RemoveResult,
    available_actions,
    describe_in_use,
    disk_usage,
    list_images,
    prune_images,
    remove_image,
    tag_image,
    untag_image,
    update_images,
)

AGE_REFRESH_MS = 30_000
USAGE_DELAY_MS = 800  # disk use is slow to compute: once after a burst, not per event
# Events are gathered this long before the list is re-read: a burst (a script tagging
# in a loop) becomes a few updates instead of one per event, and a lone event still
# shows within a blink.
EVENT_GATHER_MS = 120


class ImagesPanel(QWidget):
    """Signals:
    refreshed(int): the list was filled from the engine, with this many rows.
    updated(): rows changed through events (incrementally).
    actionDone(str): an action finished; its equivalent docker command line.
    actionFailed(str): an action failed; the plain-words reason.
    runRequested(object): Run was accepted: a ContainerSpec for the console to run.
    inspectRequested(str): the user asked to look inside an image (a reference or id).
    """

    refreshed = Signal(int)
    updated = Signal()
    actionDone = Signal(str)
    actionFailed = Signal(str)
    runRequested = Signal(object)
    inspectRequested = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None,
                 credentials: Credentials | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imagesPanel")
        self._ctx = ctx
        self.credentials = credentials or Credentials()
        self._job: Job | None = None
        self._again = False
        self._update_job: Job | None = None
        self._pending_images: set[str] = set()
        self._pending_containers = False
        self.usage: DiskUsage | None = None
        self.count_text = ""
        self.last_prune: PruneResult | None = None
        self.tag_dialog: TagDialog | None = None
        self.create_dialog: CreateContainerDialog | None = None
        self.push_dialog: PushDialog | None = None
        self.pull_dialog: PullDialog | None = None

        self.model = ImagesModel(self)
        self.proxy = ImagesFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setObjectName("imageList")
        self.view.setAccessibleName("Images in the engine")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(ImagesModel.COL_CREATED, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().hide()
        # Fixed row heights: the view never measures 1,000 rows to lay them out.
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(
            self.view.fontMetrics().height() + 8)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(lambda _i: self.tag_selected())
        header = self.view.horizontalHeader()
        # Fixed widths: ResizeToContents measures every row on each change (slow at 1,000).
        # The names keep a readable width and the last column takes what is left; in a
        # narrow window the table scrolls sideways instead of eliding every name.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in ((ImagesModel.COL_REPO, 250), (ImagesModel.COL_TAG, 90),
                           (ImagesModel.COL_ID, 110),
                           (ImagesModel.COL_CREATED, 120), (ImagesModel.COL_SIZE, 70),
                           (ImagesModel.COL_CONTAINERS, 80)):
            self.view.setColumnWidth(col, width)

        self.title = QLabel("<b>Images</b>")
        self.status = QLabel()
        self.status.setObjectName("imageListStatus")
        self.totals = QLabel()
        self.totals.setObjectName("imageTotals")
        self.totals.setAccessibleName("Image count and disk use")
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("imageFilterEdit")
        self.filter_edit.setAccessibleName("Filter images by name, tag or id")
        self.filter_edit.setPlaceholderText("Filter by name, tag or id")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.dangling_check = QCheckBox("Dangling")
        self.dangling_check.setObjectName("showDanglingCheck")
        self.dangling_check.setAccessibleName("Show dangling images (no tag)")
        self.dangling_check.setToolTip("Show images no tag points at (<none>), such as old "
                                       "builds")
        self.dangling_check.toggled.connect(self.proxy.set_show_dangling)

        self.toolbar = QToolBar("Image actions")
        self.toolbar.setObjectName("imageToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.actions_by_name: dict[str, QAction] = {}
        self._make_actions()

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.dangling_check)
        top.addWidget(self.toolbar)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.totals)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

        self._ages = QTimer(self)
        self._ages.setInterval(AGE_REFRESH_MS)
        self._ages.timeout.connect(self.model.refresh_ages)
        self._ages.start()
        self._usage_timer = QTimer(self)
        self._usage_timer.setSingleShot(True)
        self._usage_timer.setInterval(USAGE_DELAY_MS)
        self._usage_timer.timeout.connect(self.refresh_usage)
        self._gather = QTimer(self)
        self._gather.setSingleShot(True)
        self._gather.setInterval(EVENT_GATHER_MS)
        self._gather.timeout.connect(self._run_update)

        self.events = EventFollower(ctx, self)
        self.events.events.connect(self._on_events)
        self.events.restarted.connect(self._on_events_restarted)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.rowsRemoved.connect(self._update_actions)
        self._update_actions()

    # --- actions -----------------------------------------------------------------
    def _make_actions(self) -> None:
        def make(key: str, name: str, text: str, icon_name: str, slot: Callable[[], None],
                 shortcut: QKeySequence | None = None, tip: str = "") -> QAction:
            act = QAction(icon(icon_name), text, self)
            act.setObjectName(name)
            act.setToolTip(tip or text)
            act.setStatusTip(tip or text)
            if shortcut is not None:
                act.setShortcut(shortcut)
                # Keys act only while the list has focus, so the editor keeps its own.
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(lambda _checked=False: slot())
            self.actions_by_name[key] = act
            self.addAction(act)
            return act

        seq = QKeySequence
        make(TAG, "tagImageAction", "Tag…", "tag", self.tag_selected, seq("Ctrl+T"),
             "Add a tag to the selected image (docker tag)")
        make(UNTAG, "untagImageAction", "Untag", "untag", self.untag_selected, seq("Ctrl+U"),
             "Remove the selected tags; the image stays under its other tags (docker rmi)")
        make(REMOVE, "removeImageAction", "Remove…", "remove", self.remove_selected,
             seq(seq.StandardKey.Delete), "Remove the selected images (docker rmi)")
        make(CREATE, "createContainerAction", "Create container…", "create",
             lambda: self.create_container(run=False), seq("Ctrl+Shift+N"),
             "Create a container from the selected image (docker create)")
        make(RUN, "runContainerAction", "Run…", "run", lambda: self.create_container(run=True),
             seq("Ctrl+R"), "Run a container from the selected image and show its output "
             "(docker run)")
        make(INSPECT, "inspectImageAction", "Inspect layers", "inspect", self.inspect_selected,
             seq("Ctrl+I"), "Look inside the selected image's layers: files, sizes, waste")
        make(PUSH, "pushImageAction", "Push…", "push", self.push_selected, seq("Ctrl+Shift+P"),
             "Push tags to registries (docker push)")
        make(PULL, "pullImageAction", "Pull…", "pull", self.pull, seq("Ctrl+Shift+L"),
             "Pull an image from a registry (docker pull)")
        make("prune_dangling", "pruneDanglingAction", "Prune dangling…", "prune",
             lambda: self.prune(all_unused=False), None,
             "Remove images no tag points at (docker image prune)")
        make("prune_all", "pruneUnusedAction", "Prune all unused…", "prune",
             lambda: self.prune(all_unused=True), None,
             "Remove every image no container uses, tagged or not (docker image prune -a)")
        make("refresh", "refreshImagesAction", "Refresh", "refresh", self.refresh,
             seq(seq.StandardKey.Refresh), "Read the image list again")
        for key in (TAG, UNTAG, REMOVE, CREATE, RUN, INSPECT, PUSH, PULL):
            self.toolbar.addAction(self.actions_by_name[key])
        prune_menu = QMenu("Prune", self)
        prune_menu.setObjectName("pruneMenu")
        prune_menu.addAction(self.actions_by_name["prune_dangling"])
        prune_menu.addAction(self.actions_by_name["prune_all"])
        prune_action = prune_menu.menuAction()
        prune_action.setIcon(icon("prune"))
        prune_action.setObjectName("pruneImagesAction")
        prune_action.setToolTip("Prune images: dangling, or all unused, with the space freed")
        self.toolbar.addAction(prune_action)
        self.actions_by_name[PRUNE] = prune_action
        self.toolbar.addAction(self.actions_by_name["refresh"])
        self.refresh_button = self.toolbar.widgetForAction(self.actions_by_name["refresh"])
        self.refresh_button.setObjectName("refreshImagesButton")
        self.refresh_button.setAccessibleName("Refresh the image list")
        for key, act in self.actions_by_name.items():
            widget = self.toolbar.widgetForAction(act)
            if widget is not None and key != "refresh":
                widget.setAccessibleName(act.toolTip())

    @Slot()
    def inspect_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            row = rows[0]
            self.inspectRequested.emit(row.image_id if row.dangling else row.reference)

    def selected_rows(self) -> list[ImageRow]:
        rows = []
        for index in self.view.selectionModel().selectedRows():
            source = self.proxy.mapToSource(index)
            if 0 <= source.row() < len(self.model.rows):
                rows.append(self.model.rows[source.row()])
        return rows

    @Slot()
    def _update_actions(self, *_args: Any) -> None:
        allowed = available_actions(self.selected_rows(), self.model.rows)
        connected = self._ctx.engine.engine is not None
        for key, act in self.actions_by_name.items():
            base = key if key in (TAG, UNTAG, REMOVE, CREATE, RUN, INSPECT, PUSH, PULL) else PRUNE
            act.setEnabled(connected and (key == "refresh" or base in allowed))

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("imageContextMenu")
        for key in (TAG, UNTAG, REMOVE, None, CREATE, RUN, INSPECT, None, PUSH, PULL, None,
                    "prune_dangling", "prune_all"):
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions_by_name[key])
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _done(self, line: str) -> None:
        self.status.setText(f"Done: {line}")
        self.actionDone.emit(line)

    def _failed(self, title: str, message: str) -> None:
        self.status.setText(f"{title}: {message}")
        self.actionFailed.emit(message)
        self._ctx.interaction.show_error(self, title, message)

    def _call(self, fn: Callable[..., Any], *args: Any, description: str,
              done: Callable[[Any], None], title: str) -> Job | None:
        engine = self._ctx.engine.engine
        if engine is None:
            self.status.setText("No engine connected.")
            return None
        job = self._ctx.tasks.call(fn, engine.api, *args, description=description,
                                   report_errors=False)
        job.succeeded.connect(guarded(self, done))
        job.failed.connect(guarded(self, lambda message, exc: self._on_action_failed(
            title, message, exc)))
        return job

    def _on_action_failed(self, title: str, message: str, exc: BaseException) -> None:
        self._failed(title, message)
        if is_connection_lost(exc):
            self._ctx.engine.report_lost(message)

    # Tag
    def tag_selected(self) -> None:
        rows = self.selected_rows()
        if TAG not in available_actions(rows, self.model.rows):
            return
        source = rows[0]
        dialog = TagDialog(source, self, self.model.rows)
        dialog.accepted.connect(lambda: self._do_tag(source, dialog.target()))
        self.tag_dialog = dialog
        dialog.open()

    def _do_tag(self, source: ImageRow, target: str) -> None:
        source_name = source.image_id if source.dangling else source.reference
        line = commands.tag_command(source_name, target)
        self._call(tag_image, source_name, target, description=f"Tagging {target}",
                   done=lambda _r: self._done(line), title="Could not tag")

    # Untag / remove
    def untag_selected(self) -> None:
        rows = [r for r in self.selected_rows() if not r.dangling]
        if UNTAG not in available_actions(rows, self.model.rows):
            return
        refs = [r.reference for r in rows]
        line = commands.rmi_command(refs)
        for ref in refs:
            self._call(untag_image, ref, description=f"Untagging {ref}",
                       done=lambda _r: self._done(line), title="Could not untag")

    def remove_selected(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        names = [r.short_id if r.dangling else r.reference for r in rows]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        line = commands.rmi_command(names)
        if not self._ctx.interaction.confirm(
                self, "Remove images",
                f"Remove {shown}? Tags of the same image that are not selected stay.\n\n"
                f"Command: {line}"):
            return
        for row, name in zip(rows, names, strict=True):
            self._remove_one(row, name, force=False, remove_containers=False)

    def _remove_one(self, row: ImageRow, name: str, force: bool,
                    remove_containers: bool) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            return
        job = self._ctx.tasks.call(remove_image, engine.api, name, row.image_id, force,
                                   remove_containers, description=f"Removing {name}",
                                   report_errors=False)
        job.succeeded.connect(guarded(self, lambda result: self._on_removed(name, result,
                                                                            force)))
        job.failed.connect(guarded(self, lambda message, exc: self._on_remove_failed(
            row, name, message, exc)))

    def _on_removed(self, name: str, result: RemoveResult, force: bool) -> None:
        prefix = "".join(commands.rm_command(c, force=True) + " && "
                         for c in result.containers_removed)
        self._done(prefix + commands.rmi_command([name], force=force))

    def _on_remove_failed(self, row: ImageRow, name: str, message: str,
                          exc: BaseException) -> None:
        if isinstance(exc, ImageInUse):
            users = ", ".join(u.name for u in exc.users)
            line = " && ".join([*(commands.rm_command(u.name, force=True) for u in exc.users),
                                commands.rmi_command([name])])
            self.status.setText(describe_in_use(name, exc.users))
            if self._ctx.interaction.confirm(
                    self, "Image in use",
                    f"{describe_in_use(name, exc.users)}\n\nRemove {users} and then the "
                    f"image?\n\nCommand: {line}"):
                self._remove_one(row, name, force=False, remove_containers=True)
                return
            if not any(u.running for u in exc.users) and self._ctx.interaction.confirm(
                    self, "Force removal",
                    f"Remove {name} anyway and keep {users}? The container stays but "
                    "cannot be re-created from this image.\n\nCommand: "
                    f"{commands.rmi_command([name], force=True)}"):
                self._remove_one(row, name, force=True, remove_containers=False)
                return
            self.actionFailed.emit(str(exc))
            return
        self._on_action_failed("Could not remove", message, exc)

    # Prune
    def prune(self, all_unused: bool) -> None:
        usage = self.usage
        what = ("every image no container uses (tagged ones too)" if all_unused
                else "dangling images (no tag points at them)")
        hint = (f" Up to {human_size(usage.reclaimable)} can be freed by removing all "
                "unused images." if usage else "")
        line = commands.prune_command(all_unused)
        if not self._ctx.interaction.confirm(self, "Prune images",
                                             f"Remove {what}?{hint}\n\nCommand: {line}"):
            return
        self._call(prune_images, all_unused, description="Pruning images",
                   done=partial(self._on_pruned, line), title="Could not prune")

    def _on_pruned(self, line: str, result: PruneResult) -> None:
        self.last_prune = result
        self._done(line)
        self.status.setText(f"Pruned {len(result.deleted)} image layers, "
                            f"{len(result.untagged)} tags: {human_size(result.space_reclaimed)} "
                            f"freed ({result.space_reclaimed:,} bytes). {line}")
        # The rows go through the engine's delete events; the totals change now.
        self._usage_timer.start()

    # Containers
    def create_container(self, run: bool) -> None:
        rows = self.selected_rows()
        if CREATE not in available_actions(rows, self.model.rows):
            return
        row = rows[0]
        image = row.image_id if row.dangling else row.reference
        dialog = CreateContainerDialog(image, run=run, parent=self)
        dialog.accepted.connect(lambda: self._on_create_accepted(dialog.spec(), run))
        self.create_dialog = dialog
        dialog.open()

    def _on_create_accepted(self, spec: ContainerSpec, run: bool) -> None:
        if run:
            self.runRequested.emit(spec)
            return
        from workbench.containers import create_container

        line = commands.create_command(spec)
        self._call(create_container, spec, description=f"Creating a container of {spec.image}",
                   done=lambda _cid: self._done(line), title="Could not create the container")

    # Push / pull
    def push_selected(self) -> None:
        rows = [r for r in self.selected_rows() if not r.dangling]
        if not rows:
            return
        siblings = [r.reference for r in self.model.rows
                    if r.image_id in {s.image_id for s in rows} and not r.dangling]
        dialog = PushDialog(self._ctx, [r.reference for r in rows], siblings,
                            self.credentials, self)
        dialog.finishedPush.connect(lambda _ok: self._done(dialog.command_text()))
        self.push_dialog = dialog
        dialog.open()

    def pull(self) -> None:
        rows = [r for r in self.selected_rows() if not r.dangling]
        dialog = PullDialog(self._ctx, rows[0].reference if rows else "", self.credentials, self)
        self.pull_dialog = dialog
        dialog.open()

    # --- the list --------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            self.status.setText("No engine connected.")
            return
        if self._job is not None:
            self._again = True  # coalesce: one more refresh when this one ends
            return
        self.status.setText("Refreshing…")
        job = self._ctx.tasks.call(list_images, engine.api, True, description="Listing images",
                                   report_errors=False)
        job.succeeded.connect(self._on_rows)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)
        self._job = job
        self.events.start()  # idempotent: live updates from now on

    def _on_events_restarted(self) -> None:
        # The stream replays a little history, so a list read already under way is current.
        if self._job is None:
            self.refresh()

    def _on_rows(self, rows: list[ImageRow]) -> None:
        self.model.set_rows(rows)
        self._show_count()
        self._update_actions()
        self.refreshed.emit(len(rows))
        self._usage_timer.start()

    def _show_count(self) -> None:
        tagged = sum(1 for r in self.model.rows if not r.dangling)
        images = len({r.image_id for r in self.model.rows})
        dangling = len(self.model.rows) - tagged
        self.count_text = (f"{images} images, {tagged} tags"
                           + (f" ({dangling} dangling)" if dangling else ""))
        self._show_totals()
        if self.status.text() in ("Refreshing…", "No engine connected."):
            self.status.clear()

    def _show_totals(self) -> None:
        usage = self.usage
        text = self.count_text
        if usage is not None:
            share = f" ({100 * usage.reclaimable // usage.total}%)" if usage.total else ""
            text += (f" · {human_size(usage.total)} on disk · "
                     f"{human_size(usage.reclaimable)} reclaimable{share}")
        self.totals.setText(text)

    def _on_failed(self, message: str, exc: BaseException) -> None:
        self.status.setText(f"Could not list images: {message}")
        if is_connection_lost(exc):
            self._ctx.engine.report_lost(message)

    def _on_finished(self) -> None:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()

    def clear(self) -> None:
        self.events.stop()
        self.model.set_rows([])
        self.usage = None
        self.totals.clear()
        self._update_actions()
        self.status.setText("No engine connected: the list fills when one answers.")

    # --- live updates ----------------------------------------------------------
    @Slot(list)
    def _on_events(self, batch: list[EngineEvent]) -> None:
        images, containers = affected_images(batch)
        self._pending_images |= images
        self._pending_containers |= containers
        if not self._gather.isActive():
            self._gather.start()

    def _run_update(self) -> None:
        engine = self._ctx.engine.engine
        if self._update_job is not None or engine is None:
            return  # the running one is followed by another with what piled up
        if not self._pending_images and not self._pending_containers:
            return
        ids, self._pending_images = self._pending_images, set()
        self._pending_containers = False
        job = self._ctx.tasks.call(update_images, engine.api, sorted(ids),
                                   description="Updating the image list", report_errors=False)
        job.succeeded.connect(self._on_update)
        job.failed.connect(guarded(self, lambda message, exc: self._on_failed(message, exc)))
        job.finished.connect(self._on_update_finished)
        self._update_job = job

    def _on_update(self, update: ImageUpdate) -> None:
        self.model.apply_images(update.rows_by_image, update.counts)
        self._show_count()
        self._update_actions()
        self.updated.emit()
        self._usage_timer.start()

    def _on_update_finished(self) -> None:
        self._update_job = None
        if not self._gather.isActive():
            self._gather.start()  # what arrived meanwhile, gathered a little longer

    # --- totals ----------------------------------------------------------------
    @Slot()
    def refresh_usage(self) -> None:
        engine = self._ctx.engine.engine
        if engine is None:
            return
        job = self._ctx.tasks.call(disk_usage, engine.api, description="Measuring disk use",
                                   report_errors=False)
        job.succeeded.connect(self._on_usage)

    def _on_usage(self, usage: DiskUsage) -> None:
        self.usage = usage
        self._show_totals()
        self.totals.setToolTip(f"{usage.active} images in use by containers. Reclaimable: "
                               "what removing every unused image would free (docker system "
                               "df).")

    def current_index(self, reference: str) -> QModelIndex:
        row = self.model.row_for(reference)
        if row is None:
            return QModelIndex()
        return self.proxy.mapFromSource(self.model.index(row, 0))

    def select(self, *references: str) -> None:
        """Select these rows (by reference), for keyboard users and tests."""
        selection = self.view.selectionModel()
        selection.clearSelection()
        for ref in references:
            index = self.current_index(ref)
            if index.isValid():
                selection.select(index, QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)

