"""A persistent index of parsed layers, keyed by diff id, in the per-user cache dir.

A layer's diff id is the sha256 of its uncompressed tar, so an indexed layer never
needs reading again, whatever image it turns up in. Image configs (small) are kept
by image id so a fully indexed image opens without exporting anything. Files are
written atomically; an unreadable one counts as missing.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from workbench.layers.efficiency import Efficiency, Inefficiency
from workbench.layers.model import Entry, Kind, LayerFiles

FORMAT = 2  # 2: contents hashed with xxh3-128 (1 used sha1; its files are ignored)


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
            kinds = {k.value: k for k in Kind}
            fromhex = bytes.fromhex
            entries = [Entry(r[0], kinds[r[1]], r[2], r[3], r[4], r[5], r[6], fromhex(r[7]),
                             r[8], r[9]) for r in rows]
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

    def save_image(self, image_id: str, config: dict[str, Any], legacy_paths: dict[str, str],
                   efficiency: Efficiency | None = None, diff_ids: list[str] | None = None,
                   ) -> None:
        """``legacy_paths``: archive layer path → diff id, to skip known layers next time.
        ``efficiency`` is a pure function of the layers, so it is kept with their ids."""
        data: dict[str, Any] = {"format": FORMAT, "config": config, "paths": legacy_paths}
        if efficiency is not None and diff_ids is not None:
            data["efficiency"] = {
                "diff_ids": diff_ids, "score": efficiency.score,
                "wasted": efficiency.wasted_bytes, "image_size": efficiency.image_size,
                "user_size": efficiency.user_size,
                "refs": [[i.path, i.count, i.size, list(i.layers)]
                         for i in efficiency.inefficiencies]}
        self._write(self._images / f"{_hex(image_id)}.json", data)

    def load_efficiency(self, image_id: str, diff_ids: list[str],
                        record: dict[str, Any] | None = None) -> Efficiency | None:
        """The stored analysis of exactly these layers, or None (``record``: the image's
        already loaded entry, to avoid reading it twice)."""
        data = record if record is not None else (self.load_image(image_id) or {})
        stored = data.get("efficiency")
        try:
            if not isinstance(stored, dict) or stored["diff_ids"] != diff_ids:
                return None
            wasted, user = int(stored["wasted"]), int(stored["user_size"])
            ratio = wasted / user if user else (math.nan if wasted == 0 else math.inf)
            refs = tuple(Inefficiency(str(p), int(c), int(s), tuple(int(x) for x in la))
                         for p, c, s, la in stored["refs"])
            return Efficiency(float(stored["score"]), wasted, ratio, int(stored["image_size"]),
                              user, refs)
        except (KeyError, TypeError, ValueError):
            return None

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
