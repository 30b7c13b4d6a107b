"""The inspector's models on synthetic layers: qtmodeltester, filters, sort, 100,000 files."""

from __future__ import annotations

import re

import pytest
import xxhash
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.modeltest import ModelTester

from ui.layers.models import HistoryModel, InefficiencyModel, LayersModel
from ui.layers.tree import CHANGE_ROLE, PATH_ROLE, FileTreeModel, TreeMode, build_tree
from ui.roles import Role
from workbench.layers import Change, Entry, Kind, LayerFiles
from workbench.layers.load import assemble


def file(path: str, data: bytes = b"x", mode: int = 0o644, uid: int = 0) -> Entry:
    return Entry(path, Kind.FILE, len(data), mode, uid, 0, "", xxhash.xxh3_128(data).digest(),
                 "0", path.rsplit("/", 1)[1])


def folder(path: str, mode: int = 0o755) -> Entry:
    return Entry(path, Kind.DIR, 0, mode, 0, 0, "", b"", "5", path.rsplit("/", 1)[1])


def whiteout(path: str) -> Entry:
    _parent, name = path.rsplit("/", 1)
    return Entry(path, Kind.WHITEOUT, 0, 0o644, 0, 0, "", b"", "0", ".wh." + name)


def opaque(path: str) -> Entry:
    return Entry(path, Kind.OPAQUE, 0, 0o644, 0, 0, "", b"", "0", ".wh..wh..opq")


CONFIG = {"history": [{"created_by": "/bin/sh -c #(nop) ADD file:1 in / "},
                      {"created_by": "/bin/sh -c #(nop)  ENV A=1", "empty_layer": True},
                      {"created_by": "/bin/sh -c rm /big && chmod 600 /etc/x"},
                      {"created_by": "RUN /bin/sh -c rm -rf /d && mkdir /d # buildkit"}]}


def sample() -> list[LayerFiles]:
    return [
        LayerFiles("sha256:" + "a" * 64, [folder("/etc"), file("/etc/x", b"abc"),
                                          file("/big", b"B" * 5000), folder("/d"),
                                          file("/d/old", b"o" * 100)]),
        LayerFiles("sha256:" + "b" * 64, [whiteout("/big"), folder("/etc"),
                                          file("/etc/x", b"abc", mode=0o600)]),
        LayerFiles("sha256:" + "c" * 64, [folder("/d"), opaque("/d"), file("/d/new", b"n")]),
    ]


def test_history_rows_strip_the_shell_noise_and_mark_metadata(qtmodeltester: ModelTester
                                                              ) -> None:
    a = assemble("sha256:" + "f" * 64, "x", CONFIG, sample(), False)
    model = HistoryModel()
    model.set_rows(a.image.history)
    qtmodeltester.check(model)
    texts = [model.data(model.index(r, 1)) for r in range(model.rowCount())]
    assert texts == ["ADD file:1 in /", "ENV A=1", "RUN rm /big && chmod 600 /etc/x",
                     "RUN rm -rf /d && mkdir /d"]
    assert model.data(model.index(1, 2)) == "metadata only"
    assert [r.layer for r in a.image.history] == [0, None, 1, 2]


def test_layers_have_size_bars_and_inefficient_files_have_words(
        qtmodeltester: ModelTester) -> None:
    a = assemble("sha256:" + "f" * 64, "x", CONFIG, sample(), False)
    layers = LayersModel()
    layers.set_analysis(a)
    qtmodeltester.check(layers)
    assert layers.data(layers.index(0, 1), Role.BAR) == 1.0
    assert 0 < layers.data(layers.index(1, 1), Role.BAR) < 1
    waste = InefficiencyModel()
    waste.sort(1, Qt.SortOrder.DescendingOrder)  # as the view asks, before any rows
    waste.set_analysis(a)
    qtmodeltester.check(waste)
    sizes = [waste.data(waste.index(r, 1), Role.SORT) for r in range(waste.rowCount())]
    assert len(sizes) >= 2 and sizes == sorted(sizes, reverse=True)
    first = QPersistentModelIndex(waste.index(0, 2))
    path = first.data()
    waste.sort(1, Qt.SortOrder.AscendingOrder)
    # A selection follows its row: the largest is now last.
    assert first.row() == waste.rowCount() - 1 and first.data() == path
    waste.set_analysis(a)  # new rows keep the chosen order
    assert [waste.data(waste.index(r, 1), Role.SORT)
            for r in range(waste.rowCount())] == sorted(sizes)
    words = {waste.data(waste.index(r, 2)): waste.data(waste.index(r, 3))
             for r in range(waste.rowCount())}
    assert words["/big"] == ("/big (5kB) is added in step 1 and removed in step 3: it is "
                             "still shipped; do both in one RUN (or use a multi-stage build).")
    assert "changes only its mode" in words["/etc/x"]
    hidden = [c.path for _, c in a.diff.opaque_hidden()]
    assert hidden == ["/d/old"]  # the opaque /d hid it; dive would still show it
    assert "/d/old" not in a.diff.final and "/d/new" in a.diff.final


def test_file_tree_modes_colours_and_filters(qtmodeltester: ModelTester) -> None:
    a = assemble("sha256:" + "f" * 64, "x", CONFIG, sample(), False)
    checked = FileTreeModel()  # a tester per state: it must not watch later mutations
    checked.set_root(build_tree(a.diff.stack_at(2), a.diff.changes[2], TreeMode.IMAGE))
    qtmodeltester.check(checked)
    model = FileTreeModel()
    model.set_root(build_tree(a.diff.stack_at(2), a.diff.changes[2], TreeMode.IMAGE))
    top = {model.data(model.index(r, 0)): model.index(r, 0) for r in range(model.rowCount())}
    assert set(top) == {"etc/", "d/"}
    d = top["d/"]
    assert model.rowCount(d) == 0 and model.canFetchMore(d)  # lazy: nothing until asked
    model.fetchMore(d)
    kids = {model.data(model.index(r, 0, d)): model.data(model.index(r, 0, d), CHANGE_ROLE)
            for r in range(model.rowCount(d))}
    assert kids == {"old": Change.REMOVED, "new": Change.ADDED}
    new = next(model.index(r, 0, d) for r in range(model.rowCount(d))
               if model.data(model.index(r, 0, d)) == "new")
    assert model.data(new, Qt.ItemDataRole.ForegroundRole).color().name() == "#2e9e44"
    model.set_filters({Change.REMOVED})
    filtered = FileTreeModel()
    filtered.set_filters({Change.REMOVED})
    filtered.set_root(build_tree(a.diff.stack_at(2), a.diff.changes[2], TreeMode.IMAGE))
    qtmodeltester.check(filtered)
    assert [n.path for n in filtered.visible_nodes()] == ["/d", "/d/old"]
    paths = [n.path for n in model.visible_nodes()]
    assert paths == ["/d", "/d/old"]
    model.set_filters(set(Change), pattern=r"^/etc")
    assert [n.path for n in model.visible_nodes()] == ["/etc", "/etc/x"]
    model.set_root(build_tree(a.diff.stack_at(1), a.diff.changes[1], TreeMode.CHANGES))
    model.set_filters(set(Change))
    assert {n.path: n.change for n in model.visible_nodes()} == {
        "/big": Change.REMOVED, "/etc": Change.MODIFIED, "/etc/x": Change.MODIFIED}


def test_file_tree_is_lazy_with_100k_files() -> None:
    entries = [folder(f"/d{i}") for i in range(100)]
    entries += [file(f"/d{i}/f{j}", b"x" * (j % 50)) for i in range(100) for j in range(1000)]
    layers = [LayerFiles("sha256:" + "a" * 64, entries)]
    a = assemble("sha256:" + "f" * 64, "x", {}, layers, False)
    model = FileTreeModel()
    model.set_root(build_tree(a.diff.stack_at(0), a.diff.changes[0], TreeMode.IMAGE))
    assert model.rowCount() == 100
    first = model.index(0, 0)
    assert model.rowCount(first) == 0 and model.canFetchMore(first)  # nothing fetched yet
    model.fetchMore(first)
    assert model.rowCount(first) == 1000
    model.sort(FileTreeModel.COL_SIZE, Qt.SortOrder.DescendingOrder)
    sizes = [model.index(r, 0, first).internalPointer().size for r in range(3)]
    assert sizes == [49, 49, 49]
    assert model.data(model.index(0, FileTreeModel.COL_SIZE, first), Role.SORT) == 49
    model.set_filters(set(Change), min_size=49)
    assert sum(1 for n in model.visible_nodes() if not n.by_name) == 100 * 20
    assert model.data(model.index(0, 0), PATH_ROLE).startswith("/d")


def test_bad_regex_is_refused() -> None:
    model = FileTreeModel()
    a = assemble("sha256:" + "f" * 64, "x", CONFIG, sample(), False)
    model.set_root(build_tree(a.diff.stack_at(2), a.diff.changes[2], TreeMode.IMAGE))
    with pytest.raises(re.error):
        model.set_filters(set(Change), pattern="(")
    assert model.rowCount(QModelIndex()) == 2


def test_a_very_deep_path_still_makes_a_tree() -> None:
    """1,200 folders deep (2,400 characters, within PATH_MAX): no recursion limit."""
    deep = "/" + "/".join(f"d{i}" for i in range(1200))
    leaf = Entry(deep, Kind.FILE, 7, 0o644, 0, 0, "", b"x", "0", "d1199")
    root = build_tree({deep: leaf}, {}, TreeMode.IMAGE)
    node, depth = root, 0
    while node.by_name:
        (node,) = node.by_name.values()
        depth += 1
    assert depth == 1200 and node.path == deep and node.entry is leaf and root.size == 7
