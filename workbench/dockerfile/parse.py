"""One parse of a Dockerfile into a :class:`Document`, built on the shared tokenizer.

Follows the engine's parser for what matters to line mapping: parser
directives at the top (``# escape=``), comments and blank lines inside
continuations, the escape character ending a line, heredoc bodies after the
instruction that opens them. It is tolerant: any text gives a Document, and
what the engine would refuse is recorded in ``Document.errors`` (turned into
diagnostics by :mod:`workbench.dockerfile.diagnose`).

Step *n* of the classic builder is instruction *n* (meta ARGs before the first
FROM count too), so :meth:`Document.step_lines` is a plain index.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from dataclasses import dataclass, field

from workbench.dockerfile.tokens import (
    DIRECTIVE,
    INSTRUCTIONS,
    START,
    Kind,
    LineState,
    Token,
    split_lines,
    tokenize_line,
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Lines between voluntary GIL releases. The editor parses on a worker thread while
# the user types; without them the GUI thread waits up to the 5 ms switch interval
# each time it needs the GIL back, several times per keystroke.
YIELD_EVERY = 16


@dataclass(frozen=True)
class Flag:
    name: str          # without dashes, e.g. "from"
    value: str | None  # None for a bare ``--link``
    line: int          # 1-based
    start: int         # 0-based columns of ``--name[=value]``
    end: int


@dataclass(frozen=True)
class Heredoc:
    name: str
    strip_tabs: bool   # ``<<-EOF``
    body: str
    first_line: int    # first body line (the line after the instruction)
    last_line: int     # the terminator line, or the last line if unterminated
    terminated: bool


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str          # "ARG" or "ENV"
    value: str | None
    line: int
    stage: int | None  # index into Document.stages; None for ARGs before the first FROM


@dataclass(frozen=True)
class ParseError:
    line: int
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-case, e.g. "RUN"
    arguments: str  # the rest, continuations joined with spaces, flags included
    first_line: int  # 1-based
    last_line: int   # includes heredoc bodies
    written: str = ""  # the keyword as typed ("run")
    column: int = 0    # 0-based column of the keyword on first_line
    flags: tuple[Flag, ...] = ()
    rest: str = ""     # the arguments after the flags
    heredocs: tuple[Heredoc, ...] = ()
    stage: int | None = None  # index into Document.stages
    known: bool = True

    @property
    def text(self) -> str:
        return f"{self.keyword} {self.arguments}".strip()

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON (exec) form's words, or None when the text is shell form."""
        return json_form(self.rest)

    def flag(self, name: str) -> Flag | None:
        return next((f for f in self.flags if f.name == name), None)


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # ``FROM … AS name``
    base: str         # the image (or an earlier stage's name) as written
    platform: str | None
    first_line: int
    last_line: int
    instructions: tuple[int, ...]  # indexes into Document.instructions, FROM first

    @property
    def label(self) -> str:
        return self.name or f"stage {self.index + 1}"  # counted from 1, like the timeline


@dataclass(frozen=True)
class Directive:
    name: str   # lower-case
    value: str
    line: int


@dataclass(frozen=True)
class Document:
    instructions: tuple[Instruction, ...]
    escape: str = "\\"
    stages: tuple[Stage, ...] = ()
    directives: tuple[Directive, ...] = ()
    variables: tuple[Variable, ...] = ()
    errors: tuple[ParseError, ...] = ()
    line_count: int = 0
    lines: tuple[str, ...] = field(default=(), repr=False)

    def step_lines(self, step: int) -> tuple[int, int] | None:
        """Lines of the classic builder's ``Step n``: the n-th instruction."""
        if 1 <= step <= len(self.instructions):
            ins = self.instructions[step - 1]
            return ins.first_line, ins.last_line
        return None

    def instruction_at(self, line: int) -> Instruction | None:
        for ins in self.instructions:
            if ins.first_line <= line <= ins.last_line:
                return ins
            if ins.first_line > line:
                break
        return None

    def stage_at(self, line: int) -> Stage | None:
        found = None
        for stage in self.stages:
            if stage.first_line <= line:
                found = stage
        return found

    def directive(self, name: str) -> Directive | None:
        return next((d for d in self.directives if d.name == name), None)

    def variables_at(self, line: int) -> list[str]:
        """ARG/ENV names usable on ``line``: the stage's own, declared above it.

        Global ARGs (before the first FROM) are usable in FROM lines only, as
        in the engine; inside a stage they need re-declaring with ``ARG NAME``.
        """
        stage = self.stage_at(line)
        ins = self.instruction_at(line)
        on_from = ins is not None and ins.keyword == "FROM"
        names: list[str] = []
        for var in self.variables:
            if var.line >= line:
                continue
            usable = (var.stage is None) if (stage is None or on_from) else (
                var.stage == stage.index)
            if usable and var.name not in names:
                names.append(var.name)
        return names


def json_form(rest: str) -> list[str] | None:
    """The engine's rule: a JSON array of strings is exec form, anything else is shell."""
    text = rest.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


class _Builder:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.instructions: list[Instruction] = []
        self.errors: list[ParseError] = []
        self.directives: list[Directive] = []
        self.escape = "\\"
        self.froms = 0  # FROMs seen so far: the stage index of what follows

    def error(self, line: int, start: int, end: int, message: str) -> None:
        self.errors.append(ParseError(line, start, max(end, start + 1), message))


def parse(text: str) -> Document:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # "FROM x\n" is one line, not two
    b = _Builder(lines)
    state: LineState = START
    current: list[tuple[int, list[Token], str]] | None = None  # (line, tokens, text)
    heredoc_open: list[tuple[str, bool, int, list[str]]] = []  # waiting for bodies
    finished_heredocs: list[Heredoc] = []
    pending_instruction: Instruction | None = None

    def close_instruction(end_state: LineState) -> None:
        nonlocal current, pending_instruction, heredoc_open
        assert current is not None
        ins = _instruction(current, b, b.froms)
        current = None
        if end_state.heredocs:
            heredoc_open = [(name, strip, 0, []) for name, strip in end_state.heredocs]
            pending_instruction = ins
        else:
            b.instructions.append(ins)

    for number, line in enumerate(lines, start=1):
        if not number % YIELD_EVERY:
            time.sleep(0)  # let the GUI thread have the GIL: parses run beside typing
        before = state
        tokens, state = tokenize_line(line, before)
        if before.in_heredoc:
            assert pending_instruction is not None
            name, strip, first, body = heredoc_open[0]
            first = first or number
            if len(state.heredocs) < len(before.heredocs):  # the terminator
                finished_heredocs.append(Heredoc(name, strip, "\n".join(body), first, number,
                                                 True))
                heredoc_open.pop(0)
                if not heredoc_open:
                    pending_instruction = _with_heredocs(pending_instruction,
                                                         finished_heredocs, number)
                    b.instructions.append(pending_instruction)
                    pending_instruction, finished_heredocs = None, []
            else:
                body.append(line.lstrip("\t") if strip else line)
                heredoc_open[0] = (name, strip, first, body)
            continue
        if before.header and not before.in_instruction and any(
                t.kind is Kind.DIRECTIVE for t in tokens):
            m = DIRECTIVE.match(line.strip())
            assert m is not None
            name = m.group(1).lower()
            if any(d.name == name for d in b.directives):
                b.error(number, 0, len(line), f"Only one '{name}' directive may be used; "
                        "the engine refuses a second one. Remove this line.")
            elif name == "escape" and m.group(2) not in ("\\", "`"):
                b.error(number, 0, len(line), f"The escape character must be \\ or `, "
                        f"not {m.group(2)!r}.")
            b.directives.append(Directive(name, m.group(2), number))
            continue
        if current is None:
            if not before.in_instruction and not tokens:
                continue
            if tokens and tokens[0].kind is Kind.COMMENT:
                continue
            current = []
        if tokens and tokens[0].kind is Kind.COMMENT:
            continue  # a comment inside a continued instruction is dropped
        if not line.strip():
            continue  # an empty continuation line is skipped (the engine warns)
        current.append((number, tokens, line))
        if not state.in_instruction:
            close_instruction(state)
    if current:
        close_instruction(state)
    if pending_instruction is not None:
        name, strip, first, body = heredoc_open[0]
        last = len(lines)
        finished_heredocs.append(Heredoc(name, strip, "\n".join(body), first or last, last,
                                         False))
        b.error(pending_instruction.first_line, pending_instruction.column,
                len(lines[pending_instruction.first_line - 1]),
                f"The heredoc <<{name} is never closed: add a line with just {name} "
                "where its text ends.")
        b.instructions.append(_with_heredocs(pending_instruction, finished_heredocs, last))
    first_escape = next((d.value for d in b.directives if d.name == "escape"), "\\")
    escape = first_escape if first_escape in ("\\", "`") else "\\"
    instructions, stages, variables = _stages(b.instructions, len(lines))
    return Document(tuple(instructions), escape, tuple(stages), tuple(b.directives),
                    tuple(variables), tuple(b.errors), len(lines), tuple(lines))


def _with_heredocs(ins: Instruction, heredocs: list[Heredoc], last: int) -> Instruction:
    return Instruction(ins.keyword, ins.arguments, ins.first_line, last, ins.written,
                       ins.column, ins.flags, ins.rest, tuple(heredocs), ins.stage, ins.known)


def _instruction(parts: list[tuple[int, list[Token], str]], b: _Builder,
                 froms: int) -> Instruction:
    first_line, first_tokens, first_text = parts[0]
    head = first_tokens[0] if first_tokens and first_tokens[0].kind in (
        Kind.KEYWORD, Kind.UNKNOWN) else None
    written = head.text if head else ""
    column = head.start if head else len(first_text) - len(first_text.lstrip())
    pieces: list[str] = []
    flags: list[Flag] = []
    rest_pieces: list[str] = []
    for n, (line_no, tokens, text) in enumerate(parts):
        body = text.rstrip(" \t")
        if tokens and tokens[-1].kind is Kind.CONTINUATION:
            body = body[:tokens[-1].start]
        start = head.end if (n == 0 and head) else 0
        piece = body[start:].strip()
        if piece:
            pieces.append(piece)
        flag_tokens = [t for t in tokens if t.kind is Kind.FLAG]
        for t in flag_tokens:
            value_token = next((v for v in tokens if v.kind is Kind.FLAG_VALUE
                                and v.start == t.end), None)
            end = value_token.end if value_token else t.end
            flags.append(Flag(t.text[2:], value_token.text[1:] if value_token else None,
                              line_no, t.start, end))
        # what follows the flags on this line
        after = max((f.end for f in flags if f.line == line_no), default=start)
        remainder = body[max(after, start):].strip()
        if remainder:
            rest_pieces.append(remainder)
    keyword = written.upper()
    if keyword == "FROM":
        b.froms += 1
        froms = b.froms
    return Instruction(keyword, " ".join(pieces), first_line, parts[-1][0], written, column,
                       tuple(flags), " ".join(rest_pieces), (), froms - 1 if froms else None,
                       keyword in INSTRUCTIONS)


def _stages(instructions: list[Instruction], line_count: int
            ) -> tuple[list[Instruction], list[Stage], list[Variable]]:
    out: list[Instruction] = []
    stages: list[Stage] = []
    variables: list[Variable] = []
    members: list[int] = []
    # (name, base, platform, first line) of the stage being read
    open_stage: tuple[str | None, str, str | None, int] | None = None

    def finish(last_line: int) -> None:
        if open_stage is not None:
            name, base, platform, first = open_stage
            stages.append(Stage(len(stages), name, base, platform, first, last_line,
                                tuple(members)))

    for index, ins in enumerate(instructions):
        if ins.keyword == "FROM":
            finish(out[-1].last_line if out else ins.first_line - 1)
            words = ins.rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            platform = ins.flag("platform")
            open_stage = (name, words[0] if words else "",
                          platform.value if platform else None, ins.first_line)
            members = []
        stage_index = len(stages) if open_stage is not None else None
        if stage_index is not None:
            members.append(index)
        out.append(ins)
        if ins.keyword in ("ARG", "ENV"):
            for name, value in declared_names(ins):
                variables.append(Variable(name, ins.keyword, value, ins.first_line,
                                          stage_index))
    if open_stage is not None:
        finish(out[-1].last_line if out else line_count)
    return out, stages, variables


def declared_names(ins: Instruction) -> list[tuple[str, str | None]]:
    """The names an ARG or ENV declares, with their values (``ENV a b`` is the old form)."""
    if not any(ch in ins.rest for ch in "\"'\\"):
        words = ins.rest.split()  # the common case, without shlex's cost
    else:
        try:
            words = shlex.split(ins.rest, posix=True)
        except ValueError:
            words = ins.rest.split()
    if not words:
        return []
    if ins.keyword == "ENV" and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))] if _NAME.fullmatch(words[0]) else []
    found: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        if _NAME.fullmatch(name):
            found.append((name, value if eq else None))
    return found
