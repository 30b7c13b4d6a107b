"""The layer inspector on the real engine: open, browse, filter, export, reopen."""

from __future__ import annotations

import csv
from pathlib import Path

import docker
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.harness.layers import build_image
from tests.qtsupport import MakeContext, ScriptedInteraction
from ui.context import AppContext
from ui.layers import LayerInspector
from ui.layers.tree import TreeMode
from workbench.dockerfile.parse import parse
from workbench.layers import Change

pytestmark = pytest.mark.engine

DOCKERFILE = ("RUN head -c 400000 /dev/urandom > /big.bin && mkdir -p /app/lib "
              "&& echo hi > /app/lib/a.txt\n"
              "ENV MODE=prod\n"
              "RUN rm /big.bin && chmod 600 /etc/passwd\n")


@pytest.fixture
def wasteful(engine_api: docker.APIClient, base_image: str) -> str:
    build_image(engine_api, f"FROM {base_image}\n{DOCKERFILE}", "workbench-layers/ui:1")
    return "workbench-layers/ui:1"


def connected_ctx(qtbot: QtBot, make_ctx: MakeContext) -> AppContext:
    ctx = make_ctx()
    with qtbot.waitSignal(ctx.engine.connected, timeout=20_000):
        ctx.engine.start()
    return ctx


def open_inspector(qtbot: QtBot, ctx: AppContext, ref: str) -> LayerInspector:
    inspector = LayerInspector(ctx)
    qtbot.addWidget(inspector)
    inspector.resize(1400, 860)
    inspector.show()
    with qtbot.waitSignal(inspector.loaded, timeout=60_000):
        inspector.inspect(ref)
    return inspector


def test_inspector_shows_history_layers_tree_and_waste(
        qtbot: QtBot, make_ctx: MakeContext, wasteful: str, tmp_path: Path) -> None:
    ctx = connected_ctx(qtbot, make_ctx)
    inspector = open_inspector(qtbot, ctx, wasteful)
    assert inspector.objectName() == "layerInspector"
    assert "layers read" in inspector.status.text()
    assert not inspector.cancel_button.isEnabled()  # answered: nothing left to cancel
    history = inspector.history.model()
    rows = [history.index(r, 1).data() for r in range(history.rowCount())]
    assert rows[-3:] == [DOCKERFILE.splitlines()[0].replace("RUN ", "RUN ", 1),
                         "ENV MODE=prod", "RUN rm /big.bin && chmod 600 /etc/passwd"]
    assert history.index(history.rowCount() - 2, 2).data() == "metadata only"
    assert inspector.layers.model().rowCount() == 3
    # The efficiency panel lists /big.bin first, with the waste in words.
    waste = inspector.efficiency.table.model()
    first = waste.index(0, 2).data()
    assert first == "/big.bin"
    assert "is added in step 2 and removed in step 4" in waste.index(0, 3).data()
    inspector.efficiency.table.selectRow(0)
    assert "do both in one RUN" in inspector.efficiency.why.text()
    # Choosing it shows that layer's changes, with /big.bin selected; focus moving into
    # the history (which makes its row 0 current) must not jump back to layer 0.
    inspector.history.setFocus()
    qtbot.wait(50)
    assert inspector.layer == 2 and inspector.tree_mode is TreeMode.CHANGES
    node = inspector.tree.currentIndex().internalPointer()
    assert node.path == "/big.bin" and node.change is Change.REMOVED
    # History row → its layer; the image mode shows everything up to it.
    inspector.mode.setCurrentIndex(list(TreeMode).index(TreeMode.IMAGE))
    inspector.history.selectRow(history.rowCount() - 3)
    assert inspector.layer == 1
    model = inspector.tree_model
    assert {n.path for n in model.visible_nodes()} >= {"/big.bin", "/app/lib/a.txt", "/bin"}
    inspector.show_boxes[Change.UNMODIFIED].setChecked(False)
    assert {n.path for n in model.visible_nodes() if not n.by_name} == {
        "/big.bin", "/app/lib/a.txt"}
    inspector.path_filter.setText("(")
    assert "Not a valid regular expression" in inspector.path_filter.toolTip()
    inspector.path_filter.setText(r"\.txt$")
    assert [n.path for n in model.visible_nodes()] == ["/app", "/app/lib", "/app/lib/a.txt"]
    # CSV export of what is shown.
    target = tmp_path / "files.csv"
    interaction = ctx.interaction
    assert isinstance(interaction, ScriptedInteraction)
    interaction.save_files.append(target)
    qtbot.mouseClick(inspector.csv_button, Qt.MouseButton.LeftButton)
    with target.open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["path"] for r in table] == ["/app", "/app/lib", "/app/lib/a.txt"]
    assert table[-1]["change"] == "added" and table[-1]["size"] == "3"
    inspector.min_size.setValue(1)
    assert list(model.visible_nodes()) == []


def test_reopening_uses_the_index_without_exporting(
        qtbot: QtBot, make_ctx: MakeContext, wasteful: str) -> None:
    ctx = connected_ctx(qtbot, make_ctx)
    first = open_inspector(qtbot, ctx, wasteful)
    numbers = first.efficiency.summary.text()
    qtbot.waitUntil(lambda: not ctx.tasks.active_jobs, timeout=30_000)  # indexed after showing
    assert (ctx.dirs.cache / "layer-index").is_dir()
    second = open_inspector(qtbot, ctx, wasteful)
    assert "from the index, nothing exported" in second.status.text()
    assert second.efficiency.summary.text() == numbers
    assert second.analysis is not None and second.analysis.image.from_index


def test_missing_image_and_no_engine_say_what_to_do(
        qtbot: QtBot, make_ctx: MakeContext, test_engine: object) -> None:
    ctx = connected_ctx(qtbot, make_ctx)
    inspector = LayerInspector(ctx)
    qtbot.addWidget(inspector)
    with qtbot.waitSignal(inspector.loadFailed, timeout=30_000) as blocker:
        inspector.inspect("workbench-layers/no-such-image:1")
    assert "No such image" in blocker.args[0]
    offline = make_ctx({"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    lonely = LayerInspector(offline)
    qtbot.addWidget(lonely)
    with qtbot.waitSignal(lonely.loadFailed, timeout=5_000) as blocker:
        lonely.inspect("anything")
    assert "No Docker engine is connected" in blocker.args[0]


def test_compare_two_images_and_extract_from_a_layer(
        qtbot: QtBot, make_ctx: MakeContext, wasteful: str, engine_api: docker.APIClient,
        base_image: str, tmp_path: Path) -> None:
    build_image(engine_api, f"FROM {base_image}\n{DOCKERFILE}"
                "RUN echo bye > /app/lib/b.txt && rm /app/lib/a.txt\n",
                "workbench-layers/ui:2")
    ctx = connected_ctx(qtbot, make_ctx)
    inspector = open_inspector(qtbot, ctx, wasteful)
    with qtbot.waitSignal(inspector.compared, timeout=60_000) as blocker:
        inspector.compare_with("workbench-layers/ui:2")
    result = blocker.args[0]
    assert result.shared_layers == 3  # base, RUN head…, RUN rm…: same diff ids
    assert {p: c.change for p, c in result.changes.items()} == {
        "/app/lib/b.txt": Change.ADDED, "/app/lib/a.txt": Change.REMOVED}
    assert "1 files only in the second, 1 only in the first" in inspector.tree_title.text()
    tree_files = {n.path for n in inspector.tree_model.visible_nodes() if not n.by_name}
    assert {"/app/lib/b.txt", "/app/lib/a.txt"} <= tree_files

    qtbot.waitUntil(lambda: not ctx.tasks.active_jobs, timeout=30_000)  # index written
    with qtbot.waitSignal(inspector.extracted, timeout=60_000) as done:
        inspector.extract("/app", 1, tmp_path / "out")
    extracted = done.args[0]
    assert (tmp_path / "out" / "app" / "lib" / "a.txt").read_text() == "hi\n"
    assert extracted.files == 1 and extracted.folders == 2
    with qtbot.waitSignal(inspector.extracted, timeout=60_000):
        inspector.extract("/big.bin", 1, tmp_path / "big")
    assert (tmp_path / "big" / "big.bin").stat().st_size == 400000
    inspector.extract("/etc/passwd", 1, tmp_path / "none")
    qtbot.waitUntil(lambda: "not in that layer" in inspector.status.text(), timeout=60_000)


def test_history_links_back_to_the_dockerfile_lines(
        qtbot: QtBot, make_ctx: MakeContext, engine_api: docker.APIClient,
        base_image: str) -> None:
    text = (f"# built by the app\nFROM {base_image}\n\nRUN echo a > /a \\\n    && true\n"
            "ENV X=1\nCOPY hello.txt /hello.txt\n")
    build_image(engine_api, text, "workbench-layers/lines:1", {"hello.txt": b"hello\n"})
    ctx = connected_ctx(qtbot, make_ctx)
    inspector = LayerInspector(ctx)
    qtbot.addWidget(inspector)
    with qtbot.waitSignal(inspector.loaded, timeout=60_000):
        inspector.inspect("workbench-layers/lines:1", parse(text))
    model = inspector.history.model()
    last = model.rowCount() - 1
    assert [model.index(r, 5).data() for r in range(last - 2, last + 1)] == ["4", "6", "7"]
    assert model.index(0, 5).data() == ""  # the base image's own history: no line
    with qtbot.waitSignal(inspector.lineChosen) as chosen:
        inspector.history.selectRow(last - 2)
    assert chosen.args == [4]
    # A Dockerfile that does not match the history links nothing.
    other = LayerInspector(ctx)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.loaded, timeout=60_000):
        other.inspect("workbench-layers/lines:1", parse(f"FROM {base_image}\nCMD x\n"))
    assert all(other.history.model().index(r, 5).data() == ""
               for r in range(other.history.model().rowCount()))


def test_closing_the_inspector_while_its_jobs_run_is_quiet(
        qtbot: QtBot, make_ctx: MakeContext, wasteful: str) -> None:
    """The window goes away while its export (or the index write after it) still runs:
    the job's end must not reach the deleted window (pytest-qt fails on the exception)."""
    ctx = connected_ctx(qtbot, make_ctx)
    inspector = LayerInspector(ctx)
    inspector.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    inspector.show()
    inspector.inspect(wasteful)
    assert ctx.tasks.active_jobs
    with qtbot.waitSignal(inspector.destroyed, timeout=5_000):
        inspector.close()
    qtbot.waitUntil(lambda: not ctx.tasks.active_jobs, timeout=60_000)
    qtbot.wait(50)  # let the jobs' last queued signals be delivered
