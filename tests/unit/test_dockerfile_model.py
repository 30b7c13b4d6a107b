"""The Document: stages, flags, heredocs, variables and the tokenizer under it."""

from __future__ import annotations

from workbench.dockerfile import parse
from workbench.dockerfile.tokens import Kind, LineState, tokenize, tokenize_line

MULTI = (
    "# syntax=docker/dockerfile:1\n"
    "ARG BASE=busybox\n"
    "FROM --platform=linux/amd64 $BASE AS build\n"
    "ARG VERSION=1\n"
    "RUN echo $VERSION \\\n"
    "  && echo done\n"
    "COPY <<EOF /greeting\n"
    "hello\n"
    "EOF\n"
    "\n"
    "FROM build AS final\n"
    "ENV APP_HOME=/app PORT=8080\n"
    "COPY --from=build /greeting /g\n"
    "CMD [\"sh\"]\n"
)


def test_stages_have_names_bases_spans_and_members() -> None:
    doc = parse(MULTI)
    assert [(s.index, s.name, s.base, s.platform, s.first_line, s.last_line)
            for s in doc.stages] == [(0, "build", "$BASE", "linux/amd64", 3, 9),
                                     (1, "final", "build", None, 11, 14)]
    assert [doc.instructions[i].keyword for i in doc.stages[1].instructions] == [
        "FROM", "ENV", "COPY", "CMD"]
    assert doc.instructions[0].stage is None  # the meta ARG before FROM
    assert doc.stage_at(6) == doc.stages[0] and doc.stage_at(2) is None


def test_flags_heredocs_and_step_lines() -> None:
    doc = parse(MULTI)
    from_ = doc.instructions[1]
    assert [(f.name, f.value, f.line, f.start, f.end) for f in from_.flags] == [
        ("platform", "linux/amd64", 3, 5, 27)]
    assert from_.rest == "$BASE AS build"
    copy = doc.instructions[4]
    assert copy.keyword == "COPY" and (copy.first_line, copy.last_line) == (7, 9)
    assert [(h.name, h.body, h.first_line, h.last_line, h.terminated)
            for h in copy.heredocs] == [("EOF", "hello", 8, 9, True)]
    assert doc.step_lines(5) == (7, 9)
    assert doc.instruction_at(8) is copy
    assert doc.instructions[7].flag("from") is not None
    assert doc.instructions[8].exec_form == ["sh"]
    assert doc.directive("syntax") is not None and doc.errors == ()


def test_variables_are_scoped_to_their_stage() -> None:
    doc = parse(MULTI)
    assert [(v.name, v.kind, v.value, v.stage) for v in doc.variables] == [
        ("BASE", "ARG", "busybox", None), ("VERSION", "ARG", "1", 0),
        ("APP_HOME", "ENV", "/app", 1), ("PORT", "ENV", "8080", 1)]
    assert doc.variables_at(6) == ["VERSION"]
    assert doc.variables_at(3) == ["BASE"], "FROM lines see only the global ARGs"
    assert doc.variables_at(14) == ["APP_HOME", "PORT"]


def test_unterminated_heredoc_is_a_parse_error_at_its_instruction() -> None:
    doc = parse("FROM x\nRUN <<EOF\necho hi\n")
    assert [(e.line, "never closed" in e.message) for e in doc.errors] == [(2, True)]
    assert doc.instructions[1].last_line == 3


def test_bad_and_duplicate_escape_directives() -> None:
    doc = parse("# escape=x\n# escape=`\nFROM y\n")
    assert doc.escape == "\\"
    assert [e.line for e in doc.errors] == [1, 2]


def test_a_blank_line_ends_the_directive_header() -> None:
    doc = parse("\n# escape=`\nFROM y\nRUN a `\n")
    assert doc.escape == "\\" and doc.directives == ()


def test_crlf_and_bom() -> None:
    doc = parse("\ufeffFROM x\r\nRUN a \\\r\n  b\r\n")
    assert [(i.keyword, i.first_line, i.last_line, i.arguments) for i in doc.instructions] == [
        ("FROM", 1, 1, "x"), ("RUN", 2, 3, "a b")]


def test_tokens_of_a_flagged_line() -> None:
    tokens, after = tokenize_line('COPY --from=build --chown=app "a b" ${DEST:-/x} \\')
    assert [(t.kind, t.text) for t in tokens] == [
        (Kind.KEYWORD, "COPY"), (Kind.FLAG, "--from"), (Kind.FLAG_VALUE, "=build"),
        (Kind.FLAG, "--chown"), (Kind.FLAG_VALUE, "=app"), (Kind.STRING, '"a b"'),
        (Kind.VARIABLE, "${DEST:-/x}"), (Kind.CONTINUATION, "\\")]
    assert after.keyword == "COPY" and not after.in_flags


def test_tokenizer_state_carries_continuations_escape_and_heredocs() -> None:
    rows = tokenize("# escape=`\nrun a `\n  # note\n  b\nRUN <<-END\n\tx\n\tEND\nfoo\n")
    kinds = [[t.kind for t in tokens] for tokens, _ in rows]
    assert kinds[0] == [Kind.COMMENT, Kind.DIRECTIVE, Kind.DIRECTIVE_VALUE]
    assert kinds[1] == [Kind.KEYWORD, Kind.CONTINUATION]
    assert kinds[2] == [Kind.COMMENT]
    assert rows[3][1].keyword == "RUN" and rows[3][1].escape == "`"
    assert kinds[4] == [Kind.KEYWORD, Kind.HEREDOC]
    assert kinds[5] == [Kind.HEREDOC_BODY] and kinds[6] == [Kind.HEREDOC]
    assert kinds[7] == [Kind.UNKNOWN]
    assert rows[7][1] == LineState(escape="`", header=False, escape_seen=True)


def test_exec_form_and_from_tokens() -> None:
    tokens, _ = tokenize_line('CMD ["echo", "$HOME"]')
    assert [t.kind for t in tokens] == [Kind.KEYWORD, Kind.PUNCTUATION, Kind.STRING,
                                        Kind.PUNCTUATION, Kind.STRING, Kind.PUNCTUATION]
    tokens, _ = tokenize_line("FROM python:3.12 AS build")
    assert [(t.kind, t.text) for t in tokens] == [
        (Kind.KEYWORD, "FROM"), (Kind.IMAGE, "python:3.12"), (Kind.KEYWORD, "AS"),
        (Kind.STAGE, "build")]
    tokens, _ = tokenize_line(r"RUN echo \$HOME $USER")
    assert [t.text for t in tokens if t.kind is Kind.VARIABLE] == ["$USER"]
