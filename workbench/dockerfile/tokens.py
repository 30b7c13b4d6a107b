"""A line-at-a-time Dockerfile tokenizer with explicit state between lines.

The editor's highlighter calls :func:`tokenize_line` once per text block with
the previous block's :class:`LineState` (so typing re-tokenizes one line and
only continues while the state changes); :func:`workbench.dockerfile.parse`
runs the same function over the whole text. One tokenizer, so the colours and
the outline/diagnostics never disagree about where an instruction ends.

Follows BuildKit's Dockerfile syntax (the superset): parser directives only
in the header, comment and blank lines skipped inside continuations, the
escape character ending a line (after trailing blanks), heredocs on RUN/COPY/
ADD whose bodies follow the end of the instruction. Only ``\\n`` (and a
``\\r`` before it) end lines, as in the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

INSTRUCTIONS: tuple[str, ...] = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
    "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
    "WORKDIR",
)
HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.*?)[ \t]*$")
HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VARIABLE = re.compile(r"\$(?:\{[^}\s]*\}?|[A-Za-z_][A-Za-z0-9_]*)")
_WORD = re.compile(r"[^ \t]+")


class Kind(StrEnum):
    KEYWORD = "keyword"          # a known instruction, any case
    UNKNOWN = "unknown"          # the first word of an instruction that is not one
    COMMENT = "comment"
    DIRECTIVE = "directive"      # ``# escape=`` etc. in the header: the name
    DIRECTIVE_VALUE = "directive_value"
    FLAG = "flag"                # ``--from``
    FLAG_VALUE = "flag_value"    # ``=builder``
    VARIABLE = "variable"        # ``$VAR``, ``${VAR:-x}``
    STRING = "string"            # quoted text
    PUNCTUATION = "punctuation"  # JSON form brackets and commas
    CONTINUATION = "continuation"  # the escape character ending a line
    HEREDOC = "heredoc"          # ``<<EOF`` and the terminator line
    HEREDOC_BODY = "heredoc_body"
    IMAGE = "image"              # FROM's base image
    STAGE = "stage"              # FROM … AS <name>
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    start: int  # 0-based column in the line
    end: int    # exclusive
    text: str


@dataclass(frozen=True, slots=True)
class LineState:
    """What a line needs to know about the lines before it. Hashable, comparable."""

    escape: str = "\\"
    header: bool = True          # still where parser directives may appear
    escape_seen: bool = False    # an escape directive was read (only the first counts)
    keyword: str | None = None   # the instruction continued onto this line (upper case)
    in_flags: bool = False       # still in the instruction's leading ``--flags``
    words: int = 0               # argument words seen so far, capped at 3 (FROM image AS name)
    pending: tuple[tuple[str, bool], ...] = ()   # heredocs opened, bodies not yet started
    heredocs: tuple[tuple[str, bool], ...] = ()  # heredoc bodies being read (name, strip tabs)

    def but(self, escape: str | None = None, header: bool | None = None,
            escape_seen: bool | None = None, keyword: str | bool | None = False,
            in_flags: bool | None = None, words: int | None = None,
            pending: tuple[tuple[str, bool], ...] | None = None,
            heredocs: tuple[tuple[str, bool], ...] | None = None) -> LineState:
        """A copy with some fields changed (``dataclasses.replace`` is slow per line;
        ``keyword=False`` means "keep")."""
        return LineState(
            self.escape if escape is None else escape,
            self.header if header is None else header,
            self.escape_seen if escape_seen is None else escape_seen,
            self.keyword if keyword is False else keyword,  # type: ignore[arg-type]
            self.in_flags if in_flags is None else in_flags,
            self.words if words is None else words,
            self.pending if pending is None else pending,
            self.heredocs if heredocs is None else heredocs)

    @property
    def in_instruction(self) -> bool:
        return self.keyword is not None

    @property
    def in_heredoc(self) -> bool:
        return bool(self.heredocs)


START = LineState()


def split_lines(text: str) -> list[str]:
    """Lines as the engine sees them: only ``\\n`` ends one; a trailing ``\\r`` goes."""
    lines = text.split("\n")
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def continues(line: str, escape: str) -> bool:
    """True when the line ends with the escape character (trailing blanks allowed)."""
    return line.rstrip(" \t").endswith(escape)


def tokenize_line(line: str, state: LineState = START) -> tuple[list[Token], LineState]:
    """The tokens of one line and the state for the next line."""
    if state.in_heredoc:
        name, strip = state.heredocs[0]
        body = line.lstrip("\t") if strip else line
        if body == name:
            rest = state.heredocs[1:]
            return [Token(Kind.HEREDOC, 0, len(line), line)], state.but(heredocs=rest)
        return ([Token(Kind.HEREDOC_BODY, 0, len(line), line)] if line else []), state

    stripped = line.lstrip(" \t")
    indent = len(line) - len(stripped)
    if state.header and not state.in_instruction:
        m = DIRECTIVE.match(stripped)
        if m:
            escape, seen = state.escape, state.escape_seen
            if m.group(1).lower() == "escape" and not seen:
                seen = True
                if m.group(2) in ("\\", "`"):
                    escape = m.group(2)
            found = [Token(Kind.COMMENT, indent, indent + 1, "#"),
                     Token(Kind.DIRECTIVE, indent + m.start(1), indent + m.end(1), m.group(1))]
            if m.group(2):
                found.append(Token(Kind.DIRECTIVE_VALUE, indent + m.start(2),
                                   indent + m.end(2), m.group(2)))
            return found, state.but(escape=escape, escape_seen=seen)
        state = state.but(header=False)

    if stripped.startswith("#"):
        return [Token(Kind.COMMENT, indent, len(line), stripped)], state
    if not stripped:
        return [], state

    tokens: list[Token] = []
    pos = indent
    if not state.in_instruction:
        m = _WORD.match(line, pos)
        assert m is not None
        word = m.group()
        # An escape character glued to the keyword ("RUN\") still continues the line.
        if word.endswith(state.escape) and m.end() == len(line.rstrip(" \t")):
            word = word[:-1]
        if not word:
            word_end = m.start()
        else:
            word_end = m.start() + len(word)
            upper = word.upper()
            kind = Kind.KEYWORD if upper in INSTRUCTIONS else Kind.UNKNOWN
            tokens.append(Token(kind, m.start(), word_end, word))
        state = state.but(keyword=word.upper(), in_flags=True, words=0, pending=())
        pos = word_end
    tokens_rest, state = _arguments(line, pos, state)
    tokens.extend(tokens_rest)
    return tokens, state


def _arguments(line: str, pos: int, state: LineState) -> tuple[list[Token], LineState]:
    tokens: list[Token] = []
    escape = state.escape
    body_end = len(line.rstrip(" \t"))
    # The engine's rule: the last non-blank character is the escape character.
    goes_on = body_end > pos and line[body_end - 1] == escape
    if goes_on:
        body_end -= 1
    keyword = state.keyword or ""
    in_flags = state.in_flags
    words = state.words
    pending = list(state.pending)
    i = pos
    while i < body_end:
        ch = line[i]
        if ch in " \t":
            i += 1
            continue
        if in_flags and line.startswith("--", i):
            end = _word_end(line, i, body_end)
            eq = line.find("=", i, end)
            if eq == -1:
                tokens.append(Token(Kind.FLAG, i, end, line[i:end]))
            else:
                tokens.append(Token(Kind.FLAG, i, eq, line[i:eq]))
                tokens.append(Token(Kind.FLAG_VALUE, eq, end, line[eq:end]))
                tokens.extend(_variables(line, eq, end))
            i = end
            continue
        in_flags = False
        if ch == "[" and words == 0 and keyword not in ("FROM",):
            # JSON (exec) form: strings, brackets and commas.
            i = _json(line, i, body_end, tokens)
            words = min(words + 1, 3)
            continue
        if ch in "\"'":
            close = _closing_quote(line, i, body_end, ch, escape)
            tokens.append(Token(Kind.STRING, i, close, line[i:close]))
            if ch == '"':
                tokens.extend(_variables(line, i, close))
            i = close
            continue
        if keyword in HEREDOC_INSTRUCTIONS and line.startswith("<<", i):
            m = HEREDOC.match(line, i)
            if m:
                tokens.append(Token(Kind.HEREDOC, i, m.end(), m.group()))
                pending.append((m.group(3), m.group(1) == "-"))
                i = m.end()
                words = min(words + 1, 3)
                continue
        end = _word_end(line, i, body_end)
        word = line[i:end]
        kind = Kind.TEXT
        if keyword == "FROM":
            if words == 0:
                kind = Kind.IMAGE
            elif words == 1 and word.upper() == "AS":
                kind = Kind.KEYWORD
            elif words == 2:
                kind = Kind.STAGE
        if kind is not Kind.TEXT:
            tokens.append(Token(kind, i, end, word))
        tokens.extend(_variables(line, i, end))
        words = min(words + 1, 3)
        i = end
    if goes_on:
        tokens.append(Token(Kind.CONTINUATION, body_end, body_end + 1, escape))
        return tokens, state.but(in_flags=in_flags, words=words, pending=tuple(pending))
    # The instruction ends here; heredoc bodies (if any) start on the next line.
    return tokens, state.but(keyword=None, in_flags=False, words=0, pending=(),
                           heredocs=tuple(pending))


def _word_end(line: str, i: int, limit: int) -> int:
    while i < limit and line[i] not in " \t":
        if line[i] in "\"'":
            i = _closing_quote(line, i, limit, line[i], "\\")
            continue
        i += 1
    return i


def _closing_quote(line: str, i: int, limit: int, quote: str, escape: str) -> int:
    j = i + 1
    while j < limit:
        if line[j] == escape and quote == '"' and j + 1 < limit:
            j += 2
            continue
        if line[j] == quote:
            return j + 1
        j += 1
    return limit


def _json(line: str, i: int, limit: int, tokens: list[Token]) -> int:
    while i < limit:
        ch = line[i]
        if ch in "[],":
            tokens.append(Token(Kind.PUNCTUATION, i, i + 1, ch))
            i += 1
            if ch == "]":
                return i
        elif ch in "\"'":
            close = _closing_quote(line, i, limit, ch, "\\")
            tokens.append(Token(Kind.STRING, i, close, line[i:close]))
            i = close
        elif ch in " \t":
            i += 1
        else:
            end = i
            while end < limit and line[end] not in " \t,]":
                end += 1
            i = max(end, i + 1)
    return i


def _variables(line: str, start: int, end: int) -> list[Token]:
    found = []
    for m in _VARIABLE.finditer(line, start, end):
        if m.start() > 0 and line[m.start() - 1] == "\\":
            continue  # ``\$`` is a literal dollar
        found.append(Token(Kind.VARIABLE, m.start(), m.end(), m.group()))
    return found


def tokenize(text: str) -> list[tuple[list[Token], LineState]]:
    """Every line's tokens with the state at its start (index 0 = line 1)."""
    out = []
    state = START
    for line in split_lines(text):
        tokens, after = tokenize_line(line, state)
        out.append((tokens, state))
        state = after
    return out
