"""The file tree of one layer: a lazy model that is fine with 100,000+ entries.

The tree is built once per (layer, mode) as plain nodes; Qt only ever sees the
children of folders it expanded (``canFetchMore`` / ``fetchMore``), filtered and
sorted when first asked for. Filters mark visible nodes in one pass and reset.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ui.roles import Role
from workbench.formatting import human_size
from workbench.layers import Change, Entry, FileChange, Kind
from workbench.layers.load import collector_paused

Index = QModelIndex | QPersistentModelIndex
COLOURS = {Change.ADDED: QColor("#2e9e44"), Change.MODIFIED: QColor("#c68a00"),
           Change.REMOVED: QColor("#d03030")}
CHANGE_ROLE = Qt.ItemDataRole.UserRole + 60  # the node's Change
PATH_ROLE = Qt.ItemDataRole.UserRole + 61  # the node's absolute path
# Enum members as module constants: ``Kind.X`` is a descriptor look-up (~70 ns in 3.11),
# paid per entry in every node below.
_MODIFIED, _REMOVED, _UNMODIFIED = Change.MODIFIED, Change.REMOVED, Change.UNMODIFIED


class TreeMode(Enum):
    CHANGES = "This layer's changes"
    IMAGE = "The image up to this layer"


class Node:
    __slots__ = (
        "by_name",
        "change",
        "children",
        "entry",
        "name",
        "parent",
        "path",
        "row",
        "size",
        "visible",
    )

    def __init__(self, name: str, path: str, parent: Node | None) -> None:
        self.name = name
        self.path = path
        self.parent = parent
        self.entry: Entry | None = None
        self.change = _UNMODIFIED
        self.size = 0
        self.by_name: dict[str, Node] = {}
        self.children: list[Node] | None = None  # None until fetched
        self.visible = True
        self.row = 0

    def walk(self) -> Iterator[Node]:
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.by_name.values())


def build_tree(stack: dict[str, Entry], changes: dict[str, FileChange],
               mode: TreeMode) -> Node:
    """Nodes for the image at a layer (with its removals) or only the layer's changes."""
    # Nodes point at their parents: cycles, which the collector would walk again and
    # again while 100,000 of them are made (half the time of a build).
    with collector_paused():
        return _build_tree(stack, changes, mode)


def _build_tree(stack: dict[str, Entry], changes: dict[str, FileChange],
                mode: TreeMode) -> Node:
    root = Node("/", "/", None)
    if mode is TreeMode.IMAGE:
        items: list[tuple[str, Entry, Change]] = [
            (p, e, changes[p].change if p in changes else _UNMODIFIED)
            for p, e in stack.items()]
        items += [(p, c.entry, c.change) for p, c in changes.items()
                  if c.change is _REMOVED]
    else:
        items = [(p, c.entry, c.change) for p, c in changes.items()]
    nodes = {"/": root}  # path → node: most parents are found in one look-up

    def node_of(path: str) -> Node:
        node = nodes.get(path)
        if node is not None:
            return node
        cut = path.rfind("/")
        parent = nodes.get(path[:cut] or "/")
        if parent is None:  # a folder not seen yet: make the chain down from a known one
            missing = []  # a loop, not recursion: paths can be thousands of folders deep
            up = path[:cut] or "/"
            while parent is None:
                missing.append(up)
                up = up[:up.rfind("/")] or "/"
                parent = nodes.get(up)
            for sub in reversed(missing):
                parent = child_of(parent, sub)
        return child_of(parent, path)

    def child_of(parent: Node, path: str) -> Node:
        name = path[path.rfind("/") + 1:]
        node = parent.by_name.get(name)
        if node is None:
            node = parent.by_name[name] = Node(name, path, parent)
        nodes[path] = node
        return node

    for path, entry, change in items:
        node = node_of(path)
        node.entry = entry
        node.change = change
    _aggregate(root)
    return root


def _aggregate(root: Node) -> None:
    """Folder sizes and dive's folder colour: its children's change if they agree."""
    order = list(root.walk())
    for node in reversed(order):
        if node.entry is not None and not node.entry.is_dir:
            node.size = node.entry.size
        kids = node.by_name.values()
        if kids:
            node.size = sum(k.size for k in kids)
            if node.change is _UNMODIFIED:
                kinds = {k.change for k in kids} - {_UNMODIFIED}
                if len(kinds) == 1 and all(k.change in kinds for k in kids):
                    node.change = kinds.pop()
                elif kinds:
                    node.change = _MODIFIED


class FileTreeModel(QAbstractItemModel):
    HEADERS = ("Name", "Size", "Mode", "UID:GID", "Change", "Link")
    COL_NAME, COL_SIZE, COL_MODE, COL_OWNER, COL_CHANGE, COL_LINK = range(6)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.root = Node("/", "/", None)
        self.root.children = []
        self._sort_size = False
        self._descending = False
        self.shown = set(Change)
        self.pattern: re.Pattern[str] | None = None
        self.min_size = 0

    # --- contents, filters, sort -------------------------------------------
    def set_root(self, root: Node) -> None:
        self._replace(root)

    def _replace(self, root: Node) -> None:
        """Swap the contents as "all rows removed, new rows inserted" rather than a reset:
        views (and Qt's model tester) may fetch children while handling a reset."""
        count = self.rowCount()
        if count:
            self.beginRemoveRows(QModelIndex(), 0, count - 1)
            self.root.children = []
            self.endRemoveRows()
        self.root = root
        self._apply_filters()
        fresh, self.root.children = self.root.children or [], []
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self.root.children = fresh
            self.endInsertRows()

    def set_filters(self, shown: set[Change], pattern: str = "", min_size: int = 0) -> None:
        """Show only these changes, paths matching ``pattern`` (a regex), files ≥ min_size.

        Raises ``re.error`` for a bad pattern (the caller says so and keeps the old one)."""
        compiled = re.compile(pattern) if pattern else None
        self.shown, self.pattern, self.min_size = set(shown), compiled, min_size
        self._replace(self.root)

    def _apply_filters(self) -> None:
        everything = self.shown == set(Change) and self.pattern is None and self.min_size <= 0
        for node in reversed(list(self.root.walk())):
            node.children = None
            if everything:
                node.visible = True
                continue
            leafish = not node.by_name
            own = (node.change in self.shown and node.size >= self.min_size
                   and (self.pattern is None or self.pattern.search(node.path) is not None))
            node.visible = (own if leafish else
                            any(k.visible for k in node.by_name.values()) or
                            (own and not node.by_name))
        self.root.visible = True
        self._fetch(self.root)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort_size = column == self.COL_SIZE
        self._descending = order == Qt.SortOrder.DescendingOrder
        old = self.persistentIndexList()
        nodes = [i.internalPointer() for i in old]
        for node in self.root.walk():
            if node.children is not None:
                self._order(node)
        self.changePersistentIndexList(old, [self.createIndex(n.row, i.column(), n)
                                             for n, i in zip(nodes, old, strict=True)])
        self.layoutChanged.emit()

    def _order(self, node: Node) -> None:
        assert node.children is not None
        if self._sort_size:
            node.children.sort(key=lambda n: (n.size, n.name), reverse=self._descending)
        else:
            node.children.sort(key=lambda n: n.name, reverse=self._descending)
        for row, child in enumerate(node.children):
            child.row = row

    def _fetch(self, node: Node) -> None:
        node.children = [k for k in node.by_name.values() if k.visible]
        self._order(node)

    def node(self, index: Index) -> Node:
        return index.internalPointer() if index.isValid() else self.root

    def visible_nodes(self) -> Iterator[Node]:
        """Every node the filters let through (fetched or not), depth first by name."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node is not self.root:
                yield node
            stack.extend(sorted((k for k in node.by_name.values() if k.visible),
                                key=lambda n: n.name, reverse=True))

    # --- QAbstractItemModel ----------------------------------------------------
    def index(self, row: int, column: int,
              parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if node.children is None or not (0 <= row < len(node.children)) \
                or not (0 <= column < len(self.HEADERS)):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid():
            return QModelIndex()
        node: Node = child.internalPointer()
        up = node.parent
        if up is None or up is self.root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return 0 if node.children is None else len(node.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return len(self.HEADERS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if node.children is not None:
            return bool(node.children)
        return any(k.visible for k in node.by_name.values())

    def canFetchMore(self, parent: Index) -> bool:
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        return node.children is None and any(k.visible for k in node.by_name.values())

    def fetchMore(self, parent: Index) -> None:
        node = self.node(parent)
        if node.children is not None:
            return
        visible = [k for k in node.by_name.values() if k.visible]
        self.beginInsertRows(parent, 0, len(visible) - 1)
        self._fetch(node)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        col = index.column()
        entry = node.entry
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.COL_NAME:
                return node.name + ("/" if node.by_name or (entry and entry.is_dir) else "")
            if col == self.COL_SIZE:
                return human_size(node.size)
            if entry is None:
                return ""
            if col == self.COL_MODE:
                return _mode_text(entry)
            if col == self.COL_OWNER:
                return f"{entry.uid}:{entry.gid}"
            if col == self.COL_CHANGE:
                return node.change.value
            if col == self.COL_LINK:
                return f"→ {entry.link}" if entry.link else ""
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = COLOURS.get(node.change)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and col == self.COL_NAME:
            return node.path
        if role == Role.SORT:
            return node.size if col == self.COL_SIZE else node.name
        if role == CHANGE_ROLE:
            return node.change
        if role == PATH_ROLE:
            return node.path
        return None


def _mode_text(entry: Entry) -> str:
    """``drwxr-xr-x`` with setuid/setgid/sticky, as ``ls -l`` writes it."""
    first = {Kind.DIR: "d", Kind.SYMLINK: "l", Kind.HARDLINK: "h"}.get(entry.kind, "-")
    bits = ""
    for shift, special, ch in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        part = (entry.mode >> shift) & 7
        x = "x" if part & 1 else "-"
        if entry.mode & special:
            x = ch if part & 1 else ch.upper()
        bits += ("r" if part & 4 else "-") + ("w" if part & 2 else "-") + x
    return first + bits
