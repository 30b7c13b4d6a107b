"""Every build, recorded: settings, outcome, start, total and per-step durations, image id.

One JSON object per line in the per-user data dir, newest last, capped so the
file cannot grow without end.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MAX_RECORDS = 500


@dataclass(frozen=True)
class StepRecord:
    number: int
    total: int
    instruction: str
    status: str
    duration: float
    container: str = ""
    layer: str = ""
    lines: int = 0
    layer_size: int | None = None


@dataclass(frozen=True)
class BuildRecord:
    dockerfile: str  # the Dockerfile's path, "" when built unsaved
    context: str
    tags: list[str]
    options: dict[str, Any]
    outcome: str  # "succeeded" | "failed" | "cancelled"
    started_at: float  # unix time
    total: float  # seconds
    steps: list[StepRecord]
    image_id: str | None = None
    message: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildRecord:
        steps = [StepRecord(**s) for s in data.get("steps", [])]
        return cls(**{**data, "steps": steps})


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def records(self) -> list[BuildRecord]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        out: list[BuildRecord] = []
        for line in lines:
            try:
                out.append(BuildRecord.from_json(json.loads(line)))
            except (ValueError, TypeError):
                continue  # one damaged line must not hide the others
        return out

    def add(self, record: BuildRecord) -> None:
        lines = [json.dumps(asdict(r)) for r in self.records()[-(MAX_RECORDS - 1):]]
        lines.append(json.dumps(asdict(record)))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def previous(self, dockerfile: str, before: float | None = None) -> BuildRecord | None:
        """The latest finished build of the same Dockerfile (to compare step times)."""
        cutoff = time.time() if before is None else before
        for record in reversed(self.records()):
            if record.dockerfile == dockerfile and record.started_at < cutoff and (
                    record.outcome == "succeeded"):
                return record
        return None
