"""History rows from the image config: instructions as written, layers aligned."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from workbench.dockerfile.parse import Document
from workbench.layers.model import HistoryRow, LayerFiles

_NOP = re.compile(r"^/bin/sh -c #\(nop\)\s*", re.S)
_SHELL = re.compile(r"^(?:\|\d+ (?:\S+=\S*\s+)*)?/bin/sh -c\s+", re.S)
_BUILDKIT_SUFFIX = " # buildkit"


def instruction(created_by: str) -> str:
    """``/bin/sh -c #(nop)  CMD ["sh"]`` → ``CMD ["sh"]``; ``/bin/sh -c rm x`` → ``RUN rm x``."""
    text = created_by.strip()
    if text.endswith(_BUILDKIT_SUFFIX):
        text = text[: -len(_BUILDKIT_SUFFIX)].rstrip()
        if text.startswith("RUN "):
            return "RUN " + _SHELL.sub("", text[4:].lstrip(), count=1)
        return text
    if _NOP.match(text):
        return _NOP.sub("", text, count=1).strip()
    if _SHELL.match(text):
        return "RUN " + _SHELL.sub("", text, count=1).strip()
    return text


def history_rows(config: Mapping[str, Any], layers: Sequence[LayerFiles]) -> list[HistoryRow]:
    """One row per config history entry; non-empty entries take the layers in order.

    Images without history (``docker import`` of old tools) get one row per layer.
    """
    history = list(config.get("history") or [])
    rows: list[HistoryRow] = []
    layer = 0
    for index, item in enumerate(history):
        empty = bool(item.get("empty_layer"))
        if not empty and layer >= len(layers):
            empty = True  # more history than layers: the config lies; show, don't crash
        created_by = str(item.get("created_by") or "")
        rows.append(HistoryRow(
            index=index, instruction=instruction(created_by) or "(no command recorded)",
            created_by=created_by, created=str(item.get("created") or ""), empty=empty,
            layer=None if empty else layer,
            diff_id="" if empty else layers[layer].diff_id,
            size=0 if empty else layers[layer].size, comment=str(item.get("comment") or "")))
        if not empty:
            layer += 1
    for extra in range(layer, len(layers)):
        rows.append(HistoryRow(index=len(rows), instruction="(missing history)",
                               created_by="", created="", empty=False, layer=extra,
                               diff_id=layers[extra].diff_id, size=layers[extra].size))
    return rows


def dockerfile_lines(rows: Sequence[HistoryRow], document: Document) -> dict[int, int]:
    """History row index → the Dockerfile line (1-based) of the instruction that made it.

    The classic builder writes one history entry per instruction of the final stage
    after its FROM, in order, at the end of the history. The keywords must agree
    row by row; otherwise (another Dockerfile, BuildKit's merged steps) nothing maps.
    """
    if not document.stages:
        return {}
    final = document.stages[-1]
    steps = [document.instructions[i] for i in final.instructions[1:]]
    if not steps or len(steps) > len(rows):
        return {}
    tail = rows[len(rows) - len(steps):]
    mapping = {}
    for row, step in zip(tail, steps, strict=True):
        if not row.instruction.upper().startswith(step.keyword):
            return {}
        mapping[row.index] = step.first_line
    return mapping
