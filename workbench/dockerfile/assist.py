"""Completion and hover for the editor, from the shared tokenizer and Document.

Pure functions of the current line, the tokenizer state at its start (the
highlighter already has it per block) and the last parsed Document (which may
be a keystroke old: stage and variable names change rarely).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.dockerfile.diagnose import CLASSIC_FLAGS
from workbench.dockerfile.docs import Docs, Topic
from workbench.dockerfile.parse import Document
from workbench.dockerfile.tokens import INSTRUCTIONS, START, Kind, LineState, tokenize_line

PROXY_ARGS = ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
              "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy")
EXEC_SNIPPETS = {
    "CMD": ('["executable", "param"]', '["sh", "-c", "echo hello"]'),
    "ENTRYPOINT": ('["executable", "param"]',),
    "SHELL": ('["/bin/sh", "-c"]',),
}
DIRECTIVES = ("syntax=", "escape=", "check=")


@dataclass(frozen=True)
class Completion:
    label: str
    insert: str   # replaces line[start:column]
    kind: str     # instruction, flag, stage, variable, image, snippet, directive, keyword
    detail: str = ""


@dataclass(frozen=True)
class Completions:
    start: int  # 0-based column where the replaced prefix begins
    items: tuple[Completion, ...]


def complete(document: Document, line_number: int, line: str, column: int,
             state: LineState = START, images: Sequence[str] = ()) -> Completions:
    """What may be typed at ``column`` of ``line`` (1-based ``line_number``)."""
    before = line[:column]
    if state.in_heredoc:
        return Completions(column, ())
    # Variables: after $ or ${
    if m := re.search(r"\$\{?([A-Za-z0-9_]*)$", before):
        names = list(document.variables_at(line_number)) + list(PROXY_ARGS)
        prefix = m.group(1)
        items = [Completion(n, n, "variable", "ARG/ENV" if n not in PROXY_ARGS else "proxy")
                 for n in dict.fromkeys(names) if n.lower().startswith(prefix.lower())]
        return Completions(column - len(prefix), tuple(items))
    stripped = before.lstrip()
    if not state.in_instruction and stripped.startswith("#"):
        if state.header and re.fullmatch(r"#\s*[a-z]*", stripped):
            typed = re.search(r"[a-z]*$", before)
            prefix = typed.group() if typed else ""
            return Completions(column - len(prefix), tuple(
                Completion(d, d, "directive") for d in DIRECTIVES if d.startswith(prefix)))
        return Completions(column, ())
    tokens, _ = tokenize_line(before, state)
    keyword = state.keyword
    head = tokens[0] if tokens and tokens[0].kind in (Kind.KEYWORD, Kind.UNKNOWN) else None
    if not state.in_instruction:
        if head is None or (head.end == column and " " not in before[head.start:]):
            prefix = head.text if head else ""
            return Completions(column - len(prefix), _instructions(document, prefix))
        keyword = head.text.upper()
    assert keyword is not None
    word_match = re.search(r"\S*$", before)
    word = word_match.group() if word_match else ""
    start = column - len(word)
    if m := re.fullmatch(r"--from=(\S*)", word):
        prefix = m.group(1)
        return Completions(column - len(prefix), tuple(
            _stages(document, line_number, prefix)))
    arg_tokens = [t for t in tokens if t is not head]
    words_before = [t for t in arg_tokens if t.end < start or (t.kind is Kind.FLAG_VALUE
                                                              and t.end < start)]
    in_flags = (state.in_flags if state.in_instruction else True) and not any(
        t.kind not in (Kind.FLAG, Kind.FLAG_VALUE, Kind.VARIABLE) for t in words_before)
    if word.startswith("-") and in_flags:
        flags = sorted(CLASSIC_FLAGS.get(keyword, ()))
        return Completions(start, tuple(
            Completion(f"--{f}", f"--{f}=" if f != "link" else f"--{f}", "flag",
                       f"{keyword} --{f}") for f in flags if f"--{f}".startswith(word)))
    plain_words = len(before[head.end if head else 0:start].split()) if not state.in_instruction \
        else state.words + len(before[:start].split())
    flags_typed = sum(1 for t in words_before if t.kind is Kind.FLAG)
    position = plain_words - flags_typed
    if keyword == "FROM":
        if position == 0:
            earlier = [s.name for s in document.stages
                       if s.name and s.first_line < line_number]
            items = [Completion(i, i, "image", "base image") for i in images] + [
                Completion(n, n, "stage", "earlier stage") for n in earlier]
            return Completions(start, tuple(i for i in items
                                            if i.label.lower().startswith(word.lower())))
        if position == 1:
            return Completions(start, tuple(c for c in (Completion("AS", "AS ", "keyword",
                                                                   "name this stage"),)
                                            if c.label.startswith(word.upper())))
    if keyword in EXEC_SNIPPETS and position == 0 and not word:
        return Completions(start, tuple(Completion(s, s, "snippet", "exec form")
                                        for s in EXEC_SNIPPETS[keyword]))
    return Completions(column, ())


def _instructions(document: Document, prefix: str) -> tuple[Completion, ...]:
    # An empty file can only start with FROM (or a meta ARG).
    allowed = ("FROM", "ARG") if not document.instructions else INSTRUCTIONS
    return tuple(Completion(k, k + " ", "instruction",
                            "deprecated" if k == "MAINTAINER" else "")
                 for k in allowed if k.startswith(prefix.upper()))


def _stages(document: Document, line_number: int, prefix: str) -> list[Completion]:
    current = document.stage_at(line_number)
    limit = current.index if current else len(document.stages)
    found = []
    for stage in document.stages[:limit]:
        for label in ([stage.name] if stage.name else []) + [str(stage.index)]:
            if label.lower().startswith(prefix.lower()):
                found.append(Completion(label, label, "stage", f"stage from line "
                                        f"{stage.first_line}"))
    return found


def topic_at(line: str, column: int, state: LineState = START) -> str | None:
    """The docs key for what is under ``column``: an instruction, a flag, a directive
    or the exec/shell form of CMD-like instructions."""
    tokens, _ = tokenize_line(line, state)
    keyword = state.keyword
    if tokens and tokens[0].kind is Kind.KEYWORD and not state.in_instruction:
        keyword = tokens[0].text.upper()
    for token in tokens:
        if not token.start <= column < max(token.end, token.start + 1):
            continue
        if token.kind is Kind.KEYWORD and token.text.upper() in INSTRUCTIONS:
            return token.text.upper()
        if token.kind is Kind.KEYWORD and token.text.upper() == "AS":
            return "FROM"
        if token.kind in (Kind.FLAG, Kind.FLAG_VALUE) and keyword:
            flag = token if token.kind is Kind.FLAG else next(
                (t for t in tokens if t.kind is Kind.FLAG and t.end == token.start), None)
            if flag is not None:
                return f"{keyword} {flag.text}"
        if token.kind in (Kind.DIRECTIVE, Kind.DIRECTIVE_VALUE):
            name = next(t.text for t in tokens if t.kind is Kind.DIRECTIVE)
            return f"directive:{name.lower()}"
        if token.kind is Kind.PUNCTUATION:
            return "form:exec"
    # Plain words of a shell-form command: explain what shell form means.
    head = tokens[0] if tokens and not state.in_instruction else None
    after_keyword = head is None or column >= head.end + 1
    if (keyword in ("CMD", "ENTRYPOINT", "RUN") and after_keyword and line.strip()
            and not any(t.kind is Kind.PUNCTUATION for t in tokens)
            and not any(t.start <= column < t.end for t in tokens if t.kind in (
                Kind.FLAG, Kind.FLAG_VALUE, Kind.VARIABLE, Kind.HEREDOC))
            and column < len(line.rstrip())):
        return "form:shell"
    return None


def variable_at(document: Document, line_number: int, line: str, column: int,
                state: LineState = START) -> str | None:
    """For ``$NAME`` under the cursor: where it is declared and its value there."""
    tokens, _ = tokenize_line(line, state)
    token = next((t for t in tokens if t.kind is Kind.VARIABLE
                  and t.start <= column < t.end), None)
    if token is None:
        return None
    m = re.match(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", token.text)
    if m is None:
        return None
    name = m.group(1)
    if name not in document.variables_at(line_number):
        if name in PROXY_ARGS:
            return f"{name}: a proxy setting the builder passes in when it is set."
        return (f"{name} is not declared with ARG or ENV above this line (in this "
                "stage), so it is empty here unless the base image sets it.")
    found = [v for v in document.variables if v.name == name and v.line < line_number]
    var = found[-1]
    value = "no default (set it with --build-arg)" if var.value is None else (
        f"= {var.value!r}" if var.value else "= '' (empty)")
    return f"{name}: {var.kind} on line {var.line}, {value}."


def hover(docs: Docs, line: str, column: int, state: LineState = START) -> Topic | None:
    key = topic_at(line, column, state)
    return docs.get(key) if key else None
