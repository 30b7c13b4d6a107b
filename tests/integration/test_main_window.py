"""The main window's parts working together: build in the editor, then Run, Inspect and
the base-image picker from the same window."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest
from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from tests.integration.windows import MakeWindow, build
from workbench.containers import ContainerSpec

pytestmark = pytest.mark.engine


def select_image(window: object, reference: str) -> None:
    images = window.images  # type: ignore[attr-defined]
    row = images.model.row_for(reference)
    assert row is not None
    index = images.proxy.mapFromSource(images.model.index(row, 0))
    images.view.selectionModel().select(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)


def test_build_then_run_shows_hello_and_inspect_opens_the_layers(
        qtbot: QtBot, make_window: MakeWindow, base_image: str, context_dir: Path,
        engine_api: docker.APIClient) -> None:
    window = make_window()
    text = f'FROM {base_image}\nRUN echo layer > /made-here\nCMD ["echo", "hello"]\n'
    window.editor.setPlainText(text)
    window.build_panel.set_context_dir(context_dir)
    window.build_panel.tag_edit.setText("workbench-it/window:1")
    build(qtbot, window)
    qtbot.waitUntil(lambda: window.images.model.row_for("workbench-it/window:1") is not None,
                    timeout=10_000)

    # Run (the image list's action, here its signal) lands in the console tab.
    window.images.runRequested.emit(ContainerSpec("workbench-it/window:1", auto_remove=True))
    assert window.lower_tabs.currentWidget() is window.containers
    qtbot.waitUntil(lambda: any(t == "hello" for t, *_ in window.containers.output.lines),
                    timeout=20_000)

    # Inspect opens the layer inspector on that image, lines linked to the editor's text.
    select_image(window, "workbench-it/window:1")
    inspect = window.images.actions_by_name["inspect"]
    assert inspect.isEnabled()
    inspect.trigger()
    qtbot.waitUntil(lambda: bool(window._inspectors), timeout=5_000)
    inspector = window._inspectors[0]
    assert inspector.objectName() == "layerInspector"
    with qtbot.waitSignal(inspector.loaded, timeout=60_000):
        pass
    assert inspector.history_model.rows
    assert 2 in inspector.history_model.lines.values()  # the RUN line
    inspector.close()
    qtbot.waitUntil(lambda: not window._inspectors, timeout=5_000)


def test_picker_and_panels_are_in_the_window(make_window: MakeWindow) -> None:
    window = make_window()
    assert window.picker.objectName() == "baseImagePicker"
    assert [window.lower_tabs.tabText(i) for i in range(window.lower_tabs.count())] == [
        "Images", "Containers", "Base images"]
    assert window.lower_tabs.widget(2) is window.picker
    for name in ("dockerfileEditor", "buildTimeline", "buildLog", "imageList", "containerList",
                 "stageOutline", "problemsList", "templateGallery", "baseImagePicker",
                 "buildArgsTable", "targetStageCombo", "noCacheCheck", "pullCheck"):
        assert window.findChild(object, name) is not None, name
