"""Build options a user picks, what the Dockerfile offers, and their memory per Dockerfile.

Stages and ARGs come from the one parse (``workbench.dockerfile``), not a
second reading of the text: the target list is its stages, and the
build-args table is prefilled from its ARG declarations and defaults.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.dockerfile import Document
from workbench.dockerfile.parse import Stage


@dataclass(frozen=True)
class ArgDeclaration:
    name: str
    default: str | None
    stage: int | None  # None: a global ARG before the first FROM


def stages(document: Document) -> list[Stage]:
    """The stages a build can target (the one parse's, FROM order)."""
    return list(document.stages)


def declared_args(document: Document) -> list[ArgDeclaration]:
    """Every ARG name once, in order; the first default that is set wins."""
    seen: dict[str, ArgDeclaration] = {}
    for var in document.variables:
        if var.kind != "ARG":
            continue
        old = seen.get(var.name)
        if old is None:
            seen[var.name] = ArgDeclaration(var.name, var.value, var.stage)
        elif old.default is None and var.value is not None:
            seen[var.name] = ArgDeclaration(var.name, var.value, old.stage)
    return list(seen.values())


@dataclass
class BuildOptions:
    """What the options panel holds; remembered per Dockerfile."""

    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    no_cache: bool = False
    pull: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    tags: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildOptions:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def parse_labels(text: str) -> dict[str, str]:
    """``a=1 b="two words"`` → {"a": "1", "b": "two words"}; raises ValueError with the token."""
    import shlex

    labels: dict[str, str] = {}
    for token in shlex.split(text):
        key, eq, value = token.partition("=")
        if not eq or not key:
            raise ValueError(f"“{token}” is not key=value")
        labels[key] = value
    return labels


class OptionsStore:
    """A small JSON file of options keyed by the Dockerfile's path ("" when unsaved)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> BuildOptions | None:
        raw = self._load_all().get(key)
        return BuildOptions.from_json(raw) if isinstance(raw, dict) else None

    def save(self, key: str, options: BuildOptions) -> None:
        data = self._load_all()
        data[key] = asdict(options)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
