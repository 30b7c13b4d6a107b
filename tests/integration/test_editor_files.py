"""The editor's files in the real window: recovery after a kill, reload on external
change, recent files, drag-and-drop, new from template, and the context check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl
from pytestqt.qtbot import QtBot

from tests.qtsupport import MakeContext, ScriptedInteraction
from ui.context import AppContext
from ui.interaction import SaveChoice
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def make(ctx: AppContext, qtbot: QtBot) -> tuple[MainWindow, ScriptedInteraction]:
    window = MainWindow(ctx)
    qtbot.addWidget(window,
                    before_close_func=lambda _w: window.editor.document().setModified(False))
    window.show()
    assert isinstance(ctx.interaction, ScriptedInteraction)
    return window, ctx.interaction


def test_unsaved_text_comes_back_after_the_app_is_killed(make_ctx: MakeContext,
                                                         qtbot: QtBot, tmp_path: Path) -> None:
    first = make_ctx(NO_ENGINE)
    # A real app process types, autosaves, and is killed with SIGKILL.
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from ui.context import AppContext, UserDirs\n"
        "from ui.engine_monitor import EngineMonitor\n"
        "from ui.interaction import Interaction\n"
        "from ui.worker import TaskRunner\n"
        "from ui.main_window import MainWindow\n"
        "d = Path(sys.argv[1])\n"
        "tasks = TaskRunner()\n"
        "ctx = AppContext(tasks, EngineMonitor(tasks, environ={'DOCKER_HOST': 'unix:///no'}),"
        " Interaction(), UserDirs(d / 'data', d / 'cache', d / 'config'))\n"
        "w = MainWindow(ctx)\n"
        "w.editor.selectAll()\n"
        "w.editor.insertPlainText('FROM busybox\\nRUN echo never saved\\n')\n"
        "w.autosave()\n"
        "os.kill(os.getpid(), 9)\n")
    dirs = first.dirs.data.parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, str(dirs)], env=env, cwd=ROOT,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == -9, done.stderr.decode()
    assert list((first.dirs.data / "recovery").glob("recovery-*.json"))

    first.interaction.confirms.append(True)  # type: ignore[attr-defined]
    window, asks = make(first, qtbot)
    assert asks.asked == ["confirm: Restore unsaved text?"]
    assert window.editor.toPlainText() == "FROM busybox\nRUN echo never saved\n"
    assert window.isWindowModified()
    # Closing on purpose (after saving) leaves nothing to recover next time.
    target = tmp_path / "Dockerfile"
    asks.save_choices.append(SaveChoice.SAVE)
    asks.save_files.append(target)
    window.close()
    assert target.read_text() == "FROM busybox\nRUN echo never saved\n"
    assert not list((first.dirs.data / "recovery").glob("recovery-*.json"))


def test_declining_recovery_discards_it(make_ctx: MakeContext, qtbot: QtBot) -> None:
    ctx = make_ctx(NO_ENGINE)
    folder = ctx.dirs.data / "recovery"
    folder.mkdir(parents=True)
    (folder / "recovery-dead.json").write_text(
        '{"pid": 999999999, "path": null, "text": "FROM old", "saved_at": 1}')
    ctx.interaction.confirms.append(False)  # type: ignore[attr-defined]
    window, _ = make(ctx, qtbot)
    assert "FROM alpine" in window.editor.toPlainText()
    assert not list(folder.glob("recovery-*.json"))


def test_autosave_writes_only_unsaved_text(make_ctx: MakeContext, qtbot: QtBot) -> None:
    window, _ = make(make_ctx(NO_ENGINE), qtbot)
    window.autosave()
    assert not window.recovery.file.exists()
    qtbot.keyClicks(window.editor, "RUN x")
    qtbot.waitUntil(window.recovery.file.exists, timeout=5000)  # after the 2 s pause
    assert "RUN x" in window.recovery.file.read_text()


def test_a_file_changed_by_another_program_prompts_to_reload(
        make_ctx: MakeContext, qtbot: QtBot, tmp_path: Path) -> None:
    window, asks = make(make_ctx(NO_ENGINE), qtbot)
    path = tmp_path / "Dockerfile"
    path.write_text("FROM busybox\n")
    assert window.open_file(path)
    # Our own save must not ask.
    window.editor.setPlainText("FROM busybox\nRUN mine\n")
    assert window.save()
    qtbot.wait(300)
    assert asks.asked == []
    # Another program replaces the file (like most editors: write, then rename).
    asks.confirms.append(True)
    tmp = tmp_path / "Dockerfile.new"
    tmp.write_text("FROM busybox\nRUN theirs\n")
    os.replace(tmp, path)
    qtbot.waitUntil(lambda: asks.asked == ["confirm: File changed on disk"], timeout=5000)
    assert window.editor.toPlainText() == "FROM busybox\nRUN theirs\n"
    assert not window.isWindowModified()
    # Still watched after the rename: a second change prompts again; "no" keeps ours.
    asks.confirms.append(False)
    path.write_text("FROM busybox\nRUN third\n")
    qtbot.waitUntil(lambda: len(asks.asked) == 2, timeout=5000)
    assert window.editor.toPlainText() == "FROM busybox\nRUN theirs\n"
    assert window.isWindowModified(), "the disk no longer holds this text"


def test_recent_files_and_drag_and_drop(make_ctx: MakeContext, qtbot: QtBot,
                                        tmp_path: Path) -> None:
    ctx = make_ctx(NO_ENGINE)
    window, _ = make(ctx, qtbot)
    files = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "Dockerfile").write_text(f"FROM {name}\n")
        files.append(folder / "Dockerfile")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(files[0]))])
    assert window.editor.canInsertFromMimeData(mime)
    window.editor.insertFromMimeData(mime)  # what a drop on the editor does
    assert window.path == files[0] and window.editor.toPlainText() == "FROM a\n"
    assert window.open_file(files[1])
    window.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.recent_menu.actions()] == [str(files[1]), str(files[0])]
    window.recent_menu.actions()[1].trigger()
    assert window.path == files[0]
    assert window.build_panel.context_edit.text() == str(files[0].parent)
    # Plain text drops still insert text.
    text = QMimeData()
    text.setText("RUN dropped")
    window.editor.insertFromMimeData(text)
    assert "RUN dropped" in window.editor.toPlainText()


def test_new_from_template_asks_before_dropping_changes(make_ctx: MakeContext,
                                                        qtbot: QtBot) -> None:
    window, asks = make(make_ctx(NO_ENGINE), qtbot)
    qtbot.keyClicks(window.editor, "RUN mine")
    window.new_action.trigger()
    assert window.templates_dock.isVisible()
    asks.save_choices.append(SaveChoice.CANCEL)
    templates = window.templates.model.templates
    assert not window.new_from_template(templates[1])
    assert "RUN mine" in window.editor.toPlainText()
    asks.save_choices.append(SaveChoice.DISCARD)
    window.templates.view.setCurrentIndex(window.templates.model.index(4, 0))
    window.templates.use_button.click()
    assert window.editor.toPlainText() == templates[4].text()
    assert window.path is None and not window.isWindowModified()


def test_problems_outline_and_context_check_follow_the_text(
        make_ctx: MakeContext, qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = make(make_ctx(NO_ENGINE), qtbot)
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "app.py").write_text("print(1)\n")
    (context / ".env").write_text("TOKEN=secret\n")
    window.build_panel.set_context_dir(context)
    window.editor.setPlainText("FROM busybox AS build\nRUM x\nCOPY app.py missing.txt /app/\n"
                               "FROM busybox\nCOPY --from=build /app /app\n")
    with qtbot.waitSignal(window.diagnostics.analysed, timeout=10_000):
        pass
    problems = window.problems.model
    assert "unknown-instruction" in [d.code for d in problems.rows]
    row = next(r for r, d in enumerate(problems.rows) if d.code == "unknown-instruction")
    assert window.outline.outline.rowCount() == 2
    with qtbot.waitSignal(window.context_check.reportReady, timeout=10_000):
        window.check_context()
    kinds = [(w.kind, w.path) for w in window.context_check.model.rows]
    assert kinds == [("secret", ".env"), ("copy-missing", "missing.txt")]
    assert "2 files" in window.context_check.summary.text()
    # clicking a problem selects its line; the quick fix applies and re-checks
    window.problems.view.setCurrentIndex(problems.index(row, 0))
    window.problems.view.clicked.emit(problems.index(row, 0))
    assert window.editor.textCursor().selectedText() == "RUM"
    with qtbot.waitSignal(window.diagnostics.analysed, timeout=10_000):
        window.problems.fix_button.click()
    assert window.editor.document().findBlockByNumber(1).text() == "RUN x"
    assert not [d for d in window.problems.model.rows if d.code == "unknown-instruction"]
