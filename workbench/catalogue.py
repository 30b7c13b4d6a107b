"""The base-image catalogue (``resources/catalogue/*.toml``): what each image is for,
its recommended tags, and published sizes with their date and source.

Data, not code: the TOML files are the catalogue; this module only reads and
checks them. Published figures are the fallback when the registry cannot be
asked, and are always shown with their date ("as of …").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.data_files import RESOURCES

DEFAULT_FOLDER = RESOURCES / "catalogue"
_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class PublishedSize:
    tag: str
    platform: str  # "linux/amd64"
    download: int  # compressed bytes (Σ layer sizes of the platform manifest)
    date: str  # the image build the figure belongs to, "YYYY-MM[-DD]"
    source: str
    on_disk: int | None = None  # uncompressed, as `docker images` shows; None = not known
    exact: bool = True  # False: the source gives a rounded figure


@dataclass(frozen=True)
class EndOfLife:
    date: str
    note: str
    successors: tuple[str, ...]


@dataclass(frozen=True)
class CatalogueEntry:
    repository: str  # as `docker pull` takes it: "alpine", "quay.io/centos/centos"
    title: str
    description: str
    package_manager: str
    libc: str
    tags: tuple[str, ...]  # recommended, best first
    sizes: tuple[PublishedSize, ...] = ()
    eol: EndOfLife | None = None

    def published(self, tag: str, platform: str) -> PublishedSize | None:
        for size in self.sizes:
            if size.tag == tag and size.platform == platform:
                return size
        return None

    def reference(self, tag: str | None = None) -> str:
        return f"{self.repository}:{tag or self.tags[0]}"


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[CatalogueEntry, ...]

    def entry(self, repository: str) -> CatalogueEntry | None:
        wanted = normalise_repository(repository)
        for entry in self.entries:
            if normalise_repository(entry.repository) == wanted:
                return entry
        return None


def normalise_repository(repository: str) -> str:
    """``alpine``, ``library/alpine``, ``docker.io/library/alpine`` → one spelling."""
    name = repository.lower()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name.removeprefix(prefix)
            break
    return name.removeprefix("library/")


def _field(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is str and not value):
        raise CatalogueError(f"{where}: `{key}` must be a non-empty {kind.__name__}")
    return value


def _date(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise CatalogueError(f"{where}: `date` must be YYYY-MM or YYYY-MM-DD, not {value!r}")
    return value


def parse_entry(data: dict[str, Any], where: str) -> CatalogueEntry:
    text = {key: _field(data, key, str, where)
            for key in ("repository", "title", "description", "package_manager", "libc")}
    tags = _field(data, "tags", list, where)
    if not tags or not all(isinstance(t, str) and t for t in tags):
        raise CatalogueError(f"{where}: `tags` must list at least one tag")
    sizes = []
    for number, raw in enumerate(data.get("sizes", []), start=1):
        at = f"{where} sizes #{number}"
        on_disk = raw.get("on_disk")
        if on_disk is not None and not isinstance(on_disk, int):
            raise CatalogueError(f"{at}: `on_disk` must be a number of bytes")
        sizes.append(PublishedSize(
            tag=_field(raw, "tag", str, at), platform=_field(raw, "platform", str, at),
            download=_field(raw, "download", int, at), date=_date(raw.get("date"), at),
            source=_field(raw, "source", str, at), on_disk=on_disk,
            exact=bool(raw.get("exact", True))))
    eol = None
    if "eol" in data:
        raw_eol = data["eol"]
        eol = EndOfLife(_date(raw_eol.get("date"), f"{where} eol"),
                        _field(raw_eol, "note", str, f"{where} eol"),
                        tuple(_field(raw_eol, "successors", list, f"{where} eol")))
    return CatalogueEntry(**text, tags=tuple(tags), sizes=tuple(sizes), eol=eol)


def load_catalogue(folder: Path = DEFAULT_FOLDER) -> Catalogue:
    """Every ``*.toml`` in ``folder``, in file-name order."""
    entries = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path.name}: {exc}") from exc
        entries.append(parse_entry(data, path.name))
    return Catalogue(tuple(entries))
