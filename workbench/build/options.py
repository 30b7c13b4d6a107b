"""Build options a user picks, what the Dockerfile offers, and their memory per Dockerfile.

Stages and ARGs are read from the one parse (``workbench.dockerfile``): the
target list is the ``FROM … AS name`` stages, and the build-args table is
prefilled from the ARG declarations with their defaults.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.dockerfile import Document

_AS = re.compile(r"\s+as\s+(\S+)\s*$", re.I)
_FLAG = re.compile(r"^--\S+\s+")


@dataclass(frozen=True)
class Stage:
    index: int  # 0-based, as --target counts them too
    name: str | None
    base: str
    first_line: int

    @property
    def label(self) -> str:
        return f"{self.name} (stage {self.index + 1}, FROM {self.base})" if self.name else (
            f"stage {self.index + 1} (FROM {self.base})")


@dataclass(frozen=True)
class ArgDeclaration:
    name: str
    default: str | None
    stage: int | None  # None: a global ARG before the first FROM


def stages(document: Document) -> list[Stage]:
    found: list[Stage] = []
    for ins in document.instructions:
        if ins.keyword != "FROM":
            continue
        rest = ins.arguments
        while _FLAG.match(rest):  # --platform=… before the image
            rest = _FLAG.sub("", rest, count=1)
        m = _AS.search(rest)
        name = m.group(1) if m else None
        base = rest[: m.start()].strip() if m else rest.strip()
        found.append(Stage(len(found), name, base, ins.first_line))
    return found


def declared_args(document: Document) -> list[ArgDeclaration]:
    """Every ARG in order; a name declared twice keeps its first default that is set."""
    stage: int | None = None
    seen: dict[str, ArgDeclaration] = {}
    for ins in document.instructions:
        if ins.keyword == "FROM":
            stage = 0 if stage is None else stage + 1
        elif ins.keyword == "ARG":
            for token in ins.arguments.split():
                name, eq, default = token.partition("=")
                if not name:
                    continue
                value = _unquote(default) if eq else None
                old = seen.get(name)
                if old is None or (old.default is None and value is not None):
                    seen[name] = ArgDeclaration(name, value, stage if old is None else old.stage)
    return list(seen.values())


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


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
