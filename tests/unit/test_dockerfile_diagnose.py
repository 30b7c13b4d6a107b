"""The project's own checks, each with a Dockerfile that trips it and one that does not."""

from __future__ import annotations

import pytest

from workbench.dockerfile import Severity, apply_fix, blocking, diagnose, parse

GOOD = 'FROM busybox:1.36\nWORKDIR /app\nCOPY a.txt .\nRUN echo hi\nCMD ["sh"]\n'


def codes(text: str) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in diagnose(parse(text))]


def test_a_good_dockerfile_has_no_findings() -> None:
    assert codes(GOOD) == []


@pytest.mark.parametrize(("text", "found"), [
    ("FROM x\nCMD ['echo', 'hi']\n", [(2, "json-single-quotes")]),
    ("FROM x\nENTRYPOINT ['sh']\n", [(2, "json-single-quotes")]),
    ('FROM x\nCMD ["echo", "it\'s"]\n', []),
])
def test_single_quoted_exec_form(text: str, found: list[tuple[int, str]]) -> None:
    assert codes(text) == found


def test_single_quote_fix_gives_exec_form() -> None:
    text = "FROM x\n  CMD ['echo', 'hi']\n"
    (d,) = diagnose(parse(text))
    assert d.fix is not None and d.severity is Severity.WARNING
    fixed = apply_fix(text, d.fix)
    assert fixed == 'FROM x\n  CMD ["echo", "hi"]\n'
    assert parse(fixed).instructions[1].exec_form == ["echo", "hi"]


def test_more_than_one_cmd_per_stage() -> None:
    assert codes('FROM x\nCMD ["a"]\nCMD ["b"]\n') == [(2, "multiple-cmd")]
    assert codes('FROM x\nCMD ["a"]\nFROM y\nCMD ["b"]\n') == []
    assert codes('FROM x\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n') == [(2, "multiple-entrypoint")]


def test_instruction_before_from() -> None:
    assert codes("RUN echo hi\nFROM x\n") == [(1, "no-from")]
    assert codes("ARG V=1\nFROM x:$V\n") == []
    assert codes("ARG V=1\n") == [(1, "no-from")]
    assert blocking(diagnose(parse("RUN echo hi\nFROM x\n")))


def test_unknown_instruction_with_did_you_mean_and_fix() -> None:
    text = "FROM x\nRUM echo hi\n"
    (d,) = diagnose(parse(text))
    assert (d.line, d.start, d.end, d.code, d.severity) == (
        2, 0, 3, "unknown-instruction", Severity.ERROR)
    assert "Did you mean RUN?" in d.message
    assert d.fix is not None and apply_fix(text, d.fix) == "FROM x\nRUN echo hi\n"
    (d,) = diagnose(parse("FROM x\nXYZZY a\n"))
    assert d.fix is None and "Instructions are:" in d.message
    assert codes("FROM x\nRUN echo\n") == []


def test_instruction_casing_fix() -> None:
    text = "from x\nRun echo hi\n"
    found = diagnose(parse(text))
    assert [(d.line, d.code, d.severity) for d in found] == [
        (1, "instruction-casing", Severity.INFO), (2, "instruction-casing", Severity.INFO)]
    for d in reversed(found):
        assert d.fix is not None
        text = apply_fix(text, d.fix)
    assert text == "FROM x\nRUN echo hi\n"


@pytest.mark.parametrize(("line", "column"), [
    ("RUN --mount=type=cache,target=/root/.cache pip install x", 4),
    ("RUN --network=none echo", 4),
    ("COPY --chmod=755 a /a", 5),
    ("COPY --link a /a", 5),
    ("ADD --checksum=sha256:00 a /a", 4),
    ("COPY --parents a /a/", 5),
    ("HEALTHCHECK --start-interval=1s CMD true", 12),
])
def test_buildkit_only_flags_block_the_build(line: str, column: int) -> None:
    found = diagnose(parse(f"FROM x\n{line}\n"))
    assert [(d.line, d.start, d.code, d.severity) for d in found] == [
        (2, column, "buildkit-only", Severity.ERROR)]
    assert "BuildKit" in found[0].message


def test_buildkit_heredoc_platform_args_and_ignored_directive() -> None:
    assert codes("FROM x\nRUN <<EOF\necho hi\nEOF\n") == [(2, "buildkit-only")]
    assert codes("FROM --platform=$BUILDPLATFORM x\n") == [(1, "buildkit-only")]
    assert codes("FROM x\nRUN echo $TARGETARCH\n") == [(2, "platform-arg-empty")]
    assert codes("# syntax=docker/dockerfile:1\nFROM x\n") == [(1, "directive-ignored")]
    # the flags the classic builder does know are fine
    assert codes("FROM --platform=linux/amd64 x AS a\nFROM y\nCOPY --from=a --chown=1:1 / /\n"
                 "HEALTHCHECK --interval=5s --retries=3 CMD true\n") == []


def test_unknown_flag_suggests_the_right_one() -> None:
    (d,) = diagnose(parse("FROM x\nCOPY --chwon=1 a /a\n"))
    assert d.code == "unknown-flag" and "Did you mean --chown?" in d.message
    (d,) = diagnose(parse("FROM x\nWORKDIR --x /a\n"))
    assert "takes no flags" in d.message


def test_shell_form_cmd_fix_only_when_unambiguous() -> None:
    text = "FROM x\nCMD python app.py --port 80\n"
    (d,) = diagnose(parse(text))
    assert d.code == "shell-form" and d.fix is not None
    assert apply_fix(text, d.fix).splitlines()[1] == (
        'CMD ["python", "app.py", "--port", "80"]')
    (d,) = diagnose(parse("FROM x\nCMD echo $HOME && ls\n"))
    assert d.code == "shell-form" and d.fix is None
    assert codes('FROM x\nRUN echo hi\nCMD ["a"]\n') == []


def test_from_and_stage_checks() -> None:
    assert codes("FROM x y\n") == [(1, "from-arguments")]
    assert codes("FROM x AS a\nFROM y AS a\n") == [(2, "duplicate-stage")]
    assert codes("FROM x AS a\nCOPY --from=b / /\n") == [(2, "copy-from-image")]
    assert codes("FROM x AS a\nCOPY --from=a / /\nFROM y\nCOPY --from=0 / /\n") == [
        (2, "copy-from-stage")]
    assert codes("FROM x AS a\nFROM y\nCOPY --from=a / /\nCOPY --from=0 / /\n") == []


def test_missing_arguments_and_syntax_errors() -> None:
    assert codes("FROM x\nRUN\n") == [(2, "missing-arguments")]
    assert codes("FROM x\nENV A\n") == [(2, "env-syntax")]
    assert codes("FROM x\nLABEL a\n") == [(2, "label-syntax")]
    assert codes("") == [(1, "empty")]
    assert (2, "syntax") in codes("FROM x\nRUN <<EOF\necho\n")


def test_maintainer_and_relative_workdir() -> None:
    text = "FROM x\nMAINTAINER Ann <a@b.c>\nWORKDIR app\n"
    found = diagnose(parse(text))
    assert [(d.line, d.code) for d in found] == [(2, "maintainer-deprecated"),
                                                 (3, "workdir-relative")]
    assert found[0].fix is not None
    assert apply_fix(text, found[0].fix).splitlines()[1] == 'LABEL maintainer="Ann <a@b.c>"'


def test_every_finding_is_on_a_real_line_and_column() -> None:
    text = "RUM\n\\\nFROM\nCOPY --chmod\n"
    doc = parse(text)
    for d in diagnose(doc):
        assert 1 <= d.line <= doc.line_count
        assert 0 <= d.start < d.end
