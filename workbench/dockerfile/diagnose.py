"""The project's own Dockerfile checks: what the classic builder will refuse, and
the mistakes beginners make that the engine accepts silently.

Contract (the build panel relies on it)
---------------------------------------
``diagnose(document) -> list[Diagnostic]`` is pure, fast (no I/O, no engine)
and never raises for any text ``parse`` accepted (which is any text). Each
``Diagnostic`` has:

* ``line`` — 1-based, always ``1 <= line <= max(1, document.line_count)``;
* ``start``/``end`` — 0-based columns on that line, ``start < end``;
* ``severity`` — ``Severity.ERROR`` means **the engine's classic builder (the
  one this app drives through the docker SDK) will refuse or fail this
  Dockerfile**; ``WARNING`` is very likely a mistake that still builds;
  ``INFO`` is advice;
* ``code`` — a stable kebab-case name (``buildkit-only``, ``no-from``, …);
  hadolint findings use hadolint's own codes (``DL3006``, ``SC2086``);
* ``message`` — plain words with what to do;
* ``source`` — ``"workbench"`` or ``"hadolint"``; ``url`` — the rule's page, if any;
* ``fix`` — an optional :class:`Fix` (replace lines ``first_line..last_line``
  with ``replacement``), offered only when the fix is unambiguous;
  :func:`apply_fix` applies one to the text.

``blocking(diagnostics)`` is the subset that would make a build fail: call it
before sending a build and show those instead.

What the classic builder does (checked on Engine 20.10.24, ``api.build``):
``RUN --mount`` and ``COPY/ADD --chmod`` fail with "the --… option requires
BuildKit"; ``RUN --network/--security``, ``COPY/ADD --link``, ``COPY
--parents/--exclude``, ``ADD --checksum`` and ``HEALTHCHECK --start-interval``
fail to parse ("Unknown flag: …"); a heredoc's body lines are read as
instructions ("unknown instruction: ECHO"); ``FROM --platform=$BUILDPLATFORM``
fails (the automatic platform ARGs are empty); ``# syntax=`` and ``# check=``
are silently ignored; ``CMD ['a','b']`` silently becomes shell form; an
instruction before FROM fails with "no build stage in current context".
``tests/integration/test_dockerfile_classic_builder.py`` re-checks each of
these on the test engine.
"""

from __future__ import annotations

import difflib
import re
import shlex
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from workbench.dockerfile.parse import YIELD_EVERY, Document, Flag, Instruction, json_form
from workbench.dockerfile.tokens import INSTRUCTIONS, split_lines


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Fix:
    title: str
    first_line: int   # 1-based, inclusive
    last_line: int
    replacement: str  # the new text of those lines, without the final newline


@dataclass(frozen=True)
class Diagnostic:
    line: int
    start: int
    end: int
    severity: Severity
    code: str
    message: str
    fix: Fix | None = None
    source: str = "workbench"  # or "hadolint"
    url: str | None = None     # where the rule is explained, if anywhere


# Flags each builder accepts. BuildKit's list is the Dockerfile reference's.
CLASSIC_FLAGS: dict[str, frozenset[str]] = {
    "FROM": frozenset({"platform"}),
    "COPY": frozenset({"from", "chown"}),
    "ADD": frozenset({"chown"}),
    "HEALTHCHECK": frozenset({"interval", "timeout", "start-period", "retries"}),
}
BUILDKIT_FLAGS: dict[str, frozenset[str]] = {
    "FROM": frozenset({"platform"}),
    "RUN": frozenset({"mount", "network", "security", "device"}),
    "COPY": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "ADD": frozenset({"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude",
                      "unpack"}),
    "HEALTHCHECK": frozenset({"interval", "timeout", "start-period", "start-interval",
                              "retries"}),
}
# BuildKit's automatic ARGs; the classic builder leaves them empty.
PLATFORM_ARGS = frozenset({
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS",
    "TARGETARCH", "TARGETVARIANT",
})
_ONE_PER_STAGE = ("CMD", "ENTRYPOINT", "HEALTHCHECK")
_EXEC_CAPABLE = frozenset({"CMD", "ENTRYPOINT", "RUN", "SHELL", "VOLUME"})
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]{}~#!\"']")
_NEED_ARGUMENTS = frozenset(INSTRUCTIONS) - {"HEALTHCHECK"}
_BUILDKIT_HINT = ("The classic builder this app uses does not support it; rewrite it "
                  "without BuildKit syntax")


def diagnose(document: Document) -> list[Diagnostic]:
    """All the project's own findings, sorted by line. See the module docstring."""
    out: list[Diagnostic] = []
    _syntax(document, out)
    _directives(document, out)
    _order(document, out)
    stage_names: dict[str, int] = {}
    for n, ins in enumerate(document.instructions):
        if not n % YIELD_EVERY:
            time.sleep(0)  # see parse.YIELD_EVERY: typing goes on meanwhile
        _keyword(ins, document.lines, out)
        if not ins.known:
            continue
        _flags(ins, out)
        _arguments(ins, document, out)
        _forms(ins, out)
        if ins.keyword == "FROM":
            _from(ins, document, stage_names, out)
        elif ins.keyword in ("COPY", "ADD"):
            _copy_from(ins, document, out)
        elif ins.keyword == "MAINTAINER":
            out.append(_at(ins, Severity.INFO, "maintainer-deprecated",
                           "MAINTAINER is deprecated; use LABEL maintainer=\"…\" instead.",
                           Fix("Use a LABEL", ins.first_line, ins.last_line,
                               " " * ins.column + "LABEL maintainer="
                               + _quote(ins.rest))))
        elif ins.keyword == "WORKDIR" and ins.rest and not ins.rest.startswith(("/", "$")) \
                and not re.match(r"^[A-Za-z]:[\\/]", ins.rest):
            out.append(_at(ins, Severity.INFO, "workdir-relative",
                           f"WORKDIR {ins.rest} is relative to the previous WORKDIR, which is "
                           "easy to lose track of; give an absolute path like /app."))
        if ins.heredocs:
            out.append(_at(ins, Severity.ERROR, "buildkit-only",
                           f"Heredocs (<<{ins.heredocs[0].name}) need BuildKit: the classic "
                           "builder reads the heredoc's lines as instructions. "
                           f"{_BUILDKIT_HINT}, e.g. RUN with && or COPY of a real file."))
        _platform_args(ins, out)
    _one_per_stage(document, out)
    return sorted(_clamped(out, document), key=lambda d: (d.line, d.start, d.code))


def blocking(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The findings that make the classic builder refuse the Dockerfile."""
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def apply_fix(text: str, fix: Fix) -> str:
    """The text with the fix applied (line endings of the other lines kept)."""
    lines = split_lines(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    first, last = fix.first_line - 1, min(fix.last_line, len(lines))
    return newline.join(lines[:first] + fix.replacement.split("\n") + lines[last:])


# --- checks ------------------------------------------------------------
def _syntax(document: Document, out: list[Diagnostic]) -> None:
    for err in document.errors:
        out.append(Diagnostic(err.line, err.start, err.end, Severity.ERROR, "syntax",
                              err.message))
    if not document.instructions:
        out.append(Diagnostic(1, 0, 1, Severity.ERROR, "empty",
                              "The Dockerfile has no instructions; the engine refuses an "
                              "empty one. Start with FROM and a base image, e.g. "
                              "FROM alpine:3.20."))


def _directives(document: Document, out: list[Diagnostic]) -> None:
    for d in document.directives:
        if d.name in ("syntax", "check"):
            out.append(Diagnostic(d.line, 0, len(document.lines[d.line - 1]), Severity.INFO,
                                  "directive-ignored",
                                  f"The classic builder ignores '# {d.name}=': the engine's "
                                  "built-in parser is used and no build checks run."))


def _order(document: Document, out: list[Diagnostic]) -> None:
    for ins in document.instructions:
        if ins.keyword == "FROM":
            return
        if ins.keyword != "ARG" and ins.known:
            out.append(_at(ins, Severity.ERROR, "no-from",
                           f"{ins.keyword} comes before any FROM, so there is no image to "
                           "apply it to (the engine says \"no build stage in current "
                           "context\"). Put FROM <base image> first; only ARG may come "
                           "before it."))
            return
    if document.instructions and all(i.known for i in document.instructions):
        last = document.instructions[-1]
        out.append(_at(last, Severity.ERROR, "no-from",
                       "There is no FROM: every Dockerfile starts from a base image. Add "
                       "FROM <image> (e.g. FROM alpine:3.20) after the ARG lines."))


def _keyword(ins: Instruction, lines: tuple[str, ...], out: list[Diagnostic]) -> None:
    if not ins.known:
        guesses = difflib.get_close_matches(ins.keyword, INSTRUCTIONS, n=1, cutoff=0.6)
        hint = f" Did you mean {guesses[0]}?" if guesses else (
            " Instructions are: " + ", ".join(INSTRUCTIONS) + ".")
        fix = Fix(f"Change to {guesses[0]}", ins.first_line, ins.first_line,
                  _replace_keyword(ins, guesses[0], lines)) if guesses else None
        shown = ins.written or "(nothing)"
        out.append(_at(ins, Severity.ERROR, "unknown-instruction",
                       f"{shown} is not a Dockerfile instruction (the engine stops with "
                       f"\"unknown instruction: {ins.keyword}\").{hint}", fix))
    elif ins.written != ins.keyword:
        out.append(_at(ins, Severity.INFO, "instruction-casing",
                       f"Write instructions in capitals ({ins.keyword}); the engine accepts "
                       "any case, but capitals are what everyone reads.",
                       Fix(f"Change to {ins.keyword}", ins.first_line, ins.first_line,
                           _replace_keyword(ins, ins.keyword, lines))))


def _flags(ins: Instruction, out: list[Diagnostic]) -> None:
    classic = CLASSIC_FLAGS.get(ins.keyword, frozenset())
    buildkit = BUILDKIT_FLAGS.get(ins.keyword, frozenset())
    for flag in ins.flags:
        if flag.name in classic:
            if flag.value is None or flag.value == "":
                out.append(_flag(flag, Severity.ERROR, "flag-value",
                                 f"--{flag.name} needs a value: --{flag.name}=…"))
            continue
        if flag.name in buildkit:
            what = ("fails with \"the --" + flag.name + " option requires BuildKit\""
                    if flag.name in ("mount", "chmod") else
                    "stops with \"Unknown flag: " + flag.name + "\"")
            advice = {
                "mount": "Drop the --mount and do the work inside the RUN (e.g. download, "
                         "use, and delete in one RUN)",
                "chmod": "Drop --chmod and add RUN chmod … after the copy",
                "link": "Drop --link; the copy works the same without it",
            }.get(flag.name, _BUILDKIT_HINT)
            out.append(_flag(flag, Severity.ERROR, "buildkit-only",
                             f"{ins.keyword} --{flag.name} needs BuildKit: the classic "
                             f"builder {what}. {advice}."))
            continue
        known = sorted(buildkit | classic)
        guesses = difflib.get_close_matches(flag.name, known, n=1, cutoff=0.6)
        if known:
            hint = (f" Did you mean --{guesses[0]}?" if guesses else
                    f" {ins.keyword} accepts " + ", ".join(f"--{k}" for k in known) + ".")
        else:
            hint = f" {ins.keyword} takes no flags."
        out.append(_flag(flag, Severity.ERROR, "unknown-flag",
                         f"--{flag.name} is not a flag of {ins.keyword} (the engine stops with "
                         f"\"Unknown flag: {flag.name}\").{hint}"))


def _arguments(ins: Instruction, document: Document, out: list[Diagnostic]) -> None:
    if ins.keyword in _NEED_ARGUMENTS and not ins.rest and not ins.heredocs:
        out.append(_at(ins, Severity.ERROR, "missing-arguments",
                       f"{ins.keyword} needs something after it (the engine says \""
                       f"{ins.keyword} requires at least one argument\")."))
    if ins.keyword in ("ENV", "LABEL") and ins.rest:
        try:
            words = shlex.split(ins.rest)
        except ValueError:
            out.append(_at(ins, Severity.ERROR, "unclosed-quote",
                           f"{ins.keyword} has a quote that is never closed."))
            return
        if ins.keyword == "LABEL" and any("=" not in w for w in words):
            out.append(_at(ins, Severity.ERROR, "label-syntax",
                           "LABEL needs key=value pairs, e.g. LABEL version=\"1.0\"."))
        if ins.keyword == "ENV" and "=" not in words[0] and len(words) < 2:
            out.append(_at(ins, Severity.ERROR, "env-syntax",
                           f"ENV {words[0]} has no value; write ENV {words[0]}=value."))


def _forms(ins: Instruction, out: list[Diagnostic]) -> None:
    if ins.keyword not in _EXEC_CAPABLE:
        return
    rest = ins.rest.strip()
    if rest.startswith("[") and json_form(rest) is None:
        swapped = rest.replace("'", '"')
        if "'" in rest and json_form(swapped) is not None:
            out.append(_at(ins, Severity.WARNING, "json-single-quotes",
                           f"{ins.keyword} [...] uses single quotes, so it is not JSON: the "
                           "engine silently runs it as a shell command line instead (and the "
                           "brackets become part of the command). Use double quotes.",
                           Fix("Use double quotes", ins.first_line, ins.last_line,
                               _rewrite(ins, swapped)) if ins.first_line == ins.last_line
                           else None))
        else:
            out.append(_at(ins, Severity.WARNING, "json-invalid",
                           f"{ins.keyword} [...] is not valid JSON, so the engine runs it as "
                           "a shell command line. Exec form is [\"program\", \"arg\", …] "
                           "with double quotes and commas."))
        return
    if ins.keyword in ("CMD", "ENTRYPOINT") and rest and not rest.startswith("["):
        fix = None
        if not _SHELL_SYNTAX.search(rest):
            words = rest.split()
            fix = Fix("Convert to exec form", ins.first_line, ins.last_line,
                      _rewrite(ins, "[" + ", ".join(f'"{w}"' for w in words) + "]"))
        out.append(_at(ins, Severity.INFO, "shell-form",
                       f"{ins.keyword} {rest} is shell form: it runs as /bin/sh -c, so the "
                       "program does not get stop signals (docker stop waits 10 s, then "
                       "kills it). Exec form [\"program\", \"arg\"] runs it directly.", fix))


def _from(ins: Instruction, document: Document, names: dict[str, int],
          out: list[Diagnostic]) -> None:
    words = ins.rest.split()
    if words and not (len(words) == 1 or (len(words) == 3 and words[1].upper() == "AS")):
        out.append(_at(ins, Severity.ERROR, "from-arguments",
                       "FROM takes an image, optionally followed by AS <name> "
                       "(e.g. FROM python:3.12 AS build)."))
    stage = document.stages[ins.stage] if ins.stage is not None else None
    if stage and stage.name:
        key = stage.name.lower()
        if key in names:
            out.append(_at(ins, Severity.WARNING, "duplicate-stage",
                           f"The stage name {stage.name} is already used on line "
                           f"{names[key]}; give each stage its own name."))
        else:
            names[key] = ins.first_line


def _copy_from(ins: Instruction, document: Document, out: list[Diagnostic]) -> None:
    flag = ins.flag("from")
    if flag is None or not flag.value or ins.stage is None:
        return
    earlier = {s.name.lower() for s in document.stages[:ins.stage] if s.name}
    value = flag.value
    if value.isdigit():
        if int(value) >= ins.stage:
            out.append(_flag(flag, Severity.ERROR, "copy-from-stage",
                             f"--from={value} must name an earlier stage (0 to "
                             f"{ins.stage - 1})." if ins.stage else
                             "--from=0 in the first stage: there is no earlier stage."))
        return
    if value.lower() in earlier:
        return
    later = {s.name.lower() for s in document.stages[ins.stage:] if s.name}
    if value.lower() in later:
        out.append(_flag(flag, Severity.ERROR, "copy-from-stage",
                         f"The stage {value} is defined later (or is this stage); "
                         "--from can only use a stage above this one."))
    elif "/" not in value and ":" not in value and "$" not in value:
        out.append(_flag(flag, Severity.WARNING, "copy-from-image",
                         f"No earlier stage is called {value}, so the engine will try to "
                         f"pull an image named {value}. Check the stage name."))


def _platform_args(ins: Instruction, out: list[Diagnostic]) -> None:
    for flag in ins.flags:
        used = _names_in(flag.value or "")
        if used & PLATFORM_ARGS:
            out.append(_flag(flag, Severity.ERROR, "buildkit-only",
                             f"{', '.join(sorted(used & PLATFORM_ARGS))} is set only by "
                             "BuildKit; the classic builder leaves it empty and the build "
                             "fails. Write the platform out, e.g. --platform=linux/amd64, or "
                             "drop the flag."))
            return
    if ins.keyword in ("RUN", "ENV", "COPY", "ADD", "WORKDIR", "LABEL"):
        used = _names_in(ins.rest) & PLATFORM_ARGS
        if used:
            out.append(_at(ins, Severity.WARNING, "platform-arg-empty",
                           f"{', '.join(sorted(used))} is filled in only by BuildKit; with "
                           "the classic builder it is empty here. Declare it with a "
                           "default (ARG TARGETARCH=amd64) or pass it with --build-arg."))


def _one_per_stage(document: Document, out: list[Diagnostic]) -> None:
    for stage in document.stages:
        for keyword in _ONE_PER_STAGE:
            found = [document.instructions[i] for i in stage.instructions
                     if document.instructions[i].keyword == keyword]
            for ins in found[:-1]:
                out.append(_at(ins, Severity.WARNING, f"multiple-{keyword.lower()}",
                               f"Only the last {keyword} of a stage counts; this one (line "
                               f"{ins.first_line}) is replaced by the one on line "
                               f"{found[-1].first_line}. Remove one of them."))


# --- helpers -----------------------------------------------------------
def _at(ins: Instruction, severity: Severity, code: str, message: str,
        fix: Fix | None = None) -> Diagnostic:
    width = max(1, len(ins.written))
    return Diagnostic(ins.first_line, ins.column, ins.column + width, severity, code, message,
                      fix)


def _flag(flag: Flag, severity: Severity, code: str, message: str) -> Diagnostic:
    return Diagnostic(flag.line, flag.start, max(flag.end, flag.start + 1), severity, code,
                      message)


def _names_in(text: str) -> set[str]:
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def _replace_keyword(ins: Instruction, keyword: str, lines: tuple[str, ...]) -> str:
    # Only the first line changes; callers build a one-line fix.
    line = lines[ins.first_line - 1]
    return line[:ins.column] + keyword + line[ins.column + len(ins.written):]


def _rewrite(ins: Instruction, rest: str) -> str:
    flags = " ".join(f"--{f.name}" + (f"={f.value}" if f.value is not None else "")
                     for f in ins.flags)
    head = " " * ins.column + ins.written
    return f"{head} {flags + ' ' if flags else ''}{rest}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _clamped(found: list[Diagnostic], document: Document) -> list[Diagnostic]:
    """Keep every finding on a real line and column (the contract's promise)."""
    last = max(1, document.line_count)
    out = []
    for d in found:
        line = min(max(1, d.line), last)
        text = document.lines[line - 1] if document.lines else ""
        start = min(max(0, d.start), max(0, len(text) - 1)) if text else 0
        end = max(start + 1, min(d.end, max(len(text), start + 1)))
        out.append(Diagnostic(line, start, end, d.severity, d.code, d.message, d.fix,
                              d.source, d.url))
    return out
