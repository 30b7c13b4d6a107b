"""What each layer changes, with whiteouts *and* opaque directories applied correctly.

One path-indexed table per layer (path → change), computed in a single walk up the
layers; views (one layer's changes, the image up to a layer) are built on demand.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from workbench.formatting import human_size
from workbench.layers.efficiency import Efficiency, Inefficiency
from workbench.layers.model import Change, Entry, ImageLayers, Kind, LayerFiles

_CONTENT_KINDS = (Kind.FILE, Kind.DIR, Kind.SYMLINK, Kind.HARDLINK, Kind.OTHER)
# Enum members as module constants: ``Kind.X`` is a descriptor look-up (~70 ns in 3.11),
# paid per entry in the loops below.
_OPAQUE, _WHITEOUT, _DIR = Kind.OPAQUE, Kind.WHITEOUT, Kind.DIR
_ADDED, _MODIFIED, _REMOVED, _UNMODIFIED = (Change.ADDED, Change.MODIFIED, Change.REMOVED,
                                           Change.UNMODIFIED)


class FileChange(NamedTuple):
    """One path a layer touches. ``entry`` is the new entry (the old one when removed).

    A tuple, not a frozen dataclass: one is made per entry of every layer, and a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``."""

    path: str
    change: Change
    entry: Entry
    before: Entry | None = None
    hidden_by_opaque: bool = False  # removed because its directory became opaque


class _Stack:
    """The merged filesystem: path → entry, plus each directory's children (indexed only
    once a whiteout, an opaque directory or a replaced directory needs a subtree)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._children: dict[str, set[str]] | None = None

    def _index(self) -> dict[str, set[str]]:
        if self._children is None:
            index: dict[str, set[str]] = {}
            for path in self.entries:
                index.setdefault(path.rpartition("/")[0] or "/", set()).add(path)
            self._children = index
        return self._children

    def add(self, entry: Entry) -> None:
        path = entry.path
        if self._children is not None and path not in self.entries:
            parent = path.rpartition("/")[0] or "/"  # posixpath.dirname of a clean path
            self._children.setdefault(parent, set()).add(path)
        self.entries[path] = entry

    def has_children(self, path: str) -> bool:
        return bool(self._index().get(path))

    def subtree(self, path: str) -> Iterator[str]:
        """``path`` and everything below it that is in the stack (depth first)."""
        children = self._index()
        todo = [path]
        while todo:
            p = todo.pop()
            if p in self.entries:
                yield p
            todo.extend(children.get(p, ()))

    def remove(self, path: str) -> None:
        children = self._index()
        for p in list(self.subtree(path)):
            self.entries.pop(p, None)
            children.pop(p, None)
            siblings = children.get(posixpath.dirname(p))
            if siblings is not None:
                siblings.discard(p)

    def below(self, path: str) -> list[str]:
        return [p for p in self.subtree(path) if p != path]


def _change(path: str, change: Change, entry: Entry, before: Entry | None,
            hidden_by_opaque: bool = False) -> FileChange:
    # tuple.__new__ skips the NamedTuple's generated __new__: one call per entry less.
    return tuple.__new__(FileChange, (path, change, entry, before, hidden_by_opaque))


def layer_changes(stack: _Stack, layer: LayerFiles) -> dict[str, FileChange]:
    """Apply ``layer`` to ``stack`` and return what it changed, path by path."""
    changes: dict[str, FileChange] = {}
    below = stack.entries
    # Opaque directories and whiteouts act on the layers below, before this layer's own
    # entries are added (OCI image spec, "Whiteouts").
    for entry in layer.entries:
        if entry.kind is _OPAQUE:
            hidden = stack.below(entry.path)
            for p in hidden:
                changes[p] = _change(p, _REMOVED, below[p], below[p], True)
            for p in hidden:
                stack.remove(p)
        elif entry.kind is _WHITEOUT and (entry.path in below
                                          or stack.has_children(entry.path)):
            for p in list(stack.subtree(entry.path)):
                changes[p] = _change(p, _REMOVED, below[p], below[p])
            stack.remove(entry.path)
    content = _CONTENT_KINDS
    for entry in layer.entries:
        if entry.kind not in content:
            continue
        path = entry.path
        before = below.get(path)
        if before is None and changes and path in changes:
            before = changes[path].before  # replaced inside an opaque dir: compare with it
        if before is None:
            change = _ADDED
        else:
            change = _UNMODIFIED if entry.same_content(before) else _MODIFIED
            if before.kind is _DIR and entry.kind is not _DIR:
                for p in stack.below(path):
                    changes[p] = _change(p, _REMOVED, below[p], below[p])
                stack.remove(path)
        changes[path] = _change(path, change, entry, before)
        stack.add(entry)
    return changes


class ImageDiff:
    """Every layer's changes, and the stacked filesystem at any layer on demand."""

    def __init__(self, layers: list[LayerFiles]) -> None:
        self.layers = layers
        self.changes: list[dict[str, FileChange]] = []
        stack = _Stack()
        for layer in layers:
            self.changes.append(layer_changes(stack, layer))
        self.final = stack.entries
        self._cached: tuple[int, dict[str, Entry]] | None = None

    def stack_at(self, index: int) -> dict[str, Entry]:
        """The filesystem with layers 0..index applied (path → entry)."""
        if index >= len(self.layers) - 1:
            return self.final
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        # Replaying the recorded changes is plain dict work: every removal is in them
        # (whiteouts, opaque directories, folders replaced by files), path by path.
        entries: dict[str, Entry] = {}
        for changes in self.changes[:index + 1]:
            for path, change in changes.items():
                if change.change is _REMOVED:
                    entries.pop(path, None)
                else:
                    entries[path] = change.entry
        self._cached = (index, entries)
        return entries

    def history_of(self, path: str) -> list[tuple[int, FileChange]]:
        return [(i, ch[path]) for i, ch in enumerate(self.changes) if path in ch]

    @property
    def final_size(self) -> int:
        return sum(e.size for e in self.final.values())

    def true_waste(self) -> int:
        """Bytes shipped in the layers that the final filesystem does not show."""
        return sum(layer.size for layer in self.layers) - self.final_size

    def opaque_hidden(self) -> list[tuple[int, FileChange]]:
        """Paths an opaque directory hid: dive still shows these as present."""
        return [(i, c) for i, ch in enumerate(self.changes) for c in ch.values()
                if c.hidden_by_opaque]


def explain_inefficiency(item: Inefficiency, diff: ImageDiff, image: ImageLayers) -> str:
    """The waste of one path in words, with what to do about it."""
    events = diff.history_of(item.path)
    size = max((c.entry.size for _, c in events), default=0) or item.size
    name = f"{item.path} ({human_size(size)})"

    def step(layer: int) -> str:
        return f"step {image.layer_step(layer)}"

    if not events:
        return f"{name} appears in {item.count} layers; each copy is shipped."
    first_layer, first = events[0]
    removed = [i for i, c in events[1:] if c.change is Change.REMOVED]
    rewrites = [(i, c) for i, c in events[1:] if c.change is not Change.REMOVED]
    if first.entry.is_dir and not removed and all(c.entry.is_dir for _, c in events):
        return (f"{item.path}/ is re-created in {len(events)} layers; it costs nothing "
                "but dive lists it.")
    if removed:
        last = removed[-1]
        return (f"{name} is added in {step(first_layer)} and removed in {step(last)}: "
                "it is still shipped; do both in one RUN (or use a multi-stage build).")
    parts = []
    for i, c in rewrites:
        if c.change is Change.UNMODIFIED:
            parts.append(f"{step(i)} writes it again unchanged (only its timestamp moved), "
                         "so that layer ships a second copy; do not touch, chown or copy "
                         "files an earlier step made")
        elif c.before is not None:
            what = c.entry.difference(c.before)
            if what and all(w.startswith(("mode", "owner")) for w in what):
                attrs = " and ".join(w.split()[0] for w in what)
                parts.append(f"{step(i)} changes only its {attrs}, which ships the whole "
                             "file again; set it where the file is added (COPY --chmod / "
                             "--chown, or in the same RUN)")
            else:
                parts.append(f"{step(i)} changes it ({', '.join(what) or 'content'}): both "
                             "versions are shipped; make the change in the step that "
                             "creates it")
    return f"{name} is added in {step(first_layer)}; " + "; ".join(parts) + "."


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the inspector shows: the image, the diff table, dive's numbers."""

    image: ImageLayers
    diff: ImageDiff
    efficiency: Efficiency

    def explain(self, item: Inefficiency) -> str:
        """The waste of one of dive's inefficient paths, in words."""
        return explain_inefficiency(item, self.diff, self.image)

    def explanations(self, limit: int | None = None) -> list[tuple[Inefficiency, str]]:
        return [(i, self.explain(i)) for i in self.efficiency.inefficiencies[:limit]]
