"""Efficiency, wasted bytes and inefficient files exactly as dive 0.13 computes them.

dive (``filetree/efficiency.go``, ``image/analysis.go``) visits every *leaf* of every
layer's own tree, child-first in name order. A path's size is the leaf's tar size,
except a whiteout, which counts the deleted subtree's size when it removed a
directory of the layers below and 0 when it removed a file. Then:

* efficiency = Σ per-path smallest size ÷ Σ per-path summed size (1.0 if 0);
* wasted bytes = Σ summed size of every path seen in ≥ 2 layers (kept copy included);
* user wasted = wasted ÷ (image size − layer 0 size).

dive's quirks are reproduced on purpose so the numbers agree: opaque markers are
ignored, a whiteout whose path is missing below aborts the rest of that layer's
visit (leaving a −1 in the minimum sum if the path was new), and lookups are made in
dive's own stacked tree (layer 0 stacked onto a copy of itself).
:func:`true_waste` gives the correct figure next to it.

dive's trees are kept flat here (raw path → size and type), which gives the same visit
and the same look-ups for a fraction of the objects; ``tests/harness/dive_reference.py``
keeps the tree formulation the numbers are checked against.
"""

from __future__ import annotations

import math
import posixpath
from dataclasses import dataclass
from typing import NamedTuple

from workbench.layers.model import WHITEOUT_PREFIX, Kind, LayerFiles

Info = tuple[int, bool]  # a node of dive's trees: (size, is directory)
_IMPLICIT: Info = (0, False)  # a parent dive made on the way (``AddPath``'s empty info)
_ROOT: Info = (0, True)

# Enum members as module constants: ``Kind.X`` is a descriptor look-up (~70 ns in 3.11),
# paid per entry in the loops below.
_WHITEOUT, _OPAQUE, _META, _DIR = Kind.WHITEOUT, Kind.OPAQUE, Kind.META, Kind.DIR


class _Leaf(NamedTuple):  # a tuple: one per file of every layer, made while streaming
    path: str  # dive's Path(): the whiteout prefix trimmed from the last name
    size: int
    whiteout: bool


def _layer_nodes(layer: LayerFiles) -> tuple[dict[str, Info], set[str]]:
    """dive's ``processLayerTar`` + ``AddPath``, flat: raw path → info, where a raw path
    keeps a whiteout's ".wh." name ("/a/.wh.x"), as dive's tree does; and the paths
    that are some node's parent (so not leaves). The root's key is ""."""
    nodes: dict[str, Info] = {}
    for entry in layer.entries:
        kind = entry.kind
        if kind is _WHITEOUT:
            nodes[entry.path.rpartition("/")[0] + "/" + entry.name] = (entry.size, False)
        elif kind is _OPAQUE:  # AddPath makes the directory, then stops at the marker
            if entry.path != "/":
                nodes.setdefault(entry.path, _IMPLICIT)
        elif kind is _META:  # only its directory is made
            parent = entry.path.rpartition("/")[0]
            if parent:
                nodes.setdefault(parent, _IMPLICIT)
        else:
            nodes[entry.path] = (entry.size, kind is _DIR)
    parents = {""}
    for path in list(nodes):
        parent = path.rpartition("/")[0]
        while parent not in parents:  # every parent is a node too
            parents.add(parent)
            nodes.setdefault(parent, _IMPLICIT)
            parent = parent.rpartition("/")[0]
    nodes[""] = _ROOT
    return nodes, parents


def _visit_order(paths: list[str]) -> list[str]:
    """dive visits children first, names compared byte-wise (code-point order is Go's
    UTF-8 byte order): sorting whole paths with "/" as the smallest character gives that
    order. Only a PAX record can put a NUL in a name (Linux forbids it in file names);
    then the parts are compared as lists, which is slower."""
    if any("\0" in p for p in paths):
        return sorted(paths, key=lambda p: p.split("/"))
    return sorted(paths, key=lambda p: p.replace("/", "\0"))


def _leaves(nodes: dict[str, Info], parents: set[str]) -> list[_Leaf]:
    """The nodes without children, in dive's visit order."""
    out = []
    for raw in _visit_order([p for p in nodes if p not in parents]):
        size = nodes[raw][0]
        if WHITEOUT_PREFIX in raw:  # a cheap test first: few paths have it at all
            parent, _, name = raw.rpartition("/")
            if name.startswith(WHITEOUT_PREFIX):
                out.append(_Leaf(parent + "/" + name[4:], size, True))
                continue
        out.append(_Leaf(raw, size, False))
    return out


class _Stacked:
    """dive's ``StackTreeRange``, flat: raw path → info, with a child index made only
    when a whole subtree must be summed or removed (whiteouts are rare)."""

    def __init__(self, nodes: dict[str, Info]) -> None:
        self.nodes = nodes
        self._children: dict[str, set[str]] | None = None

    def children(self) -> dict[str, set[str]]:
        if self._children is None:
            index: dict[str, set[str]] = {}
            for path in self.nodes:
                if path:
                    index.setdefault(path.rpartition("/")[0], set()).add(path)
            self._children = index
        return self._children

    def subtree(self, path: str) -> list[str]:
        children = self.children()
        out, todo = [], [path]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, ()))
        return out

    def subtree_size(self, path: str) -> int:
        nodes = self.nodes
        return sum(nodes[p][0] for p in self.subtree(path))

    def graft(self, path: str, info: Info) -> None:
        if path not in self.nodes:
            parent = path.rpartition("/")[0]
            if parent not in self.nodes:
                self.graft(parent, _IMPLICIT)
            if self._children is not None:
                self._children.setdefault(parent, set()).add(path)
        self.nodes[path] = info

    def remove(self, path: str) -> None:
        gone = self.subtree(path)
        children = self.children()
        for p in gone:
            del self.nodes[p]
            children.pop(p, None)
        children[path.rpartition("/")[0]].discard(path)

    def stack(self, upper: dict[str, Info]) -> None:
        """dive's ``FileTree.Stack``: graft every node of ``upper``; a ".wh." node removes
        its sibling below instead. Nodes are visited child first, names in order, which
        only matters when there are whiteouts."""
        if not any(WHITEOUT_PREFIX in p for p in upper):
            for path, info in upper.items():
                if path:
                    self.graft(path, info)
            return
        children: dict[str, list[str]] = {}
        for path in upper:
            if path:
                children.setdefault(path.rpartition("/")[0], []).append(path)

        def visit(path: str) -> None:
            for child in sorted(children.get(path, ())):  # siblings share the prefix
                visit(child)
            if not path:
                return
            parent, _, name = path.rpartition("/")
            if name.startswith(WHITEOUT_PREFIX):
                target = parent + "/" + name[4:]
                if parent in self.nodes and target in self.nodes:
                    self.remove(target)
                return
            self.graft(path, upper[path])

        visit("")


@dataclass(frozen=True, slots=True)
class Inefficiency:
    """A path present in ≥ 2 layers: dive's ``fileReference`` row."""

    path: str
    count: int
    size: int  # cumulative over every layer that has it (dive's "Total Space")
    layers: tuple[int, ...]  # the layers it appears in, in order


@dataclass(frozen=True, slots=True)
class Efficiency:
    score: float
    wasted_bytes: int
    user_wasted_ratio: float  # NaN for a single-layer image, like dive
    image_size: int
    user_size: int
    inefficiencies: tuple[Inefficiency, ...]  # largest first, as dive prints them

    @property
    def user_wasted_percent(self) -> float:
        return self.user_wasted_ratio * 100


@dataclass(frozen=True, slots=True)
class PreparedLayer:
    """The per-layer half of dive's analysis (its nodes and leaves), which needs no other
    layer: computed while the export is still streaming in."""

    nodes: dict[str, Info]
    leaves: list[_Leaf]
    whiteouts: bool  # any ".wh." node: stacking this layer onto itself is not a no-op


def prepare_layer(layer: LayerFiles) -> PreparedLayer:
    nodes, parents = _layer_nodes(layer)
    return PreparedLayer(nodes, _leaves(nodes, parents),
                         any(WHITEOUT_PREFIX in p for p in nodes))


def dive_efficiency(layers: list[LayerFiles],
                    prepared: list[PreparedLayer | None] | None = None) -> Efficiency:
    """dive's analysis of an image whose layers are ``layers`` (bottom first)."""
    ready = [(prepared[i] if prepared is not None and i < len(prepared) else None)
             or prepare_layer(layer) for i, layer in enumerate(layers)]
    sizes: dict[str, list[int]] = {}  # path → [min, cumulative, count]
    where: dict[str, list[int]] = {}
    order: list[str] = []  # paths in the order they reached a second layer
    stacked: _Stacked | None = None
    stacked_upto = -1  # layers 0..stacked_upto are in ``stacked``

    def stack_below(index: int) -> _Stacked:
        """dive's StackTreeRange(0, index - 1), built only when a whiteout needs it and
        extended from where it was, never rebuilt."""
        nonlocal stacked, stacked_upto
        if index == 0:
            return _Stacked(ready[0].nodes)  # StackTreeRange(0, -1): layer 0 as it is
        if stacked is None:
            stacked = _Stacked(dict(ready[0].nodes))
        while stacked_upto < index - 1:
            stacked_upto += 1
            # dive stacks layer 0 onto a copy of itself: a no-op unless it has whiteouts.
            if stacked_upto > 0 or ready[0].whiteouts:
                stacked.stack(ready[stacked_upto].nodes)
        return stacked

    for index, layer_ready in enumerate(ready):
        lookup: _Stacked | None = None
        for leaf in layer_ready.leaves:
            data = sizes.get(leaf.path)
            if data is None:
                data = sizes[leaf.path] = [-1, 0, 0]
            if leaf.whiteout:
                if lookup is None:
                    lookup = stack_below(index)
                key = leaf.path.rstrip("/")  # "/a/" (a bare ".wh." name) is "/a" to dive
                below = lookup.nodes.get(key)
                if below is None:
                    break  # dive returns the lookup error: the rest of this layer is skipped
                size = lookup.subtree_size(key) if below[1] else 0
            else:
                size = leaf.size
            data[1] += size
            if data[0] < 0 or size < data[0]:
                data[0] = size
            data[2] += 1
            where.setdefault(leaf.path, []).append(index)
            if data[2] == 2:
                order.append(leaf.path)
    return efficiency_of(layers, sizes, where, order)


def efficiency_of(layers: list[LayerFiles], sizes: dict[str, list[int]],
                  where: dict[str, list[int]], order: list[str]) -> Efficiency:
    """dive's figures from its tally: per path [smallest, summed size, count], the layers
    each path is in, and the paths in the order they reached a second layer."""
    minimum = sum(d[0] for d in sizes.values())
    discovered = sum(d[1] for d in sizes.values())
    score = 1.0 if discovered == 0 else minimum / discovered
    found = [Inefficiency(p, sizes[p][2], sizes[p][1], tuple(where[p])) for p in order]
    found.sort(key=lambda i: i.size)  # Go's sort.Sort; stable here (ties: see tests)
    found.reverse()
    layer_sizes = [layer.size for layer in layers]
    image_size = sum(layer_sizes)
    user_size = image_size - (layer_sizes[0] if layer_sizes else 0)
    wasted = sum(i.size for i in found)
    ratio = wasted / user_size if user_size else (math.nan if wasted == 0 else math.inf)
    return Efficiency(score, wasted, ratio, image_size, user_size, tuple(found))


def parent_dirs(path: str) -> list[str]:
    out = []
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        out.append(path)
    return out
