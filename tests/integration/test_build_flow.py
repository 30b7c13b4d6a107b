"""The real app on the real engine: type, tag, Build, watch the steps, find the image."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import docker
import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from tests.conftest import new_containers
from tests.integration.windows import MakeWindow, build, set_field, type_dockerfile
from ui.main_window import MainWindow
from ui.timeline.steps import StepStatus

pytestmark = pytest.mark.engine

def statuses(window: MainWindow) -> list[StepStatus]:
    return [s.status for s in window.build_panel.steps.steps]


def test_build_shows_live_steps_and_the_new_image(
        qtbot: QtBot, make_window: MakeWindow, engine_api: docker.APIClient, base_image: str,
        context_dir: Path, containers_before: set[str]) -> None:
    window = make_window()
    status = window.engine_status.text()
    info = engine_api.version()
    assert info["Version"] in status and f"API {info['ApiVersion']}"[:7] in status
    assert f"{info['Os']}/{info['Arch']}" in status
    type_dockerfile(qtbot, window, f'FROM {base_image}\nRUN echo building && sleep 2\n'
                                   'CMD ["echo", "hello"]\n')
    set_field(qtbot, window.build_panel.context_edit, str(context_dir))
    set_field(qtbot, window.build_panel.tag_edit, "workbench-it/hello:1")

    # The GUI thread must keep turning while the engine works.
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    seen_running: list[str] = []
    window.build_panel.steps.dataChanged.connect(lambda *_: seen_running.extend(
        s.instruction for s in window.build_panel.steps.steps if s.status == StepStatus.RUNNING))
    build(qtbot, window)
    timer.stop()

    assert len(ticks) > 50
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.5
    assert any(i.startswith("RUN") for i in seen_running), "the RUN step was shown while running"
    steps = window.build_panel.steps
    assert [steps.data(steps.index_of_step(r, 0)) for r in range(len(steps.steps))] == [
        "Step 1/3", "Step 2/3", "Step 3/3"]
    assert steps.rowCount() == 1  # one stage
    assert steps.data(steps.index(0, 0)).startswith("Stage 1")
    assert statuses(window) == [StepStatus.DONE] * 3
    assert list(steps.steps[1].lines) == [("building", "stdout")]
    assert "Built" in window.build_panel.message.text()

    image = engine_api.inspect_image("workbench-it/hello:1")
    assert image["Config"]["Cmd"] == ["echo", "hello"]
    qtbot.waitUntil(lambda: window.images.model.row_for("workbench-it/hello:1") is not None,
                    timeout=10_000)
    model = window.images.model
    row = model.row_for("workbench-it/hello:1")
    assert row is not None
    assert model.data(model.index(row, model.COL_ID)) == image["Id"].removeprefix("sha256:")[:12]
    assert model.data(model.index(row, model.COL_CREATED)).endswith("ago")
    assert model.data(model.index(row, model.COL_SIZE)).endswith("MB")
    assert not new_containers(engine_api, containers_before)


def test_failed_build_shows_the_daemon_error_and_marks_the_line(
        qtbot: QtBot, make_window: MakeWindow, engine_api: docker.APIClient, base_image: str,
        context_dir: Path, containers_before: set[str]) -> None:
    window = make_window()
    type_dockerfile(qtbot, window, f"FROM {base_image}\n# next step fails\n"
                                   'RUN echo oops && exit 1\nCMD ["true"]\n')
    set_field(qtbot, window.build_panel.context_edit, str(context_dir))
    build(qtbot, window)
    assert statuses(window) == [StepStatus.DONE, StepStatus.FAILED, StepStatus.NOT_RUN]
    message = window.build_panel.message.text()
    assert "returned a non-zero code: 1" in message and "exit code 1" in message
    assert window.build_panel.message.isVisible()
    marks = window.editor.extraSelections()
    assert 3 in [m.cursor.blockNumber() + 1 for m in marks]
    selected = window.build_panel.timeline.selectionModel().selectedRows()
    assert [window.build_panel.steps.step_of(i) for i in selected] == [1]
    assert window.build_panel.log.all_text() == "oops"
    assert not new_containers(engine_api, containers_before)


def test_parse_error_names_the_line(qtbot: QtBot, make_window: MakeWindow, base_image: str,
                                    context_dir: Path) -> None:
    window = make_window()
    type_dockerfile(qtbot, window, f"FROM {base_image}\nFORM oops\n")
    set_field(qtbot, window.build_panel.context_edit, str(context_dir))
    panel = window.build_panel
    # The app's own check catches it before anything is sent…
    qtbot.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
    assert panel.message.text().startswith("Not sent:") and "Line 2" in panel.message.text()
    assert 2 in [m.cursor.blockNumber() + 1 for m in window.editor.extraSelections()]
    # …and sent anyway, the daemon's parse error names the same line.
    build(qtbot, window)
    message = panel.message.text()
    assert "line 2" in message and "unknown instruction: FORM" in message
    assert 2 in [m.cursor.blockNumber() + 1 for m in window.editor.extraSelections()]


def test_cancel_stops_the_build_and_leaves_no_containers(
        qtbot: QtBot, make_window: MakeWindow, engine_api: docker.APIClient, base_image: str,
        context_dir: Path, containers_before: set[str]) -> None:
    window = make_window()
    type_dockerfile(qtbot, window, f"FROM {base_image}\nRUN echo start && sleep 120\n"
                                   'CMD ["true"]\n')
    set_field(qtbot, window.build_panel.context_edit, str(context_dir))
    panel = window.build_panel
    qtbot.mouseClick(panel.build_button, Qt.MouseButton.LeftButton)
    assert panel.cancel_button.isEnabled() and not panel.build_button.isEnabled()
    qtbot.waitUntil(lambda: bool(panel.steps.steps[1].lines), timeout=30_000)
    assert panel.steps.steps[1].status == StepStatus.RUNNING
    assert panel.steps.steps[2].status == StepStatus.QUEUED
    assert new_containers(engine_api, containers_before), "the RUN container is running"
    started = time.monotonic()
    with qtbot.waitSignal(panel.buildEnded, timeout=30_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - started < 15
    assert statuses(window) == [StepStatus.DONE, StepStatus.CANCELLED, StepStatus.NOT_RUN]
    assert list(panel.steps.steps[1].lines) == [("start", "stdout")]  # the log is kept
    assert "cancelled" in panel.message.text()
    assert not new_containers(engine_api, containers_before)
    assert panel.build_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_editor_text_is_built_without_touching_the_contexts_dockerfile(
        qtbot: QtBot, make_window: MakeWindow, engine_api: docker.APIClient, base_image: str,
        context_dir: Path) -> None:
    (context_dir / "Dockerfile").write_text("FROM does-not-exist/never\n")
    (context_dir / "data.txt").write_text("payload\n")
    window = make_window()
    type_dockerfile(qtbot, window, f"FROM {base_image}\nCOPY data.txt /data.txt\n"
                                   'CMD ["cat", "/data.txt"]\n')
    set_field(qtbot, window.build_panel.context_edit, str(context_dir))
    set_field(qtbot, window.build_panel.tag_edit, "workbench-it/editor-text:1")
    build(qtbot, window)
    assert statuses(window) == [StepStatus.DONE] * 3
    assert (context_dir / "Dockerfile").read_text() == "FROM does-not-exist/never\n"
    assert sorted(p.name for p in context_dir.iterdir()) == ["Dockerfile", "data.txt"]
    cmd = engine_api.inspect_image("workbench-it/editor-text:1")["Config"]["Cmd"]
    assert cmd == ["cat", "/data.txt"]


def test_without_an_engine_the_app_explains_and_recovers(
        qtbot: QtBot, make_window: MakeWindow, test_engine: object, tmp_path: Path) -> None:
    environ = {"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    window = make_window(environ, wait_connected=False)
    qtbot.waitUntil(lambda: "Not connected" in window.engine_status.text(), timeout=10_000)
    text = window.engine_status.text()
    assert "no-engine.sock" in text and "DOCKER_HOST" in text
    button = window.build_panel.build_button
    assert not button.isEnabled()
    assert "Build is unavailable" in button.toolTip() and "DOCKER_HOST" in button.toolTip()

    environ["DOCKER_HOST"] = test_engine.docker_host  # type: ignore[attr-defined]
    with qtbot.waitSignal(window._ctx.engine.connected, timeout=20_000):
        window.reconnect_action.trigger()
    assert button.isEnabled()
    assert window.engine_status.text().startswith("Connected:")
    qtbot.waitUntil(lambda: window.images.model.rowCount() > 0, timeout=10_000)


def test_lost_engine_is_retried_periodically(qtbot: QtBot, make_window: MakeWindow,
                                             test_engine: object, tmp_path: Path) -> None:
    from ui import engine_monitor

    environ = {"DOCKER_HOST": f"unix://{tmp_path}/later.sock"}
    window = make_window(environ, wait_connected=False)
    monitor = window._ctx.engine
    monitor._retry.setInterval(200)  # the same timer the app uses, just faster
    qtbot.waitUntil(lambda: "Not connected" in window.engine_status.text(), timeout=10_000)
    environ["DOCKER_HOST"] = test_engine.docker_host  # type: ignore[attr-defined]
    with qtbot.waitSignal(monitor.connected, timeout=10_000):
        pass  # nobody pressed anything
    assert engine_monitor.RETRY_INTERVAL_MS == 5000
    assert window.build_panel.build_button.isEnabled()
