"""Two images side by side: the layers they share and the files that differ."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.layers.diff import Analysis, FileChange
from workbench.layers.model import Change


@dataclass(frozen=True)
class Comparison:
    """``changes``: what turns image A's final filesystem into B's, path by path."""

    shared_layers: int  # bottom layers with the same diff ids, in the same order
    layers_a: int
    layers_b: int
    changes: dict[str, FileChange]

    def count(self, change: Change) -> int:
        return sum(1 for c in self.changes.values() if c.change is change)

    def summary(self) -> str:
        return (f"{self.shared_layers} shared layers of {self.layers_a} / {self.layers_b}; "
                f"{self.count(Change.ADDED)} files only in the second, "
                f"{self.count(Change.REMOVED)} only in the first, "
                f"{self.count(Change.MODIFIED)} different")


def compare(a: Analysis, b: Analysis) -> Comparison:
    ids_a = [la.diff_id for la in a.image.layers]
    ids_b = [la.diff_id for la in b.image.layers]
    shared = 0
    while shared < min(len(ids_a), len(ids_b)) and ids_a[shared] == ids_b[shared]:
        shared += 1
    final_a, final_b = a.diff.final, b.diff.final
    changes: dict[str, FileChange] = {}
    for path, entry in final_b.items():
        old = final_a.get(path)
        if old is None:
            changes[path] = FileChange(path, Change.ADDED, entry)
        elif not entry.same_content(old):
            changes[path] = FileChange(path, Change.MODIFIED, entry, old)
    for path, entry in final_a.items():
        if path not in final_b:
            changes[path] = FileChange(path, Change.REMOVED, entry, entry)
    return Comparison(shared, len(ids_a), len(ids_b), changes)
