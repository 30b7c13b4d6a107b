"""Keeping the user's text safe: the recovery file and the recent-files list.

Both live in the per-user data dir the caller passes (``ctx.dirs.data``).
Each running window writes its own ``recovery-<id>.json`` with its process
id; at start-up any recovery file whose process is gone was left by a crash
or a kill and is offered back.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

RECENT_LIMIT = 10


@dataclass(frozen=True)
class Recovered:
    file: Path            # the recovery file itself
    text: str
    path: Path | None     # the Dockerfile it belonged to, None if never saved
    saved_at: float       # time.time()


def _write_atomically(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # no cheap check without extra packages: assume it ended
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RecoveryStore:
    """One window's recovery file. ``save`` often, ``discard`` once the text is safe."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / f"recovery-{secrets.token_hex(6)}.json"

    def save(self, text: str, path: Path | None) -> None:
        _write_atomically(self.file, json.dumps({
            "pid": os.getpid(), "path": str(path) if path else None, "text": text,
            "saved_at": time.time()}))

    def discard(self) -> None:
        self.file.unlink(missing_ok=True)

    def left_behind(self) -> list[Recovered]:
        """Recovery files of windows whose process is gone, newest first."""
        found = []
        for file in self.folder.glob("recovery-*.json"):
            if file == self.file:
                continue
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
                pid, text = int(data["pid"]), str(data["text"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # half-written or foreign: not ours to offer
            if _process_alive(pid):
                continue
            path = Path(data["path"]) if data.get("path") else None
            found.append(Recovered(file, text, path, float(data.get("saved_at", 0))))
        return sorted(found, key=lambda r: r.saved_at, reverse=True)


class RecentFiles:
    def __init__(self, file: Path) -> None:
        self.file = file

    def paths(self) -> list[Path]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [Path(p) for p in data if isinstance(p, str)][:RECENT_LIMIT] \
            if isinstance(data, list) else []

    def add(self, path: Path) -> list[Path]:
        paths = [path] + [p for p in self.paths() if p != path]
        paths = paths[:RECENT_LIMIT]
        _write_atomically(self.file, json.dumps([str(p) for p in paths]))
        return paths
