"""The real main window for integration tests, and small drivers for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.qtsupport import MakeContext
from ui.main_window import MainWindow

MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(make_ctx: MakeContext, qtbot: QtBot, test_engine: object,
                base_image: str) -> MakeWindow:
    def make(environ: dict[str, str] | None = None, wait_connected: bool = True) -> MainWindow:
        ctx = make_ctx(environ)
        window = MainWindow(ctx)

        def before_close(_widget: object) -> None:
            window.editor.document().setModified(False)  # teardown must not ask questions
            # Nothing may still report into the window once it is gone.
            ctx.engine.stop()
            window.images.events.close()
            for job in ctx.tasks.active_jobs:
                job.cancel()
            try:
                qtbot.waitUntil(lambda: not ctx.tasks.active_jobs, timeout=30_000)
            except qtbot.TimeoutError as exc:  # say which job would not stop
                raise AssertionError(
                    f"still running: {[j.description for j in ctx.tasks.active_jobs]}") from exc

        qtbot.addWidget(window, before_close_func=before_close)
        window.show()
        if wait_connected:
            with qtbot.waitSignal(ctx.engine.connected, timeout=20_000):
                ctx.engine.start()
            with qtbot.waitSignal(window.images.refreshed, timeout=20_000):
                pass
        else:
            ctx.engine.start()
        return window
    return make


def type_dockerfile(qtbot: QtBot, window: MainWindow, text: str) -> None:
    editor = window.editor
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    for line in text.splitlines():
        qtbot.keyClicks(editor, line)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.toPlainText() == text


def set_field(qtbot: QtBot, field: object, text: str) -> None:
    field.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(field, Qt.Key.Key_Delete)  # type: ignore[arg-type]
    qtbot.keyClicks(field, text)  # type: ignore[arg-type]


def build(qtbot: QtBot, window: MainWindow, timeout: int = 60_000) -> None:
    with qtbot.waitSignal(window.build_panel.buildEnded, timeout=timeout):
        qtbot.mouseClick(window.build_panel.build_button, Qt.MouseButton.LeftButton)


