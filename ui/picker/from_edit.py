"""Where "Use" puts an image in the Dockerfile: a pure function over the parse.

No Qt here, so it is tested on plain text. The widget turns the result into
one QTextCursor edit (one undo step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.dockerfile.parse import Document, Instruction, parse

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class TextEdit:
    """Replace the text from (first_line, first_column) to (last_line, last_column).

    Lines are 1-based, columns 0-based Python string indexes into those lines;
    an insertion has equal start and end.
    """

    first_line: int
    first_column: int
    last_line: int
    last_column: int
    text: str
    replaced: str | None  # the image that was there, None for an inserted FROM
    stage: int | None  # the stage whose FROM changed

    @property
    def is_insert(self) -> bool:
        return self.replaced is None


def _stage_at(document: Document, line: int) -> int | None:
    """The stage a (1-based) line belongs to; lines above the first FROM → the first."""
    if not document.stages:
        return None
    found = 0
    for stage in document.stages:
        if stage.first_line <= line:
            found = stage.index
    return found


def _insert_line(document: Document, lines: list[str]) -> int:
    """First line after the parser directives (``# syntax=``, ``# escape=``), 1-based."""
    last = max((d.line for d in document.directives), default=0)
    return min(last + 1, len(lines) + 1)


def use_image_edit(text: str, cursor_line: int, image: str) -> TextEdit:
    """The edit that makes the stage under ``cursor_line`` start FROM ``image``.

    Keeps what is around the image: the keyword as typed, ``--platform``, and
    ``AS name``. With no FROM at all, inserts ``FROM image`` at the top (after
    parser directives).
    """
    document = parse(text)
    lines = text.splitlines()
    stage_index = _stage_at(document, cursor_line)
    if stage_index is None:
        at = _insert_line(document, lines)
        return TextEdit(at, 0, at, 0, f"FROM {image}\n", None, None)
    stage = document.stages[stage_index]
    instruction = document.instructions[stage.instructions[0]]
    if instruction.first_line == instruction.last_line:
        line_text = lines[instruction.first_line - 1]
        words = list(_WORD.finditer(line_text))
        for word in words[1:]:  # words[0] is the keyword
            if word.group().startswith("--"):
                continue
            return TextEdit(instruction.first_line, word.start(), instruction.first_line,
                            word.end(), image, word.group(), stage_index)
    # A FROM split over lines (or with no image yet): write it again on one line.
    return _rewrite(instruction, lines, image, stage_index, stage.base)


def _rewrite(instruction: Instruction, lines: list[str], image: str, stage: int,
             old: str) -> TextEdit:
    keyword = instruction.written or "FROM"
    flags = " ".join(
        f"--{f.name}" + (f"={f.value}" if f.value is not None else "") for f in instruction.flags)
    rest = instruction.rest.split()
    suffix = ""
    if len(rest) >= 3 and rest[1].upper() == "AS":
        suffix = f" {rest[1]} {rest[2]}"
    new = " ".join(p for p in (keyword, flags, image) if p) + suffix
    last_text = lines[instruction.last_line - 1] if instruction.last_line <= len(lines) else ""
    return TextEdit(instruction.first_line, instruction.column, instruction.last_line,
                    len(last_text), new, old or None, stage)


def apply_edit(text: str, edit: TextEdit) -> str:
    """The text after ``edit`` (what the editor shows after Use; used by tests)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start = offsets[edit.first_line - 1] + edit.first_column if edit.first_line <= len(
        lines) else len(text)
    end = offsets[edit.last_line - 1] + edit.last_column if edit.last_line <= len(
        lines) else len(text)
    return text[:start] + edit.text + text[end:]
