"""The picker on the real engine and the real test registry: live sizes equal the pushed
manifests' sums and sort right, the registry's tags, pull with per-layer progress bars and
total bytes, cancel, local tags "available offline", and the image list's signal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.auth
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.harness.images import RegistryAccess, build_layered, layer_sum, push_tags
from tests.harness.registry import RegistryHandle, free_port
from tests.qtsupport import MakeContext
from ui.editor.editor import DockerfileEditor
from ui.picker.model import PickerModel, PickerRole, PickerRow
from ui.picker.panel import BaseImagePicker
from workbench.catalogue import load_catalogue
from workbench.registry import Platform, RegistryClient
from workbench.transfer import LayerPhase, PullCancelled, PullDone

pytestmark = [pytest.mark.engine, pytest.mark.registry]


@dataclass
class Images:
    host: str
    small: str  # repositories as the picker lists them
    larger: str
    big: str
    small_sum: int
    larger_sum: int
    big_sum: int
    gone: str


@pytest.fixture(scope="module")
def images(engine_api: docker.APIClient, base_image: str, registry: RegistryHandle) -> Images:
    host = registry.host
    larger = "workbench-test/picker-larger:build"
    big = "workbench-test/picker-big:build"
    build_layered(engine_api, base_image, larger, [2_000_000, 1_500_000])
    build_layered(engine_api, base_image, big, [20_000_000] * 4)
    push_tags(engine_api, base_image, host, "workbench-test/pick-small", ["1", "latest"])
    push_tags(engine_api, larger, host, "workbench-test/pick-larger", ["1", "2", "latest"])
    push_tags(engine_api, big, host, "workbench-test/pick-big", ["1"])
    push_tags(engine_api, base_image, host, "workbench-test/pick-extra", ["latest"])
    for local in (larger, big):
        engine_api.remove_image(local)
    access = RegistryAccess(registry.url)
    return Images(host, f"{host}/workbench-test/pick-small", f"{host}/workbench-test/pick-larger",
                  f"{host}/workbench-test/pick-big",
                  layer_sum(access, "workbench-test/pick-small", "1"),
                  layer_sum(access, "workbench-test/pick-larger", "1"),
                  layer_sum(access, "workbench-test/pick-big", "1"),
                  f"127.0.0.1:{free_port()}/workbench-test/gone")


def _catalogue(folder: Path, images: Images) -> Path:
    entries = [("small", images.small, "1", ""), ("larger", images.larger, "1", ""),
               ("big", images.big, "1", ""),
               # Unreachable, with a published figure bigger than all: sorts last, dated.
               ("gone", images.gone, "1",
                '[[sizes]]\ntag = "1"\nplatform = "linux/amd64"\ndownload = 900000000\n'
                'date = "2026-01-02"\nsource = "test"\n'
                '[[sizes]]\ntag = "1"\nplatform = "linux/arm64"\ndownload = 900000000\n'
                'date = "2026-01-02"\nsource = "test"\n')]
    for name, repository, tag, sizes in entries:
        (folder / f"{name}.toml").write_text(
            f'repository = "{repository}"\ntitle = "{name}"\ndescription = "test {name}"\n'
            f'package_manager = "none"\nlibc = "static"\ntags = ["{tag}"]\n{sizes}')
    return folder


@pytest.fixture
def picker(make_ctx: MakeContext, qtbot: QtBot, images: Images, tmp_path: Path,
           test_engine: object) -> Iterator[BaseImagePicker]:
    ctx = make_ctx()
    with qtbot.waitSignal(ctx.engine.connected, timeout=20_000):
        ctx.engine.start()
    engine = ctx.engine.engine
    assert engine is not None
    platform = Platform.of_engine(engine.info.os, engine.info.arch)
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    client = RegistryClient(platform, auth_config=docker.auth.AuthConfig({}))
    widget = BaseImagePicker(ctx, editor, catalogue=load_catalogue(_catalogue(tmp_path, images)),
                             client=client)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    qtbot.waitUntil(lambda: all(not r.looking_up for r in widget.model.rows), timeout=10_000)
    yield widget
    widget.shutdown()


def _order(widget: BaseImagePicker) -> list[PickerRow]:
    return [widget.proxy.index(r, 0).data(PickerRole.ROW) for r in range(widget.proxy.rowCount())]


def _remove(api: docker.APIClient, reference: str) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        api.remove_image(reference, force=True)


def test_live_sizes_equal_the_manifests_and_sort(picker: BaseImagePicker, images: Images,
                                                 qtbot: QtBot) -> None:
    rows = {r.repository: r for r in picker.model.rows}
    assert rows[images.small].download == images.small_sum
    assert rows[images.larger].download == images.larger_sum
    assert rows[images.big].download == images.big_sum
    assert all(rows[n].figure is not None and rows[n].figure.live  # type: ignore[union-attr]
               for n in (images.small, images.larger, images.big))
    gone = rows[images.gone]
    assert gone.figure is not None and not gone.figure.live and gone.download == 900_000_000
    assert gone.download_text() == "900MB (as of 2026-01-02)"
    assert [r.repository for r in _order(picker)] == [images.small, images.larger, images.big,
                                                      images.gone]
    picker.view.sortByColumn(PickerModel.COL_DOWNLOAD, Qt.SortOrder.DescendingOrder)
    assert [r.repository for r in _order(picker)] == [images.gone, images.big, images.larger,
                                                      images.small]


def test_tag_selector_lists_the_registrys_tags_and_looks_up_the_chosen_one(
        picker: BaseImagePicker, images: Images, qtbot: QtBot) -> None:
    assert picker.select_repository(images.larger)
    qtbot.waitUntil(lambda: picker.tag_combo.count() == 3, timeout=5000)
    tags = [picker.tag_combo.itemData(i) for i in range(picker.tag_combo.count())]
    assert tags[0] == "1" and set(tags) == {"1", "2", "latest"}
    picker.tag_combo.setCurrentIndex(tags.index("2"))
    picker.tag_combo.activated.emit(tags.index("2"))
    qtbot.waitUntil(lambda: not picker.model.rows[picker.model.row_of(images.larger) or 0]
                    .looking_up, timeout=5000)
    row = picker.model.rows[picker.model.row_of(images.larger) or 0]
    assert row.reference == f"{images.larger}:2" and row.download == images.larger_sum
    assert "from the registry now" in picker.sizes_label.text()


def test_pull_shows_layers_and_bytes_then_available_offline(
        picker: BaseImagePicker, images: Images, engine_api: docker.APIClient,
        qtbot: QtBot) -> None:
    reference = f"{images.larger}:1"
    _remove(engine_api, reference)
    assert picker.select_repository(images.larger)
    with qtbot.waitSignal(picker.pullFinished, timeout=60_000) as finished:
        qtbot.mouseClick(picker.pull_button, Qt.MouseButton.LeftButton)
        assert not picker.pull_button.isEnabled() and picker.cancel_button.isEnabled()
    assert finished.args == [reference]
    assert isinstance(picker.progress.outcome, PullDone)
    assert picker.layers.rowCount() == 3  # busybox + two RUN layers, one bar each
    assert all(layer.phase.finished for layer in picker.progress.layers.values())
    assert all(line.fraction == 1.0 for line in picker.layers.lines)
    assert picker.pull_total.value() == 1000
    assert "downloaded (compressed), 3 layers" in picker.pull_status.text()
    downloaded = sum(layer.size for layer in picker.progress.layers.values()
                     if layer.phase is LayerPhase.COMPLETE)
    assert picker.progress.total_bytes == downloaded > 3_000_000
    qtbot.waitUntil(lambda: picker.model.rows[picker.model.row_of(images.larger) or 0]
                    .local is not None, timeout=10_000)
    row = picker.model.rows[picker.model.row_of(images.larger) or 0]
    on_disk = engine_api.inspect_image(reference)["Size"]
    assert row.local is not None and row.local.size == on_disk
    assert row.on_disk_text().endswith("· available offline")
    assert "available offline" in picker.sizes_label.text()


def test_cancel_mid_pull_in_the_picker(picker: BaseImagePicker, images: Images,
                                       engine_api: docker.APIClient, qtbot: QtBot) -> None:
    reference = f"{images.big}:1"
    _remove(engine_api, reference)
    assert picker.select_repository(images.big)
    qtbot.mouseClick(picker.pull_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: picker.progress.downloaded_bytes > 0, timeout=30_000)
    qtbot.mouseClick(picker.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not picker.pulling, timeout=30_000)
    assert isinstance(picker.progress.outcome, PullCancelled)
    assert "Pull cancelled" in picker.pull_status.text()
    with pytest.raises(docker.errors.ImageNotFound):
        engine_api.inspect_image(reference)
    assert picker.pull_button.isEnabled()


def test_search_a_private_registry_and_look_up_sizes(picker: BaseImagePicker, images: Images,
                                                     qtbot: QtBot) -> None:
    extra = f"{images.host}/workbench-test/pick-extra"
    assert picker.model.row_of(extra) is None  # not in the catalogue
    qtbot.keyClicks(picker.search, f"{images.host}/workbench-test/pick")
    qtbot.waitUntil(lambda: picker.model.row_of(extra) is not None, timeout=5000)
    assert "4 repositories found" in picker.search_status.text()
    qtbot.waitUntil(lambda: not picker.model.rows[picker.model.row_of(extra) or 0].looking_up,
                    timeout=5000)
    row = picker.model.rows[picker.model.row_of(extra) or 0]
    assert row.reference == f"{extra}:latest" and row.download == images.small_sum
    shown = {r.repository for r in _order(picker)}
    assert shown == {images.small, images.larger, images.big, extra}  # not "gone"
    # A full name with a tag is shown as typed, with its size.
    picker.search.clear()
    qtbot.keyClicks(picker.search, f"{images.larger}:2")
    qtbot.waitUntil(lambda: (r := picker._selected_row()) is not None
                    and r.reference == f"{images.larger}:2", timeout=5000)
    qtbot.waitUntil(lambda: not picker.model.rows[picker.model.row_of(images.larger) or 0]
                    .looking_up, timeout=5000)
    assert picker.model.rows[picker.model.row_of(images.larger) or 0].download == (
        images.larger_sum)
