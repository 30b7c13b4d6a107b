"""Highlighting spans from the shared tokenizer, and that it stays incremental."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor, QTextDocument
from pytestqt.qtbot import QtBot

from ui.editor.editor import DockerfileEditor
from ui.editor.highlighter import DockerfileHighlighter
from workbench.dockerfile.tokens import Kind


def spans(editor: DockerfileEditor, line: int) -> list[tuple[str, Kind]]:
    """(text, kind) of each formatted range on a line, by matching the formats."""
    block = editor.document().findBlockByNumber(line - 1)
    layout = block.layout()
    by_colour = {fmt.foreground().color().name(): kind
                 for kind, fmt in editor.highlighter.formats.items()}
    found = []
    for r in layout.formats():
        kind = by_colour[r.format.foreground().color().name()]
        found.append((block.text()[r.start:r.start + r.length], kind))
    return found


def make(qtbot: QtBot, text: str) -> DockerfileEditor:
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    editor.setPlainText(text)
    return editor


def test_every_kind_of_span(qtbot: QtBot) -> None:
    editor = make(qtbot, (
        "# syntax=docker/dockerfile:1\n"
        "# escape=\\\n"
        "from --platform=linux/amd64 alpine:3.20 AS build\n"
        "COPY --from=build --chown=app \"a b\" ${DEST:-/x}\n"
        "RUN echo $HOME \\\n"
        "  # a comment inside\n"
        "  && echo 'done'\n"
        'CMD ["sh", "-c"]\n'
        "RUN <<EOF\n"
        "echo in heredoc\n"
        "EOF\n"
        "FORM x\n"))
    assert spans(editor, 1) == [("#", Kind.COMMENT), ("syntax", Kind.DIRECTIVE),
                                ("docker/dockerfile:1", Kind.DIRECTIVE_VALUE)]
    assert spans(editor, 3) == [("from", Kind.KEYWORD), ("--platform", Kind.FLAG),
                                ("=linux/amd64", Kind.FLAG_VALUE), ("alpine:3.20", Kind.IMAGE),
                                ("AS", Kind.KEYWORD), ("build", Kind.STAGE)]
    assert spans(editor, 4) == [("COPY", Kind.KEYWORD), ("--from", Kind.FLAG),
                                ("=build", Kind.FLAG_VALUE), ("--chown", Kind.FLAG),
                                ("=app", Kind.FLAG_VALUE), ('"a b"', Kind.STRING),
                                ("${DEST:-/x}", Kind.VARIABLE)]
    assert spans(editor, 5) == [("RUN", Kind.KEYWORD), ("$HOME", Kind.VARIABLE),
                                ("\\", Kind.CONTINUATION)]
    assert spans(editor, 6) == [("# a comment inside", Kind.COMMENT)]
    assert spans(editor, 7) == [("'done'", Kind.STRING)]
    assert spans(editor, 8) == [("CMD", Kind.KEYWORD), ("[", Kind.PUNCTUATION),
                                ('"sh"', Kind.STRING), (",", Kind.PUNCTUATION),
                                ('"-c"', Kind.STRING), ("]", Kind.PUNCTUATION)]
    assert spans(editor, 9) == [("RUN", Kind.KEYWORD), ("<<EOF", Kind.HEREDOC)]
    assert spans(editor, 10) == [("echo in heredoc", Kind.HEREDOC_BODY)]
    assert spans(editor, 11) == [("EOF", Kind.HEREDOC)]
    assert spans(editor, 12) == [("FORM", Kind.UNKNOWN)]


def test_escape_directive_changes_what_continues(qtbot: QtBot) -> None:
    editor = make(qtbot, "# escape=`\nRUN dir c:\\ `\n  FROM not-an-instruction\n")
    assert spans(editor, 2)[-1] == ("`", Kind.CONTINUATION)
    assert ("FROM", Kind.KEYWORD) not in spans(editor, 3)


def test_typing_a_continuation_rehighlights_the_next_line(qtbot: QtBot) -> None:
    editor = make(qtbot, "RUN a\nFROM b\n")
    assert spans(editor, 2)[0] == ("FROM", Kind.KEYWORD)
    cursor = QTextCursor(editor.document().findBlockByNumber(0))
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    cursor.insertText(" \\")
    assert spans(editor, 2) == [], "FROM is now an argument of the continued RUN"
    cursor.deletePreviousChar()
    assert spans(editor, 2)[0] == ("FROM", Kind.KEYWORD)


class CountingHighlighter(DockerfileHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        self.calls = 0
        super().__init__(document)

    def highlightBlock(self, text: str) -> None:
        self.calls += 1
        super().highlightBlock(text)


def test_an_edit_rehighlights_only_what_its_state_reaches(qtbot: QtBot) -> None:
    editor = make(qtbot, "".join(f"RUN echo {i}\n" for i in range(3000)))
    editor.highlighter.setDocument(None)
    document = editor.document()
    highlighter = CountingHighlighter(document)
    qtbot.waitUntil(lambda: highlighter.calls >= 3000)  # the first pass over everything
    highlighter.calls = 0
    cursor = QTextCursor(document.findBlockByNumber(1500))
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    cursor.insertText("x")
    assert highlighter.calls == 1
    cursor.insertText(" \\")  # continues into the next line, whose state changes
    assert highlighter.calls <= 4
    assert highlighter.state_before(1501).keyword == "RUN"  # block 1501 continues 1500
