"""Extract a file or folder from one layer to disk, streaming the export once more
and stopping as soon as that layer has gone by (nothing else is written)."""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.types import CancellableStream

from workbench.layers.archive import READ_SIZE, clean_path, layer_source
from workbench.layers.index import LayerIndex
from workbench.layers.load import Piece, export_chunks
from workbench.layers.tarscan import Source, members


class ExtractError(ValueError):
    pass


@dataclass(frozen=True)
class Extracted:
    files: int
    folders: int
    links: int
    bytes: int
    target: Path


def _inside(root: Path, rel: str) -> Path:
    """``rel`` under ``root``, refusing anything that would land outside it."""
    target = (root / rel).resolve()
    if target != root.resolve() and root.resolve() not in target.parents:
        raise ExtractError(f"{rel!r} would be written outside {root}; refused.")
    return target


def extract(client: Callable[[], docker.APIClient], image_id: str, diff_id: str, path: str,
            destination: Path, index: LayerIndex) -> Extracted:
    """Write ``path`` (a file, or a folder and everything below it) as layer ``diff_id``
    holds it into ``destination``/<its name>. Links are recreated as links, never
    followed; device files are skipped."""
    paths = (index.load_image(image_id) or {}).get("paths") or {}
    wanted = [name for name, d in paths.items() if d == diff_id]
    if not wanted:
        raise ExtractError("This image's layer list is not in the index yet: open the image "
                           "in the inspector once, then extract again.")
    path = clean_path(path)
    base = posixpath.dirname(path)
    destination.mkdir(parents=True, exist_ok=True)
    counts = {"files": 0, "folders": 0, "links": 0, "bytes": 0}
    api = client()
    streams: list[CancellableStream] = []
    chunks: Generator[Piece, None, None] | None = None
    try:
        chunks = export_chunks(api, image_id, streams.append, READ_SIZE)
        outer = Source(chunks)
        for header, data in members(outer):
            if clean_path(header.name).lstrip("/") not in wanted:
                continue
            for inner, content in members(layer_source(data)):
                name = clean_path(inner.name)
                if name != path and not name.startswith(path + "/"):
                    continue
                rel = posixpath.relpath(name, base)
                target = _inside(destination, rel)
                if inner.typeflag == b"5":
                    target.mkdir(parents=True, exist_ok=True)
                    counts["folders"] += 1
                elif inner.typeflag == b"2":
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with contextlib.suppress(FileNotFoundError):
                        target.unlink()
                    os.symlink(inner.linkname, target)
                    counts["links"] += 1
                elif inner.typeflag == b"1":
                    # A hard link: link to the extracted copy when it is part of this pick.
                    source = clean_path(inner.linkname)
                    if source == path or source.startswith(path + "/"):
                        original = _inside(destination, posixpath.relpath(source, base))
                        if original.exists():
                            target.parent.mkdir(parents=True, exist_ok=True)
                            with contextlib.suppress(FileNotFoundError):
                                target.unlink()
                            os.link(original, target)
                            counts["links"] += 1
                elif inner.is_regular:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("wb") as f:
                        content.feed_all(f.write)
                    target.chmod(inner.mode & 0o777)
                    counts["files"] += 1
                    counts["bytes"] += inner.size
            break  # the layer has gone by: stop reading the export
        else:
            raise ExtractError("The export did not contain that layer; the image may have "
                               "changed. Open it again in the inspector.")
    finally:
        if chunks is not None:
            chunks.close()
        for stream in streams:
            with contextlib.suppress(Exception):  # the socket may already be closed
                stream.close()
        api.close()
    if not any(counts[k] for k in ("files", "folders", "links")):
        raise ExtractError(f"{path} is not in that layer (it may come from a layer below).")
    return Extracted(counts["files"], counts["folders"], counts["links"], counts["bytes"],
                     destination / posixpath.basename(path))
