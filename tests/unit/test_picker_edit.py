"""Where "Use" writes the chosen image: the FROM of the stage under the cursor."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ui.picker.from_edit import apply_edit, use_image_edit

MULTI = ("# syntax=docker/dockerfile:1\n"
         "ARG V=1\n"
         "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
         "RUN go build\n"
         "\n"
         "from alpine:3.19\n"
         "COPY --from=build /app /app\n")


def test_replaces_only_the_image_of_the_stage_under_the_cursor() -> None:
    edit = use_image_edit(MULTI, 7, "alpine:3.22")
    assert edit.replaced == "alpine:3.19" and edit.stage == 1
    assert apply_edit(MULTI, edit) == MULTI.replace("from alpine:3.19", "from alpine:3.22")
    edit = use_image_edit(MULTI, 4, "golang:1.23")
    assert apply_edit(MULTI, edit) == MULTI.replace(
        "golang:1.22 AS build", "golang:1.23 AS build")
    # Above the first FROM (the ARG line): the first stage.
    assert use_image_edit(MULTI, 2, "x").stage == 0
    # A blank line between stages belongs to the stage above it.
    assert use_image_edit(MULTI, 5, "x").stage == 0


def test_inserts_a_from_at_the_top_after_directives() -> None:
    assert apply_edit("", use_image_edit("", 1, "alpine:3.22")) == "FROM alpine:3.22\n"
    text = "# escape=`\nRUN echo hi\n"
    edit = use_image_edit(text, 2, "busybox")
    assert edit.is_insert
    assert apply_edit(text, edit) == "# escape=`\nFROM busybox\nRUN echo hi\n"


def test_a_from_split_over_lines_is_written_on_one_line() -> None:
    text = "FROM \\\n  --platform=linux/amd64 \\\n  ubuntu:22.04 AS base\nRUN true\n"
    edit = use_image_edit(text, 1, "ubuntu:24.04")
    assert apply_edit(text, edit) == (
        "FROM --platform=linux/amd64 ubuntu:24.04 AS base\nRUN true\n")


@given(st.lists(st.sampled_from(["FROM a", "FROM b AS x", "RUN true", "", "# c",
                                 "COPY . ."]), max_size=8),
       st.integers(min_value=1, max_value=10))
def test_use_always_leaves_the_image_in_a_from(lines: list[str], cursor: int) -> None:
    text = "".join(f"{line}\n" for line in lines)
    result = apply_edit(text, use_image_edit(text, cursor, "chosen:1"))
    assert any(line.split()[:2] == ["FROM", "chosen:1"] for line in result.splitlines()
               if line.strip())
    # Exactly one FROM changed or one was added: the line count grows by at most one.
    assert len(result.splitlines()) - len(text.splitlines()) in (0, 1)
