"""The picker with no engine and no registry reachable: dated figures at once, Use as
one undoable edit, debounced search with stale answers dropped, Show command."""

from __future__ import annotations

import time
from collections.abc import Iterator

import docker.auth
import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from tests.harness.registry import free_port
from tests.qtsupport import MakeContext
from ui.editor.editor import DockerfileEditor
from ui.icons import icon
from ui.picker.model import PickerModel, PickerRole, PickerRow
from ui.picker.panel import BaseImagePicker
from workbench.registry import Platform, RegistryClient, SearchResult


def _offline_client() -> RegistryClient:
    # Every request goes to a refused port: as if the machine were offline.
    port = free_port()
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": f"http://127.0.0.1:{port}", "http": f"http://127.0.0.1:{port}"}
    return RegistryClient(Platform("linux", "amd64"), auth_config=docker.auth.AuthConfig({}),
                          session=session)


@pytest.fixture
def picker(make_ctx: MakeContext, qtbot: QtBot) -> Iterator[BaseImagePicker]:
    ctx = make_ctx()
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    widget = BaseImagePicker(ctx, editor, client=_offline_client())
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    yield widget
    widget.shutdown()


def _rows(widget: BaseImagePicker) -> list[PickerRow]:
    return [widget.proxy.index(r, 0).data(PickerRole.ROW) for r in range(widget.proxy.rowCount())]


def _settled(widget: BaseImagePicker) -> bool:
    return all(not r.looking_up for r in widget.model.rows)


def test_offline_shows_published_figures_as_of_their_date_fast(
        make_ctx: MakeContext, qtbot: QtBot) -> None:
    icon("command"), icon("cancel")  # qtawesome's one-time font load is start-up, not this
    ctx = make_ctx()
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    started = time.monotonic()
    widget = BaseImagePicker(ctx, editor, client=_offline_client())
    qtbot.addWidget(widget)
    assert widget.objectName() == "baseImagePicker"
    row = widget.model.row_of("alpine")
    assert row is not None
    # The dated figure is there at once, before any registry answered …
    shown = widget.model.index(row, PickerModel.COL_DOWNLOAD).data()
    assert shown == "3.79MB (as of 2026-09-17)"
    # … and stays, saying why, once the look-ups failed (well within 2 s).
    qtbot.waitUntil(lambda: _settled(widget), timeout=2000)
    assert time.monotonic() - started < 2.0
    widget.shutdown()
    alpine = widget.model.rows[row]
    assert alpine.figure is not None and not alpine.figure.live
    assert alpine.figure.problem and "Could not reach" in alpine.figure.problem
    assert widget.model.index(row, PickerModel.COL_DOWNLOAD).data() == (
        "3.79MB (as of 2026-09-17)")
    # Sorted by download size: busybox, alpine, … ; images without figures last.
    names = [r.repository for r in _rows(widget)]
    assert names[:2] == ["busybox", "alpine"]
    assert names.index("ubuntu") < names.index("centos") < names.index("almalinux")
    assert names[-3:] != [] and all(
        r.figure is None or r.figure.download is None for r in _rows(widget)[-3:])


def test_details_label_sizes_and_centos_points_to_successors(picker: BaseImagePicker,
                                                            qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: _settled(picker), timeout=5000)
    assert picker.select_repository("python")
    sizes = picker.sizes_label.text()
    assert "Download (compressed): 43.2MB — as of 2026-08-05" in sizes
    assert "On disk (unpacked, published): about 119MB" in sizes
    assert picker.select_repository("centos")
    assert picker.eol_label.isVisibleTo(picker)
    assert "2024-06-30" in picker.eol_label.text()
    assert "quay.io/centos/centos:stream9" in picker.eol_label.text()
    picker.show_repository("quay.io/centos/centos:stream9")
    row = picker._selected_row()
    assert row is not None and row.reference == "quay.io/centos/centos:stream9"
    # The tag selector offers the recommended tags.
    tags = [picker.tag_combo.itemData(i) for i in range(picker.tag_combo.count())]
    assert tags[:2] == ["stream9", "stream10"]


def test_use_replaces_the_from_under_the_cursor_as_one_undo_step(picker: BaseImagePicker,
                                                                 qtbot: QtBot) -> None:
    editor = picker._editor
    original = ("FROM golang:1.22 AS build\nRUN go build\n\n"
                "FROM ubuntu:22.04\nCOPY --from=build /a /a\n")
    editor.setPlainText(original)
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    assert picker.select_repository("alpine")
    picker.set_tag("3.22")
    with qtbot.waitSignal(picker.imageUsed) as used:
        qtbot.mouseClick(picker.use_button, Qt.MouseButton.LeftButton)
    assert used.args == ["alpine:3.22"]
    assert editor.toPlainText() == original.replace("ubuntu:22.04", "alpine:3.22")
    editor.undo()
    assert editor.toPlainText() == original  # one step
    editor.setPlainText("RUN echo hello\n")
    qtbot.mouseClick(picker.use_button, Qt.MouseButton.LeftButton)
    assert editor.toPlainText() == "FROM alpine:3.22\nRUN echo hello\n"
    editor.undo()
    assert editor.toPlainText() == "RUN echo hello\n"


def test_show_command(picker: BaseImagePicker, qtbot: QtBot) -> None:
    assert picker.select_repository("debian")
    assert not picker.command_line.isVisibleTo(picker)
    qtbot.mouseClick(picker.command_button, Qt.MouseButton.LeftButton)
    assert picker.command_line.isVisibleTo(picker)
    assert picker.command_line.text() == "docker pull debian:bookworm-slim"


def test_search_is_debounced_and_drops_stale_answers(picker: BaseImagePicker,
                                                     qtbot: QtBot) -> None:
    asked: list[str] = []
    answers = {"ng": [SearchResult("ngstale/old")], "nginx": [SearchResult("nginx", "web",
                                                                          True)]}

    def search(query: str, limit: int = 25) -> list[SearchResult]:
        asked.append(query)
        if query == "ng":
            time.sleep(0.5)  # the older query answers last
        return answers[query]

    picker.client.search = search  # type: ignore[method-assign]
    qtbot.keyClicks(picker.search, "nginx")
    qtbot.waitUntil(lambda: picker.model.row_of("nginx") is not None, timeout=3000)
    assert asked == ["nginx"]  # five keystrokes, one search
    picker.search.setText("ng")
    picker._search_now()
    picker.search.setText("nginx")
    picker._search_now()
    qtbot.waitUntil(lambda: len(asked) == 3, timeout=3000)
    qtbot.wait(800)  # let the slow, stale answer arrive
    assert picker.model.row_of("ngstale/old") is None
    assert "1 repositories found for “nginx”" in picker.search_status.text()
    visible = [r.repository for r in _rows(picker)]
    assert "nginx" in visible and "alpine" not in visible
    qtbot.waitUntil(lambda: _settled(picker), timeout=5000)


def test_search_offline_says_so_and_keeps_catalogue_matches(picker: BaseImagePicker,
                                                            qtbot: QtBot) -> None:
    qtbot.keyClicks(picker.search, "alpine")
    qtbot.waitUntil(lambda: "Search did not answer" in picker.search_status.text(),
                    timeout=3000)
    assert "catalogue matches" in picker.search_status.text()
    assert [r.repository for r in _rows(picker)][:1] == ["alpine"]
    qtbot.waitUntil(lambda: _settled(picker), timeout=5000)
