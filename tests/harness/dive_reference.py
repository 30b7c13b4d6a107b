"""dive's efficiency in its own formulation: a tree of nodes per layer, stacked the way
dive's ``FileTree.Stack`` does. This was the app's implementation until 2026-12-04 (checked
against dive on real images); it stays here as the reference the flat formulation in
``workbench.layers.efficiency`` is held to on generated layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from workbench.layers.efficiency import Efficiency, efficiency_of
from workbench.layers.model import Entry, Kind, LayerFiles


@dataclass(slots=True)
class _Node:
    """A node of dive's per-layer or stacked tree: size, directory flag, children."""

    size: int = 0
    is_dir: bool = False
    children: dict[str, _Node] = field(default_factory=dict)

    def subtree_size(self) -> int:
        total = 0
        stack = [self]
        while stack:
            node = stack.pop()
            total += node.size
            stack.extend(node.children.values())
        return total


class _Leaf(NamedTuple):  # a tuple: one per file of every layer, made while streaming
    names: tuple[str, ...]  # raw names, as dive sorts them (".wh.x" stays ".wh.x")
    path: str  # dive's Path(): the whiteout prefix trimmed from the last name
    size: int
    is_dir: bool
    whiteout: bool


def _components(entry: Entry) -> tuple[str, ...] | None:
    """The raw tree names dive files an entry under; None for dive-invisible entries."""
    # Entry paths are clean and absolute ("/a/b"), so splitting is enough.
    parts = tuple(entry.path[1:].split("/")) if entry.path != "/" else ()
    if entry.kind is Kind.WHITEOUT:
        return (*parts[:-1], entry.name)
    if entry.kind is Kind.OPAQUE:
        return parts  # AddPath creates the directory, then stops at ".wh..wh..opq"
    if entry.kind is Kind.META:
        return parts[:-1]
    return parts


def _make(root: _Node, names: tuple[str, ...]) -> _Node:
    """The node at ``names``, made on the way with empty info where missing (``AddPath``)."""
    node = root
    for name in names:
        child = node.children.get(name)
        if child is None:
            child = node.children[name] = _Node()
        node = child
    return node


def _layer_tree(layer: LayerFiles) -> _Node:
    """dive's ``processLayerTar`` + ``AddPath``: implicit parents get empty info."""
    root = _Node(is_dir=True)
    for entry in layer.entries:
        names = _components(entry)
        if names is None or not names:
            continue
        node = _make(root, names)
        if entry.kind not in (Kind.OPAQUE, Kind.META):
            node.size = entry.size
            node.is_dir = entry.is_dir
    return root


def _leaves(root: _Node) -> list[_Leaf]:
    """Leaves in dive's visit order (children first, names sorted byte-wise)."""
    out: list[_Leaf] = []

    def walk(node: _Node, names: tuple[str, ...]) -> None:
        for name in sorted(node.children):  # code-point order = Go's UTF-8 byte order
            child = node.children[name]
            here = (*names, name)
            if child.children:
                walk(child, here)
            else:
                whiteout = name.startswith(".wh.")
                last = name[4:] if whiteout else name
                out.append(_Leaf(here, "/" + "/".join((*names, last)), child.size,
                                 child.is_dir, whiteout))

    walk(root, ())
    return out


def _copy(node: _Node) -> _Node:
    return _Node(node.size, node.is_dir, {k: _copy(v) for k, v in node.children.items()})


def _stack(lower: _Node, upper: _Node) -> None:
    """dive's ``FileTree.Stack``: graft every node of ``upper``, child first."""

    def visit(node: _Node, names: tuple[str, ...]) -> None:
        for name in sorted(node.children):
            visit(node.children[name], (*names, name))
        if not names:
            return
        last = names[-1]
        if last.startswith(".wh."):
            parent = _get(lower, names[:-1])
            if parent is not None:
                parent.children.pop(last[4:], None)
            return
        target = _make(lower, names)
        target.size, target.is_dir = node.size, node.is_dir

    visit(upper, ())


def _get(root: _Node, names: tuple[str, ...]) -> _Node | None:
    node = root
    for name in names:
        child = node.children.get(name)
        if child is None:
            return None
        node = child
    return node


def tree_efficiency(layers: list[LayerFiles]) -> Efficiency:
    """dive's analysis of an image whose layers are ``layers`` (bottom first)."""
    trees = [_layer_tree(layer) for layer in layers]
    leaves = [_leaves(tree) for tree in trees]
    sizes: dict[str, list[int]] = {}  # path → [min, cumulative, count]
    where: dict[str, list[int]] = {}
    order: list[str] = []  # paths in the order they reached a second layer
    stacked: _Node | None = None
    stacked_upto = -1  # layers 0..stacked_upto are in ``stacked``

    def stack_below(index: int) -> _Node:
        """dive's StackTreeRange(0, index - 1), built only when a whiteout needs it and
        extended from where it was, never rebuilt."""
        nonlocal stacked, stacked_upto
        if index == 0:
            return trees[0]  # StackTreeRange(0, -1) is a bare copy of layer 0
        if stacked is None:
            stacked = _copy(trees[0])
        while stacked_upto < index - 1:
            stacked_upto += 1
            _stack(stacked, trees[stacked_upto])
        return stacked

    for index, _tree in enumerate(trees):
        lookup: _Node | None = None
        for leaf in leaves[index]:
            data = sizes.get(leaf.path)
            if data is None:
                data = sizes[leaf.path] = [-1, 0, 0]
            if leaf.whiteout:
                if lookup is None:
                    lookup = stack_below(index)
                below = _get(lookup, tuple(p for p in leaf.path.split("/") if p))
                if below is None:
                    break  # dive returns the lookup error: the rest of this layer is skipped
                size = below.subtree_size() if below.is_dir else 0
            else:
                size = leaf.size
            data[1] += size
            if data[0] < 0 or size < data[0]:
                data[0] = size
            data[2] += 1
            where.setdefault(leaf.path, []).append(index)
            if data[2] == 2:
                order.append(leaf.path)
    return efficiency_of(layers, sizes, where, order)  # the shared arithmetic of the figures


