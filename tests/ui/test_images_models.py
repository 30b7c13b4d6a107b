"""The image list's, containers', push targets', layer progress and console models,
through qtmodeltester; incremental updates keep selection; the filter and the toggle."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.modeltest import ModelTester

from ui.containers.console import OutputModel
from ui.containers.model import ContainersModel
from ui.images.dialogs import PushTargetsModel
from ui.images.model import ImagesFilter, ImagesModel
from ui.images.progress import LayerLine, LayersModel
from workbench.containers import ContainerRow
from workbench.images import ImageRow

A, B, C = ("sha256:" + c * 64 for c in "abc")


def rows() -> list[ImageRow]:
    return [ImageRow("app", "1", A, 100, 10), ImageRow("app", "2", A, 100, 10),
            ImageRow("lib", "latest", B, 200, 20, 2), ImageRow("<none>", "<none>", C, 50, 5)]


def test_incremental_updates_keep_the_selection(qtmodeltester: ModelTester) -> None:
    model = ImagesModel(clock=lambda: 1000.0)
    qtmodeltester.check(model)
    model.set_rows(rows())
    proxy = ImagesFilter()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    selection = QItemSelectionModel(proxy)
    lib = proxy.mapFromSource(model.index(model.row_for("lib:latest") or 0, 0))
    selection.select(lib, QItemSelectionModel.SelectionFlag.Select
                     | QItemSelectionModel.SelectionFlag.Rows)
    # A tag event: image A gains app:3 and loses app:1; the tag "lib:latest" moves to A.
    model.apply_images({A: [ImageRow("app", "2", A, 100, 10), ImageRow("app", "3", A, 100, 10)]},
                       {A: 1, B: 2})
    assert model.row_for("app:1") is None
    assert model.row_for("app:3") is not None
    assert model.rows[model.row_for("app:2") or 0].containers == 1
    selected = [proxy.mapToSource(i).row() for i in selection.selectedRows()]
    assert [model.rows[r].reference for r in selected] == ["lib:latest"]
    model.apply_images({"lib:latest": [ImageRow("lib", "latest", A, 100, 10)]}, None)
    assert model.rows[model.row_for("lib:latest") or 0].image_id == A
    model.apply_images({B: []}, None)  # image B deleted: it has no rows left
    assert all(r.image_id != B for r in model.rows)
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)


def test_containers_column_and_dangling_rows() -> None:
    model = ImagesModel(clock=lambda: 1000.0)
    model.set_rows(rows())
    lib = model.row_for("lib:latest") or 0
    assert model.data(model.index(lib, ImagesModel.COL_CONTAINERS)) == "2"
    assert model.headerData(ImagesModel.COL_CONTAINERS, Qt.Orientation.Horizontal) == \
        "Containers"
    dangling = model.row_for(C)
    assert dangling is not None
    assert model.data(model.index(dangling, ImagesModel.COL_REPO)) == "<none>"


def test_filter_text_and_dangling_toggle() -> None:
    model = ImagesModel(clock=lambda: 1000.0)
    model.set_rows(rows())
    proxy = ImagesFilter()
    proxy.setSourceModel(model)
    assert proxy.rowCount() == 3  # dangling hidden by default
    proxy.set_show_dangling(True)
    assert proxy.rowCount() == 4
    proxy.set_text("APP")
    assert sorted(proxy.data(proxy.index(r, 1)) for r in range(proxy.rowCount())) == ["1", "2"]
    proxy.set_text("bbbb")  # an id prefix
    assert [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())] == ["lib"]
    proxy.set_text("app:2")
    assert proxy.rowCount() == 1


def test_containers_model(qtmodeltester: ModelTester) -> None:
    model = ContainersModel(clock=lambda: 1000.0)
    qtmodeltester.check(model)
    one = ContainerRow("1" * 64, "web", "app:1", "running", "Up 2 seconds", 990, "80/tcp")
    two = ContainerRow("2" * 64, "job", "app:1", "exited", "Exited (0)", 900)
    model.set_rows([one, two])
    assert model.row_for("web") == 0
    model.set_rows([two])
    assert model.row_for("web") is None and model.row_for("job") == 0
    qtmodeltester.check(model)


def test_layers_and_targets_models(qtmodeltester: ModelTester) -> None:
    layers = LayersModel()
    qtmodeltester.check(layers)
    layers.upsert(LayerLine("r:1", "abc", "Pushing", 5, 10, 0.5))
    layers.upsert(LayerLine("r:1", "abc", "Pushed", 10, 10, 1.0))
    layers.upsert(LayerLine("r:1", "def", "Layer already exists", fraction=1.0))
    assert layers.rowCount() == 2
    assert layers.data(layers.index(0, LayersModel.COL_STATUS)) == "Pushed"
    qtmodeltester.check(layers)

    targets = PushTargetsModel(["a:1", "a:2"], ["a:1"])
    qtmodeltester.check(targets)
    assert targets.chosen() == ["a:1"]
    targets.setData(targets.index(1, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert targets.chosen() == ["a:1", "a:2"]
    targets.set_state("a:1", "Pushed", "sha256:" + "f" * 64)
    assert targets.data(targets.index(0, PushTargetsModel.COL_DIGEST)) == "sha256:" + "f" * 64
    qtmodeltester.check(targets)


def test_console_joins_chunks_into_lines(qtmodeltester: ModelTester) -> None:
    out = OutputModel()
    qtmodeltester.check(out)
    out.note("$ docker run app")
    out.append("hel", "stdout")
    out.append("lo\nwor", "stdout")
    out.append("oops\n", "stderr")
    out.append("ld\n", "stdout")
    assert out.all_text().splitlines() == ["hello", "world", "oops"]
    qtmodeltester.check(out)
