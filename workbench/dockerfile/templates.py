"""The "new from template" starting points (``resources/templates/``): data, not code.

``templates.toml`` lists them in gallery order, each with a file, a title and
a one-line description.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from workbench.data_files import RESOURCES

DEFAULT_FOLDER = RESOURCES / "templates"


@dataclass(frozen=True)
class Template:
    file: str
    title: str
    description: str
    path: Path

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def load_templates(folder: Path = DEFAULT_FOLDER) -> list[Template]:
    data = tomllib.loads((folder / "templates.toml").read_text(encoding="utf-8"))
    found = []
    for entry in data.get("template", []):
        path = folder / str(entry["file"])
        if not path.is_file():
            raise FileNotFoundError(f"templates.toml names {entry['file']}, which is missing")
        found.append(Template(str(entry["file"]), str(entry["title"]),
                              str(entry["description"]), path))
    return found
