"""Property test: thousands of random and mutated Dockerfiles through the tokenizer,
parser, outline (stages), diagnostics, completion and hover. Nothing raises, and
every diagnostic is on a real line."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.dockerfile import diagnose, parse
from workbench.dockerfile.assist import complete, topic_at
from workbench.dockerfile.templates import load_templates
from workbench.dockerfile.tokens import split_lines, tokenize

FRAGMENTS = [
    "FROM ", "from ", "AS ", " as ", "RUN ", "CMD ", "ENTRYPOINT ", "COPY ", "ADD ", "ARG ",
    "ENV ", "LABEL ", "WORKDIR ", "HEALTHCHECK ", "ONBUILD ", "SHELL ", "EXPOSE ", "USER ",
    "MAINTAINER ", "RUM ", "--from=", "--chown=", "--mount=type=cache,target=/x ",
    "--platform=$BUILDPLATFORM ", "--chmod=755 ", "--link ", "--", "=", "$", "${", "}",
    "${A:-b}", "$TARGETARCH", "\\", "`", "\\\n", "`\n", "\n", "\r\n", "\n\n", " ", "\t",
    "#", "# escape=`\n", "# escape=\\\n", "# syntax=docker/dockerfile:1\n", "# check=x\n",
    "<<EOF", "<<-EOF", "<<'END'", "EOF\n", "\tEOF\n", "END\n", "[", "]", "\"", "'", ",",
    '["sh", "-c"]', "['a', 'b']", "busybox", "alpine:3.20", "build", "0", "1", "/app",
    "a.txt", "*.py", "x=y", "a b", "\ufeff", "é", "\x00", "\u2028", "\x0b",
]
dockerfiles = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
TEMPLATES = [t.text() for t in load_templates()]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEMPLATES))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "fragment", "dup-line"]))
        if action == "insert":
            text = text[:at] + draw(st.text(max_size=5)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        elif action == "fragment":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS)) + text[at:]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            text = "\n".join([*lines[:i], lines[i], *lines[i:]])
    return text


def check_everything(text: str) -> None:
    rows = tokenize(text)
    lines = split_lines(text)
    assert len(rows) == len(lines)
    doc = parse(text)
    for number, ((tokens, state), line) in enumerate(zip(rows, lines, strict=True), start=1):
        for t in tokens:
            assert 0 <= t.start <= t.end <= len(line), (t, line)
        # completion and hover anywhere on the line must not fail
        for column in {0, len(line) // 2, len(line)}:
            complete(doc, number, line, column, state, ["alpine:3.22"])
            topic_at(line, column, state)
    count = max(1, doc.line_count)
    previous_last = 0
    for n, ins in enumerate(doc.instructions, start=1):
        assert 1 <= ins.first_line <= ins.last_line <= count
        assert ins.first_line > previous_last, "instructions do not overlap"
        previous_last = ins.last_line
        assert doc.step_lines(n) == (ins.first_line, ins.last_line)
    for stage in doc.stages:
        assert stage.instructions and doc.instructions[stage.instructions[0]].keyword == "FROM"
        assert all(doc.instructions[i].stage == stage.index for i in stage.instructions)
    for d in diagnose(doc):
        assert 1 <= d.line <= count, d
        assert 0 <= d.start < d.end, d
        assert d.message


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles)
def test_random_dockerfiles(text: str) -> None:
    check_everything(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_templates(text: str) -> None:
    check_everything(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_at_all(text: str) -> None:
    check_everything(text)
