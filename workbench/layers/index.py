"""A persistent index of parsed layers, keyed by diff id, in the per-user cache dir.

A layer's diff id is the sha256 of its uncompressed tar, so an indexed layer never
needs reading again, whatever image it turns up in. Image configs (small) are kept
by image id so a fully indexed image opens without exporting anything. Files are
written atomically; an unreadable one counts as missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from workbench.layers.model import Entry, Kind, LayerFiles

FORMAT = 1


def _hex(digest: str) -> str:
    algo, _, value = digest.partition(":")
    if not value or algo != "sha256" or not all(c in "0123456789abcdef" for c in value):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return value


class LayerIndex:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._layers = root / f"layers-v{FORMAT}"
        self._images = root / f"images-v{FORMAT}"

    def _layer_file(self, diff_id: str) -> Path:
        return self._layers / f"{_hex(diff_id)}.json"

    def has(self, diff_id: str) -> bool:
        try:
            return self._layer_file(diff_id).is_file()
        except ValueError:
            return False

    def load(self, diff_id: str) -> LayerFiles | None:
        try:
            data = json.loads(self._layer_file(diff_id).read_bytes())
            rows = data["entries"]
            entries = [Entry(path=r[0], kind=Kind(r[1]), size=r[2], mode=r[3], uid=r[4],
                             gid=r[5], link=r[6], digest=bytes.fromhex(r[7]), typeflag=r[8],
                             name=r[9]) for r in rows]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None
        return LayerFiles(diff_id, entries)

    def save(self, layer: LayerFiles) -> None:
        rows = [[e.path, e.kind.value, e.size, e.mode, e.uid, e.gid, e.link, e.digest.hex(),
                 e.typeflag, e.name] for e in layer.entries]
        self._write(self._layer_file(layer.diff_id), {"format": FORMAT, "entries": rows})

    def load_image(self, image_id: str) -> dict[str, Any] | None:
        try:
            data = json.loads((self._images / f"{_hex(image_id)}.json").read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("config"), dict) else None

    def save_image(self, image_id: str, config: dict[str, Any],
                   legacy_paths: dict[str, str]) -> None:
        """``legacy_paths``: archive layer path → diff id, to skip known layers next time."""
        self._write(self._images / f"{_hex(image_id)}.json",
                    {"format": FORMAT, "config": config, "paths": legacy_paths})

    def known_paths(self) -> dict[str, str]:
        """Every archive layer path seen before → its diff id (legacy exports only)."""
        out: dict[str, str] = {}
        with contextlib.suppress(OSError):
            for file in self._images.glob("*.json"):
                try:
                    paths = json.loads(file.read_bytes()).get("paths") or {}
                except (OSError, ValueError, AttributeError):
                    continue
                out.update({str(k): str(v) for k, v in paths.items()})
        return out

    @staticmethod
    def _write(path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
