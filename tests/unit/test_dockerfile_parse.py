from workbench.dockerfile import parse


def test_steps_map_to_lines_with_continuations_and_comments() -> None:
    doc = parse(
        "# syntax=docker/dockerfile:1\n"
        "ARG BASE=busybox\n"
        "\n"
        "FROM $BASE AS build\n"
        "RUN echo a \\\n"
        "    # a comment inside the continuation\n"
        "    && echo b\n"
        "CMD [\"sh\"]\n"
    )
    assert [(i.keyword, i.first_line, i.last_line) for i in doc.instructions] == [
        ("ARG", 2, 2), ("FROM", 4, 4), ("RUN", 5, 7), ("CMD", 8, 8)]
    assert doc.instructions[2].arguments == "echo a && echo b"
    assert doc.step_lines(3) == (5, 7)
    assert doc.step_lines(9) is None


def test_escape_directive_changes_the_continuation_character() -> None:
    doc = parse("# escape=`\nFROM x\nRUN dir `\n  c:\\\\\n")
    assert doc.escape == "`"
    assert [(i.keyword, i.first_line, i.last_line) for i in doc.instructions] == [
        ("FROM", 2, 2), ("RUN", 3, 4)]


def test_lowercase_instructions_and_unterminated_continuation() -> None:
    doc = parse("from x\nrun a \\\n")
    assert [(i.keyword, i.last_line) for i in doc.instructions] == [("FROM", 1), ("RUN", 2)]
