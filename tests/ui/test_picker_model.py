"""The picker's model: checked by qtmodeltester; sizes sort as numbers, unknown last."""

from __future__ import annotations

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from ui.picker.model import LocalImage, PickerModel, PickerRow
from ui.picker.panel import PickerFilter
from ui.roles import Role
from workbench.catalogue import load_catalogue
from workbench.registry import SizeFigure


def _figure(ref: str, download: int | None, live: bool, as_of: str | None = None,
            on_disk: int | None = None) -> SizeFigure:
    return SizeFigure(ref, download, on_disk, live, as_of, "test")


def _rows() -> list[PickerRow]:
    catalogue = load_catalogue()
    alpine = catalogue.entry("alpine")
    ubuntu = catalogue.entry("ubuntu")
    centos = catalogue.entry("centos")
    return [
        PickerRow("ubuntu", "24.04", ubuntu, figure=_figure("ubuntu:24.04", 29_764_116, False,
                                                           "2026-09-11", 78_160_000)),
        PickerRow("alpine", "3.22", alpine, figure=_figure("alpine:3.22", 3_792_075, True)),
        PickerRow("centos", "7", centos, figure=_figure("centos:7", None, False)),
        PickerRow("x/y", "1", None, "found by “x”", looking_up=True),
    ]


def test_picker_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = PickerModel()
    model.set_rows(_rows())
    qtmodeltester.check(model)
    model.add_rows([PickerRow("busybox", "latest")])
    model.update("alpine", tag="3.21")
    qtmodeltester.check(model)


def test_sizes_are_labelled_and_sort_as_numbers_with_unknown_last(qtbot: QtBot) -> None:
    model = PickerModel()
    model.set_rows(_rows())
    proxy = PickerFilter()
    proxy.setSourceModel(model)
    proxy.sort(PickerModel.COL_DOWNLOAD)
    order = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert order[:2] == ["Alpine Linux", "Ubuntu"]
    assert set(order[2:]) == {"CentOS — end of life", "x/y"}
    assert model.headerData(PickerModel.COL_DOWNLOAD, _h()) == "Download (compressed)"
    assert model.headerData(PickerModel.COL_DISK, _h()) == "On disk"
    ubuntu = model.index(0, PickerModel.COL_DOWNLOAD)
    assert ubuntu.data() == "29.8MB (as of 2026-09-11)"
    assert model.index(0, PickerModel.COL_DISK).data() == "≈78.2MB (published)"
    assert model.index(1, PickerModel.COL_DOWNLOAD).data() == "3.79MB"
    assert model.index(2, PickerModel.COL_DOWNLOAD).data() == "not known"
    assert model.index(3, PickerModel.COL_DOWNLOAD).data() == "looking up…"
    assert model.index(1, PickerModel.COL_DOWNLOAD).data(Role.SORT) == 3_792_075
    model.set_local({"alpine:3.22": LocalImage("alpine:3.22", 8_444_000, "sha256:x")})
    assert model.index(1, PickerModel.COL_DISK).data() == "8.44MB · available offline"
    proxy.sort(PickerModel.COL_DISK)
    assert proxy.index(0, 0).data() == "Alpine Linux"


def _h() -> object:
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal
