"""The main window: editor on the left, build and images on the right."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QToolBar, QWidget

from ui.context import AppContext
from ui.editor.editor import DockerfileEditor
from ui.icons import icon
from ui.images.panel import ImagesPanel
from ui.interaction import SaveChoice
from ui.timeline.panel import BuildPanel
from workbench import APP_NAME
from workbench.build.request import BuildRequest
from workbench.dockerfile import Document, parse
from workbench.engine import EngineInfo

TEMPLATE = "alpine-hello.Dockerfile"


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setAccessibleName(APP_NAME)
        self._ctx = ctx
        self.path: Path | None = None

        self.editor = DockerfileEditor()
        self.build_panel = BuildPanel(ctx)
        self.build_panel.request_factory = self.build_request
        self.images = ImagesPanel(ctx)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.build_panel)
        right.addWidget(self.images)
        right.setSizes([420, 260])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.editor)
        main.addWidget(right)
        main.setSizes([430, 670])
        self.setCentralWidget(main)

        self.engine_status = QLabel()
        self.engine_status.setObjectName("engineStatus")
        self.engine_status.setAccessibleName("Docker engine status")
        self.engine_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.engine_status, 1)

        self._make_actions()
        self.editor.setPlainText((ctx.resources / "templates" / TEMPLATE).read_text("utf-8"))
        self.editor.document().setModified(False)
        self.editor.document().modificationChanged.connect(self.setWindowModified)
        self.editor.textChanged.connect(self.editor.clear_marks)
        self._update_title()

        ctx.engine.connected.connect(self._on_engine_connected)
        ctx.engine.disconnected.connect(self._on_engine_lost)
        ctx.tasks.errorOccurred.connect(self._on_task_error)
        self.build_panel.buildSucceeded.connect(self.images.refresh)
        self.build_panel.stepFailed.connect(self.editor.mark_line)
        self._show_engine_problem(*ctx.engine.problem)
        self.resize(1200, 760)

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

        self.open_action = action("openFileAction", "Open…", "open", self.choose_and_open,
                                  QKeySequence(QKeySequence.StandardKey.Open))
        self.save_action = action("saveFileAction", "Save", "save", self.save,
                                  QKeySequence(QKeySequence.StandardKey.Save))
        self.save_as_action = action("saveFileAsAction", "Save As…", "save", self.save_as,
                                     QKeySequence(QKeySequence.StandardKey.SaveAs))
        self.reconnect_action = action("reconnectAction", "Reconnect", "reconnect",
                                       self._ctx.engine.reconnect)

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

    def _show_engine_problem(self, message: str, advice: str) -> None:
        text = f"{message} {advice}".strip()
        self.engine_status.setText(f"Not connected: {text}" if advice else text)
        self.engine_status.setToolTip(text)
        self.build_panel.set_engine_state(False, text)

    def _on_task_error(self, description: str, message: str) -> None:
        self.statusBar().showMessage(f"{description} failed: {message}", 10000)

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
    def choose_and_open(self) -> None:
        if not self._may_discard():
            return
        start = self.path.parent if self.path else Path.home()
        chosen = self._ctx.interaction.choose_open_file(self, start)
        if chosen is not None:
            self.open_file(chosen)

    def open_file(self, path: Path) -> bool:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._ctx.interaction.show_error(self, "Could not open", f"{path}: {exc}")
            return False
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        self.path = path
        self.build_panel.set_context_dir(path.parent)
        self._update_title()
        return True

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
        try:
            tmp.write_text(self.editor.toPlainText(), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            self._ctx.interaction.show_error(
                self, "Could not save", f"{path}: {exc}. Your text is still in the editor.")
            return False
        first_save = self.path != path
        self.path = path
        self.editor.document().setModified(False)
        if first_save:
            self.build_panel.set_context_dir(path.parent)
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
        event.accept()
