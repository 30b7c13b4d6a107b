"""Split a Dockerfile into instructions with their line spans.

Follows the engine's parser for what matters to line mapping: parser
directives at the top (``# escape=``), comments and blank lines inside
continuations, and the escape character ending a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-case, e.g. "RUN"
    arguments: str  # the rest, continuations joined with spaces
    first_line: int  # 1-based
    last_line: int

    @property
    def text(self) -> str:
        return f"{self.keyword} {self.arguments}".strip()


@dataclass(frozen=True)
class Document:
    instructions: tuple[Instruction, ...]
    escape: str = "\\"

    def step_lines(self, step: int) -> tuple[int, int] | None:
        """Lines of the classic builder's ``Step n``: the n-th instruction."""
        if 1 <= step <= len(self.instructions):
            ins = self.instructions[step - 1]
            return ins.first_line, ins.last_line
        return None


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        m = _DIRECTIVE.match(line.strip())
        if not m or m.group(1).lower() in found:
            return found, number
        found[m.group(1).lower()] = m.group(2)
    return found, len(lines)


def parse(text: str) -> Document:
    lines = text.splitlines()
    directives, _ = _directives(lines)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        escape = "\\"
    instructions: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not parts:
            if not stripped or stripped.startswith("#"):
                continue
            start = number
        elif not stripped or stripped.startswith("#"):
            continue  # comments and blank lines inside a continuation are dropped
        body = raw.rstrip()
        if body.endswith(escape):
            parts.append(body[:-1].strip())
            continue
        parts.append(body.strip())
        instructions.append(_instruction(" ".join(p for p in parts if p), start, number))
        parts = []
    if parts:
        instructions.append(_instruction(" ".join(p for p in parts if p), start, len(lines)))
    return Document(tuple(instructions), escape)


def _instruction(joined: str, first: int, last: int) -> Instruction:
    keyword, _, arguments = joined.partition(" ")
    return Instruction(keyword.upper(), arguments.strip(), first, last)
