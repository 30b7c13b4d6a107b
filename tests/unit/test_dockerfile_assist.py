"""Completion lists in each position, hover topics and texts, templates, recovery files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from workbench.dockerfile import parse
from workbench.dockerfile.assist import PROXY_ARGS, complete, hover, topic_at, variable_at
from workbench.dockerfile.docs import load_docs
from workbench.dockerfile.files import RecentFiles, RecoveryStore
from workbench.dockerfile.templates import load_templates
from workbench.dockerfile.tokens import INSTRUCTIONS, tokenize

TEXT = ("ARG BASE=busybox\nFROM $BASE AS build\nARG V=1\nENV HOME_DIR=/h\nRUN echo $\n"
        "FROM \nCOPY --from= a b\nCOPY --\nCMD \nFR\nHEALTHCHECK --\n")
IMAGES = ["alpine:3.22", "python:3.12-slim"]


def at(line: int, column: int | None = None) -> tuple[int, list[str]]:
    rows = tokenize(TEXT)
    text = TEXT.split("\n")[line - 1]
    result = complete(parse(TEXT), line, text, len(text) if column is None else column,
                      rows[line - 1][1], IMAGES)
    return result.start, [c.label for c in result.items]


def test_instructions_at_line_start_and_only_from_in_an_empty_file() -> None:
    assert at(10) == (0, ["FROM"])
    empty = complete(parse(""), 1, "", 0)
    assert [c.label for c in empty.items] == ["FROM", "ARG"]
    full = complete(parse("FROM x\n"), 2, "", 0)
    assert [c.label for c in full.items] == list(INSTRUCTIONS)


def test_flags_of_the_instruction_under_the_cursor() -> None:
    assert at(8) == (5, ["--chown", "--from"])
    assert at(11)[1] == ["--interval", "--retries", "--start-period", "--timeout"]


def test_stage_names_after_from_flag() -> None:
    assert at(7, 12) == (12, ["build", "0"])


def test_declared_variables_after_dollar() -> None:
    start, names = at(5)
    assert start == 10
    assert names[:2] == ["V", "HOME_DIR"] and "BASE" not in names
    assert set(PROXY_ARGS) <= set(names)


def test_base_images_and_stages_after_from_and_as() -> None:
    assert at(6) == (5, ["alpine:3.22", "python:3.12-slim", "build"])
    assert complete(parse(TEXT), 2, "FROM x ", 7).items[0].label == "AS"


def test_exec_form_snippets_for_cmd() -> None:
    assert at(9) == (4, ['["executable", "param"]', '["sh", "-c", "echo hello"]'])


def test_directives_in_the_header() -> None:
    result = complete(parse(""), 1, "# es", 4)
    assert (result.start, [c.label for c in result.items]) == (2, ["escape="])


def test_hover_topics_and_texts() -> None:
    docs = load_docs()
    assert topic_at("COPY --from=build a b", 8) == "COPY --from"
    assert topic_at('CMD ["a"]', 4) == "form:exec"
    assert topic_at("# escape=`", 3) == "directive:escape"
    assert topic_at("from x AS y", 8) == "FROM"
    assert topic_at("RUN echo", 6) == "form:shell"
    assert topic_at("COPY a b", 6) is None
    topic = hover(docs, "FROM alpine", 2)
    assert topic is not None and "think of it as choosing the operating system" in (
        topic.detail.lower())
    run = hover(docs, "RUN x", 0)
    assert run is not None and "temporary container" in run.detail
    cmd = hover(docs, "CMD x", 0)
    assert cmd is not None and "only the last" in cmd.detail.lower()
    for keyword in INSTRUCTIONS:
        found = docs.get(keyword)
        assert found is not None and found.summary and found.example, keyword


def test_hover_on_a_variable_says_where_it_comes_from() -> None:
    text = "ARG G=1\nFROM x\nARG V=1\nARG N\nRUN echo $V ${N} $G $HTTP_PROXY\n"
    doc = parse(text)
    line = text.split("\n")[4]
    assert variable_at(doc, 5, line, line.index("$V")) == "V: ARG on line 3, = '1'."
    assert "no default" in (variable_at(doc, 5, line, line.index("${N}") + 2) or "")
    assert "not declared" in (variable_at(doc, 5, line, line.index("$G")) or ""), (
        "a global ARG needs repeating inside the stage")
    assert "proxy" in (variable_at(doc, 5, line, line.index("$HTTP")) or "")
    assert variable_at(doc, 5, line, 1) is None


def test_a_translation_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "de").mkdir()
    (tmp_path / "en" / "instructions.toml").write_text(
        '[instructions.RUN]\nsummary = "Runs"\n[instructions.CMD]\nsummary = "Starts"\n')
    (tmp_path / "de" / "instructions.toml").write_text(
        '[instructions.RUN]\nsummary = "Führt aus"\n')
    docs = load_docs(tmp_path, "de")
    assert [docs.topics[k].summary for k in ("RUN", "CMD")] == ["Führt aus", "Starts"]


def test_templates_start_with_the_tutorial_and_all_parse_cleanly() -> None:
    templates = load_templates()
    assert templates[0].file == "alpine-hello.Dockerfile"
    assert [t.title for t in templates[1:]] == [
        "Python app", "Node.js app", "Static website on nginx", "Multi-stage build"]
    from workbench.dockerfile import blocking, diagnose
    for t in templates:
        assert t.description and "\n" not in t.description
        assert not blocking(diagnose(parse(t.text()))), t.file
    assert len(parse(templates[-1].text()).stages) == 2


def test_recovery_file_survives_a_killed_process(tmp_path: Path) -> None:
    code = ("import sys, os; from pathlib import Path; "
            "from workbench.dockerfile.files import RecoveryStore; "
            "s = RecoveryStore(Path(sys.argv[1])); s.save('FROM lost\\n', Path('/p/Dockerfile'));"
            " os.kill(os.getpid(), 9)")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False,
                   cwd=Path(__file__).resolve().parents[2])
    mine = RecoveryStore(tmp_path)
    mine.save("FROM mine\n", None)
    (found,) = mine.left_behind()
    assert (found.text, found.path) == ("FROM lost\n", Path("/p/Dockerfile"))
    # a live window's file is not offered to another window
    other = RecoveryStore(tmp_path)
    assert [r.text for r in other.left_behind()] == ["FROM lost\n"]
    mine.discard()
    assert not mine.file.exists()


def test_recent_files_newest_first_without_duplicates(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "recent.json")
    assert recent.paths() == []
    for name in ("a", "b", "a"):
        recent.add(tmp_path / name)
    assert recent.paths() == [tmp_path / "a", tmp_path / "b"]
    (tmp_path / "recent.json").write_text("{broken")
    assert recent.paths() == []
