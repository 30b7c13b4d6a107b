"""The main window: editor in the middle, build and images on the right, and docks
for the stage outline, the problems list, the template gallery and the
build-context check.

Construction reads top to bottom: widgets, layout, docks, actions, wiring,
then the start-up text (a recovered one if the last session died).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from ui.containers.panel import ContainersPanel
from ui.context import AppContext
from ui.editor.context_panel import ContextCheckPanel
from ui.editor.diagnostics import DiagnosticsRunner
from ui.editor.editor import DockerfileEditor
from ui.editor.outline import OutlineView
from ui.editor.problems import ProblemsPanel
from ui.editor.templates import TemplateGallery
from ui.icons import icon
from ui.images.panel import ImagesPanel
from ui.interaction import SaveChoice
from ui.layers import LayerInspector
from ui.picker.panel import BaseImagePicker
from ui.timeline.panel import BuildPanel
from workbench import APP_NAME
from workbench.build.request import BuildRequest
from workbench.catalogue import CatalogueError, load_catalogue
from workbench.containers import ContainerSpec
from workbench.dockerfile import Diagnostic, Document, parse
from workbench.dockerfile.check import CheckResult
from workbench.dockerfile.files import RecentFiles, RecoveryStore
from workbench.dockerfile.templates import Template
from workbench.engine import EngineInfo

TEMPLATE = "alpine-hello.Dockerfile"
AUTOSAVE_MS = 2000
CONTEXT_CHECK_MS = 800


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setAccessibleName(APP_NAME)
        self._ctx = ctx
        self.path: Path | None = None
        self._inspectors: list[LayerInspector] = []
        self._built_refs: set[str] = set()
        self._built_document: Document | None = None
        self._disk_text: str | None = None  # what the file held when we last read/wrote it
        self._context_document: Document | None = None  # last text the context was checked for

        self.editor = DockerfileEditor()
        self.editor.images = _catalogue_images(ctx)
        self.build_panel = BuildPanel(ctx)
        self.build_panel.request_factory = self.build_request
        self.images = ImagesPanel(ctx)
        self.containers = ContainersPanel(ctx, self.images.events)
        self.picker = BaseImagePicker(ctx, self.editor)
        self.outline = OutlineView()
        self.problems = ProblemsPanel()
        self.templates = TemplateGallery(ctx.resources / "templates")
        self.context_check = ContextCheckPanel(ctx)
        self.diagnostics = DiagnosticsRunner(ctx, self.editor)
        self.recovery = RecoveryStore(ctx.dirs.data / "recovery")
        self.recent = RecentFiles(ctx.dirs.config / "recent-files.json")
        self.watcher = QFileSystemWatcher(self)

        self._make_layout()
        self._make_docks()
        self._make_status_bar()
        self._make_actions()
        self._wire()

        self.setAcceptDrops(True)
        self.editor.setPlainText((ctx.resources / "templates" / TEMPLATE).read_text("utf-8"))
        self.editor.document().setModified(False)
        self._update_title()
        self._show_engine_problem(*ctx.engine.problem)
        self.resize(1280, 800)
        self.offer_recovery()

    # --- construction ----------------------------------------------------
    def _make_layout(self) -> None:
        self.lower_tabs = QTabWidget()
        self.lower_tabs.setObjectName("lowerTabs")
        self.lower_tabs.setAccessibleName("Images and containers")
        self.lower_tabs.addTab(self.images, "Images")
        self.lower_tabs.addTab(self.containers, "Containers")
        self.lower_tabs.addTab(self.picker, "Base images")  # its size columns need the width
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.build_panel)
        right.addWidget(self.lower_tabs)
        right.setSizes([420, 260])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.editor)
        main.addWidget(right)
        main.setSizes([520, 640])
        self.setCentralWidget(main)

    def _dock(self, name: str, title: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.outline_dock = self._dock("outlineDock", "Stages", self.outline, left)
        self.templates_dock = self._dock("templatesDock", "New from template",
                                         self.templates, left)
        self.tabifyDockWidget(self.outline_dock, self.templates_dock)
        self.outline_dock.raise_()
        self.problems_dock = self._dock("problemsDock", "Problems", self.problems, bottom)
        self.context_dock = self._dock("contextDock", "Build context", self.context_check,
                                       bottom)

        self.resizeDocks([self.outline_dock], [230], Qt.Orientation.Horizontal)
        self.resizeDocks([self.problems_dock], [170], Qt.Orientation.Vertical)

    def _make_status_bar(self) -> None:
        self.engine_status = QLabel()
        self.engine_status.setObjectName("engineStatus")
        self.engine_status.setAccessibleName("Docker engine status")
        self.engine_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.engine_status, 1)

    def _make_actions(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)

        def action(name: str, text: str, icon_name: str, slot: object,
                   shortcut: QKeySequence | QKeySequence.StandardKey | None = None) -> QAction:
            act = QAction(icon(icon_name), text, self)
            act.setObjectName(name)
            if shortcut is not None:
                act.setShortcut(shortcut)
            act.triggered.connect(slot)
            bar.addAction(act)
            self.addAction(act)
            return act

        self.new_action = action("newFromTemplateAction", "New…", "new", self.show_templates,
                                 QKeySequence(QKeySequence.StandardKey.New))
        self.open_action = action("openFileAction", "Open…", "open", self.choose_and_open,
                                  QKeySequence(QKeySequence.StandardKey.Open))
        self.recent_menu = QMenu("Open Recent", self)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        recent_button = QToolButton()
        recent_button.setObjectName("recentFilesButton")
        recent_button.setAccessibleName("Open a recent Dockerfile")
        recent_button.setText("Recent")
        recent_button.setMenu(self.recent_menu)
        recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(recent_button)
        self.save_action = action("saveFileAction", "Save", "save", self.save,
                                  QKeySequence(QKeySequence.StandardKey.Save))
        self.save_as_action = action("saveFileAsAction", "Save As…", "save", self.save_as,
                                     QKeySequence(QKeySequence.StandardKey.SaveAs))
        self.reconnect_action = action("reconnectAction", "Reconnect", "reconnect",
                                       self._ctx.engine.reconnect)
        self.check_action = QAction("Check now", self)
        self.check_action.setObjectName("checkDockerfileAction")
        self.check_action.setShortcut(QKeySequence("F7"))
        self.check_action.triggered.connect(self.diagnostics.run_now)
        self.addAction(self.check_action)

    def _wire(self) -> None:
        ctx, editor = self._ctx, self.editor
        editor.document().modificationChanged.connect(self.setWindowModified)
        editor.textChanged.connect(editor.clear_marks)
        editor.textChanged.connect(self._autosave_timer_start)
        editor.fileDropped.connect(self.open_dropped)
        self.diagnostics.checked.connect(self._on_analysed)  # own checks: at once
        self.diagnostics.analysed.connect(self._on_analysed)  # then with hadolint's
        self.diagnostics.notice.connect(self._on_notice)
        self.problems.chosen.connect(self._go_to_problem)
        self.problems.fixRequested.connect(self._apply_fix)
        self.outline.lineChosen.connect(editor.go_to)
        self.templates.chosen.connect(self.new_from_template)
        self.context_check.lineChosen.connect(editor.go_to)
        self.watcher.fileChanged.connect(self._on_file_changed)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._context_timer = QTimer(self)
        self._context_timer.setSingleShot(True)
        self._context_timer.setInterval(CONTEXT_CHECK_MS)
        self._context_timer.timeout.connect(self.check_context)
        self.build_panel.context_edit.textChanged.connect(self._context_timer.start)

        ctx.engine.connected.connect(self._on_engine_connected)
        ctx.engine.disconnected.connect(self._on_engine_lost)
        ctx.tasks.errorOccurred.connect(self._on_task_error)
        self.build_panel.buildSucceeded.connect(self.images.refresh)
        self.build_panel.stepFailed.connect(editor.mark_line)
        self.build_panel.stepLinesSelected.connect(self._select_lines)
        self.picker.pullFinished.connect(self.images.refresh)
        self.picker.imageUsed.connect(
            lambda ref: self.statusBar().showMessage(f"FROM set to {ref} (Ctrl+Z undoes it)",
                                                     8000))
        self.images.runRequested.connect(self._run_in_console)
        self.images.inspectRequested.connect(self.open_inspector)
        self.build_panel.buildSucceeded.connect(self._remember_build)
        self.images.actionDone.connect(self._show_done)
        self.containers.actionDone.connect(self._show_done)

    # --- engine --------------------------------------------------------
    @Slot(object)
    def _on_engine_connected(self, info: EngineInfo) -> None:
        self.engine_status.setText(f"Connected: {info.summary} ({info.source})")
        self.engine_status.setToolTip(info.summary)
        self.build_panel.set_engine_state(True)
        self.images.refresh()

    @Slot(str, str)
    def _on_engine_lost(self, message: str, advice: str) -> None:
        self._show_engine_problem(message, advice)
        self.images.clear()
        self.containers.clear()

    def _run_in_console(self, spec: ContainerSpec) -> None:
        self.lower_tabs.setCurrentWidget(self.containers)
        self.containers.run(spec)

    def open_inspector(self, reference: str) -> LayerInspector:
        """Look inside an image, in a window of its own (several may be open)."""
        inspector = LayerInspector(self._ctx)
        inspector.setWindowTitle(f"Layers of {reference} — {APP_NAME}")
        inspector.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        inspector.resize(1400, 860)
        self._inspectors.append(inspector)
        inspector.destroyed.connect(lambda *_: self._inspectors.remove(inspector)
                                    if inspector in self._inspectors else None)
        inspector.lineChosen.connect(self.editor.go_to)
        inspector.show()
        # Only an image this editor just built may map its history rows to lines.
        built = reference in self._built_refs or reference.removeprefix("sha256:") in {
            r.removeprefix("sha256:") for r in self._built_refs}
        inspector.inspect(reference, self._built_document if built else None)
        return inspector

    def _remember_build(self, image_id: str, tags: list[str]) -> None:
        self._built_refs = {image_id, *tags}
        self._built_document = parse(self.build_panel.last_text)

    def _show_done(self, command: str) -> None:
        self.statusBar().showMessage(f"Done: {command}", 8000)

    def _show_engine_problem(self, message: str, advice: str) -> None:
        text = f"{message} {advice}".strip()
        self.engine_status.setText(f"Not connected: {text}" if advice else text)
        self.engine_status.setToolTip(text)
        self.build_panel.set_engine_state(False, text)

    def _on_task_error(self, description: str, message: str) -> None:
        self.statusBar().showMessage(f"{description} failed: {message}", 10000)

    # --- diagnostics, outline, context ----------------------------------
    def _on_analysed(self, result: CheckResult) -> None:
        self.problems.set_diagnostics(result.diagnostics)
        self.outline.outline.set_document(result.document)
        self.build_panel.set_document(result.document)
        if result.document is not self._context_document:
            self._context_document = result.document
            self._context_timer.start()

    def _on_notice(self, text: str) -> None:
        self.problems.show_notice(text)
        self.statusBar().showMessage(text, 15000)

    def _go_to_problem(self, d: Diagnostic) -> None:
        self.editor.go_to(d.line, d.start, d.end)

    def _apply_fix(self, d: Diagnostic) -> None:
        if d.fix is not None:
            self.editor.apply_fix(d.fix)
            self.diagnostics.run_now()

    def _select_lines(self, first: int, last: int) -> None:
        self.editor.go_to(first)
        cursor = self.editor.textCursor()
        block = self.editor.document().findBlockByNumber(max(first, last) - 1)
        if block.isValid():
            cursor.setPosition(block.position() + block.length() - 1, cursor.MoveMode.KeepAnchor)
            self.editor.setTextCursor(cursor)

    @Slot()
    def check_context(self) -> None:
        self.context_check.check(self.build_panel.context_dir(), self.editor.parsed)

    # --- build ---------------------------------------------------------
    def build_request(self) -> tuple[BuildRequest, Document]:
        text = self.editor.toPlainText()
        saved_as = self.path if self.path and not self.editor.document().isModified() else None
        request = BuildRequest(
            context_dir=self.build_panel.context_dir(),
            dockerfile_text=text,
            tags=self.build_panel.tags(),
            dockerfile_path=saved_as,
        )
        return request, parse(text)

    # --- files ---------------------------------------------------------
    def _update_title(self) -> None:
        name = str(self.path) if self.path else "Untitled Dockerfile"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")

    @Slot()
    def show_templates(self) -> None:
        self.templates_dock.show()
        self.templates_dock.raise_()
        self.templates.view.setFocus()

    def new_from_template(self, template: Template) -> bool:
        if not self._may_discard():
            return False
        self._set_path(None)
        self.editor.setPlainText(template.text())
        self.editor.document().setModified(False)
        self.recovery.discard()
        self._update_title()
        return True

    @Slot()
    def choose_and_open(self) -> None:
        if not self._may_discard():
            return
        start = self.path.parent if self.path else Path.home()
        chosen = self._ctx.interaction.choose_open_file(self, start)
        if chosen is not None:
            self.open_file(chosen)

    def open_dropped(self, path: Path) -> bool:
        return self._may_discard() and self.open_file(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_dropped(files[0])

    def open_file(self, path: Path) -> bool:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._ctx.interaction.show_error(
                self, "Could not open", f"{path}: {exc}. Check that it is a text file you "
                "may read.")
            return False
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        self._disk_text = text
        self._set_path(path)
        self.build_panel.set_context_dir(path.parent)
        self.build_panel.set_dockerfile_key(str(path))
        self.recent.add(path)
        self.recovery.discard()
        self._update_title()
        return True

    def _set_path(self, path: Path | None) -> None:
        if self.watcher.files():
            self.watcher.removePaths(self.watcher.files())
        self.path = path
        self.diagnostics.cwd = path.parent if path else None
        if path is not None and path.exists():
            self.watcher.addPath(str(path))

    @Slot()
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    @Slot()
    def save_as(self) -> bool:
        start = self.path or Path.home() / "Dockerfile"
        chosen = self._ctx.interaction.choose_save_file(self, start)
        if chosen is None:
            return False
        return self.save_to(chosen)

    def save_to(self, path: Path) -> bool:
        """Write atomically: a crash mid-save must not leave half a Dockerfile."""
        tmp = path.with_name(f".{path.name}.saving")
        text = self.editor.toPlainText()
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self._ctx.interaction.show_error(
                self, "Could not save", f"{path}: {exc}. Your text is still in the editor.")
            return False
        first_save = self.path != path
        self._disk_text = text
        self._set_path(path)
        self.editor.document().setModified(False)
        self.recovery.discard()
        if first_save:
            self.build_panel.set_context_dir(path.parent)
            self.build_panel.set_dockerfile_key(str(path))
            self.recent.add(path)
        self._update_title()
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        if not paths:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        for path in paths:
            act = self.recent_menu.addAction(str(path))
            act.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))

    def open_recent(self, path: Path) -> bool:
        return self._may_discard() and self.open_file(path)

    @Slot(str)
    def _on_file_changed(self, name: str) -> None:
        path = Path(name)
        if self.path is None or path != self.path:
            return
        if path.exists() and str(path) not in self.watcher.files():
            self.watcher.addPath(str(path))  # replaced atomically: watch the new file
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return  # deleted or mid-write; the text stays in the editor
        if text == self._disk_text:
            return  # our own save, or a touch that changed nothing
        self._disk_text = text
        unsaved = " Your unsaved changes here would be lost." if (
            self.editor.document().isModified()) else ""
        if self._ctx.interaction.confirm(
                self, "File changed on disk",
                f"{path.name} was changed by another program. Reload it?{unsaved}"):
            cursor_line = self.editor.textCursor().blockNumber() + 1
            self.editor.setPlainText(text)
            self.editor.document().setModified(False)
            self.editor.go_to(cursor_line)
        else:
            self.editor.document().setModified(True)  # the disk no longer has this text

    # --- recovery ------------------------------------------------------
    def _autosave_timer_start(self) -> None:
        if self.editor.document().isModified():
            self._autosave.start()

    @Slot()
    def autosave(self) -> None:
        """Unsaved text goes to the recovery file (small and local: on this thread)."""
        if not self.editor.document().isModified():
            return
        try:
            self.recovery.save(self.editor.toPlainText(), self.path)
        except OSError as exc:
            self.statusBar().showMessage(f"Could not write the recovery copy: {exc}", 10000)

    def offer_recovery(self) -> bool:
        """After a crash or kill: offer back the text the last session did not save."""
        left = self.recovery.left_behind()
        if not left:
            return False
        newest = left[0]
        name = str(newest.path) if newest.path else "an untitled Dockerfile"
        restore = self._ctx.interaction.confirm(
            self, "Restore unsaved text?",
            f"The app was closed without saving changes to {name}. Restore that text?")
        for found in left:
            found.file.unlink(missing_ok=True)
        if not restore:
            return False
        if newest.path is not None and newest.path.exists():
            self._set_path(newest.path)
            try:
                self._disk_text = newest.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._disk_text = None
            self.build_panel.set_context_dir(newest.path.parent)
        self.editor.setPlainText(newest.text)
        self.editor.document().setModified(True)
        self.recovery.save(newest.text, self.path)
        self._update_title()
        return True

    def _may_discard(self) -> bool:
        if not self.editor.document().isModified():
            return True
        name = self.path.name if self.path else "Untitled Dockerfile"
        choice = self._ctx.interaction.ask_save_changes(self, name)
        if choice == SaveChoice.SAVE:
            return self.save()
        return choice == SaveChoice.DISCARD

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.build_panel.is_building and not self._ctx.interaction.confirm(
                self, "A build is running", "Cancel the running build and close?"):
            event.ignore()
            return
        if not self._may_discard():
            event.ignore()
            return
        self.build_panel.cancel()
        self.images.events.close()  # and do not restart it: we are going
        for inspector in list(self._inspectors):
            inspector.close()
        self._autosave.stop()
        self.recovery.discard()  # closed on purpose: nothing to recover
        event.accept()


def _catalogue_images(ctx: AppContext) -> list[str]:
    """Base images offered after FROM: the picker's catalogue, recommended tags first."""
    try:
        catalogue = load_catalogue(ctx.resources / "catalogue")
    except (CatalogueError, OSError):
        return []
    return [entry.reference(tag) for entry in catalogue.entries for tag in entry.tags[:3]]
