"""The hover texts (``resources/docs/<lang>/instructions.toml``): data, not code.

A translation may leave entries out; English fills the gaps.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.data_files import RESOURCES

DEFAULT_FOLDER = RESOURCES / "docs"


@dataclass(frozen=True)
class Topic:
    title: str     # "FROM", "COPY --from", "# escape="
    summary: str
    detail: str
    example: str


@dataclass(frozen=True)
class Docs:
    topics: dict[str, Topic]  # keys: "FROM", "COPY --from", "directive:escape", "form:exec"

    def get(self, key: str) -> Topic | None:
        return self.topics.get(key)


def load_docs(folder: Path = DEFAULT_FOLDER, language: str = "en") -> Docs:
    topics: dict[str, Topic] = {}
    for lang in dict.fromkeys(["en", language]):  # English first, the translation on top
        path = folder / lang / "instructions.toml"
        if not path.is_file():
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for section, prefix, title in (("instructions", "", "{}"), ("flags", "", "{}"),
                                       ("directives", "directive:", "# {}="),
                                       ("forms", "form:", "{} form")):
            table: dict[str, Any] = data.get(section, {})
            for name, entry in table.items():
                topics[prefix + name] = Topic(
                    title.format(name), str(entry.get("summary", "")),
                    str(entry.get("detail", "")), str(entry.get("example", "")))
    return Docs(topics)
