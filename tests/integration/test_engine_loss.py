"""The engine vanishes in the middle of a build: the app says so, keeps running,
keeps the text, and comes back when an engine does."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import docker
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.harness.base_image import ensure_base_image
from tests.harness.engine import EngineHandle, start_private_engine
from tests.qtsupport import MakeContext
from ui.main_window import MainWindow
from ui.timeline.steps import StepStatus

pytestmark = pytest.mark.engine


@pytest.fixture
def doomed_engine() -> Iterator[EngineHandle]:
    if os.geteuid() != 0:
        pytest.fail("this test starts and kills an engine of its own, which needs root")
    engine = start_private_engine()
    api = docker.APIClient(base_url=engine.docker_host, version="auto")
    ensure_base_image(api)
    api.close()
    yield engine
    engine.stop()


def test_engine_killed_mid_build(qtbot: QtBot, make_ctx: MakeContext,
                                 doomed_engine: EngineHandle, test_engine: EngineHandle,
                                 base_image: str, tmp_path: os.PathLike[str]) -> None:
    environ = {"DOCKER_HOST": doomed_engine.docker_host}
    ctx = make_ctx(environ)
    window = MainWindow(ctx)
    qtbot.addWidget(window, before_close_func=lambda _w: window.editor.document()
                    .setModified(False))
    window.show()
    with qtbot.waitSignal(ctx.engine.connected, timeout=20_000):
        ctx.engine.start()
    text = f"FROM {base_image}\nRUN echo running && sleep 120\n"
    window.editor.setPlainText(text)
    window.build_panel.set_context_dir(ctx.scratch_context)
    panel = window.build_panel
    qtbot.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(panel.steps.steps[1].lines), timeout=30_000)

    assert doomed_engine.process is not None
    with qtbot.waitSignal(panel.buildEnded, timeout=30_000):
        doomed_engine.process.send_signal(signal.SIGKILL)
    message = panel.message.text()
    assert "Build failed" in message and "without reporting success" in message
    assert panel.steps.steps[1].status == StepStatus.FAILED
    assert window.editor.toPlainText() == text  # nothing the user typed is lost
    qtbot.waitUntil(lambda: "Not connected" in window.engine_status.text(), timeout=30_000)
    assert not panel.build_button.isEnabled()

    environ["DOCKER_HOST"] = test_engine.docker_host  # another engine appears
    with qtbot.waitSignal(ctx.engine.connected, timeout=20_000):
        window.reconnect_action.trigger()
    assert panel.build_button.isEnabled()
