"""Open, Save, Save As, the title's unsaved mark and the question on close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from tests.qtsupport import MakeContext, ScriptedInteraction
from ui.interaction import SaveChoice
from ui.main_window import MainWindow


def make(make_ctx: MakeContext, qtbot: QtBot) -> tuple[MainWindow, ScriptedInteraction]:
    ctx = make_ctx({"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    window = MainWindow(ctx)
    qtbot.addWidget(window,
                    before_close_func=lambda _w: window.editor.document().setModified(False))
    window.show()
    assert isinstance(ctx.interaction, ScriptedInteraction)
    return window, ctx.interaction


def test_template_is_the_tutorials_hello(make_ctx: MakeContext, qtbot: QtBot) -> None:
    window, _ = make(make_ctx, qtbot)
    text = window.editor.toPlainText()
    assert "FROM alpine" in text and 'CMD ["echo", "hello"]' in text
    assert window.windowTitle().startswith("Untitled Dockerfile")
    assert not window.isWindowModified()


def test_open_edit_save_and_save_as(make_ctx: MakeContext, qtbot: QtBot, tmp_path: Path) -> None:
    window, asks = make(make_ctx, qtbot)
    project = tmp_path / "proj"
    project.mkdir()
    path = project / "Dockerfile"
    path.write_text("FROM busybox\n")
    asks.open_files.append(path)
    window.open_action.trigger()
    assert window.editor.toPlainText() == "FROM busybox\n"
    assert str(path) in window.windowTitle()
    assert window.build_panel.context_edit.text() == str(project)

    window.editor.moveCursor(window.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(window.editor, "CMD true")
    assert window.isWindowModified()
    assert window.save_action.shortcut() == QKeySequence("Ctrl+S")
    assert window.open_action.shortcut() == QKeySequence("Ctrl+O")
    window.save_action.trigger()
    assert path.read_text() == "FROM busybox\nCMD true"
    assert not window.isWindowModified()

    other = tmp_path / "elsewhere" / "app.Dockerfile"
    other.parent.mkdir()
    asks.save_files.append(other)
    window.save_as_action.trigger()
    assert other.read_text() == "FROM busybox\nCMD true"
    assert str(other) in window.windowTitle()
    assert window.build_panel.context_edit.text() == str(other.parent)
    assert not list(other.parent.glob(".*saving"))


def test_closing_with_unsaved_changes_asks_first(make_ctx: MakeContext, qtbot: QtBot,
                                                 tmp_path: Path) -> None:
    window, asks = make(make_ctx, qtbot)
    qtbot.keyClicks(window.editor, "RUN echo unsaved")
    asks.save_choices.append(SaveChoice.CANCEL)
    window.close()
    assert window.isVisible(), "Cancel keeps the window and the text"
    assert "RUN echo unsaved" in window.editor.toPlainText()
    assert asks.asked == ["save? Untitled Dockerfile"]

    target = tmp_path / "Dockerfile"
    asks.save_choices.append(SaveChoice.SAVE)
    asks.save_files.append(target)
    window.close()
    assert not window.isVisible()
    assert "RUN echo unsaved" in target.read_text()


def test_discard_closes_without_writing(make_ctx: MakeContext, qtbot: QtBot,
                                        tmp_path: Path) -> None:
    window, asks = make(make_ctx, qtbot)
    qtbot.keyClick(window.editor, Qt.Key.Key_X)
    asks.save_choices.append(SaveChoice.DISCARD)
    window.close()
    assert not window.isVisible()
    assert list(tmp_path.iterdir()) == [tmp_path / "user0"]


def test_save_failure_keeps_the_text_and_says_why(make_ctx: MakeContext, qtbot: QtBot,
                                                  tmp_path: Path) -> None:
    window, asks = make(make_ctx, qtbot)
    qtbot.keyClicks(window.editor, "keep me")
    assert not window.save_to(tmp_path / "missing-folder" / "Dockerfile")
    assert asks.errors and "still in the editor" in asks.errors[0][1]
    assert "keep me" in window.editor.toPlainText()
    assert window.isWindowModified()
