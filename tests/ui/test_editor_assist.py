"""Completion in the editor (popup and insertion), hover text and tooltips, quick fixes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from ui.editor.editor import CompletionModel, DockerfileEditor
from workbench.dockerfile import Fix, diagnose, parse
from workbench.dockerfile.assist import Completion

# A tooltip window makes the offscreen plugin say this; it is not ours.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")

TEXT = "FROM busybox AS build\nARG VERSION=1\nRUN echo \nFROM alpine\nCOPY --from= /a /b\n"


def make(qtbot: QtBot, text: str = TEXT) -> DockerfileEditor:
    editor = DockerfileEditor()
    qtbot.addWidget(editor)
    editor.images = ["alpine:3.22", "python:3.12-slim"]
    editor.setPlainText(text)
    editor.set_analysis(parse(text), diagnose(parse(text)))
    editor.show()
    return editor


def put_cursor(editor: DockerfileEditor, line: int, column: int) -> None:
    block = editor.document().findBlockByNumber(line - 1)
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + column)
    editor.setTextCursor(cursor)


def labels(editor: DockerfileEditor) -> list[str]:
    return [c.label for c in editor.completions_at_cursor().items]


def test_completion_lists_in_each_position(qtbot: QtBot) -> None:
    editor = make(qtbot)
    put_cursor(editor, 5, 12)
    assert labels(editor) == ["build", "0"]
    put_cursor(editor, 4, 5)
    assert labels(editor)[:2] == ["alpine:3.22", "python:3.12-slim"]
    put_cursor(editor, 5, 0)
    assert "COPY" in labels(editor) and "FROM" in labels(editor)


def test_typing_dollar_opens_the_variables_and_enter_inserts(qtbot: QtBot) -> None:
    editor = make(qtbot)
    put_cursor(editor, 3, 9)
    qtbot.keyClick(editor, Qt.Key.Key_Dollar, Qt.KeyboardModifier.ShiftModifier)
    assert editor.popup.isVisible()
    assert editor.completion_model.items[0].label == "VERSION"
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert not editor.popup.isVisible()
    assert editor.document().findBlockByNumber(2).text() == "RUN echo $VERSION"
    # typed out in full, Return is a new line and the list just closes
    qtbot.keyClicks(editor, " $VERSION")
    assert editor.popup.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.document().findBlockByNumber(2).text() == "RUN echo $VERSION $VERSION"
    assert editor.textCursor().blockNumber() == 3 and not editor.popup.isVisible()


def test_ctrl_space_offers_flags_and_escape_closes(qtbot: QtBot) -> None:
    editor = make(qtbot, "FROM x AS base\nFROM y\nCOPY --\n")
    put_cursor(editor, 3, 7)
    qtbot.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert editor.popup.isVisible()
    assert [c.label for c in editor.completion_model.items] == ["--chown", "--from"]
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert not editor.popup.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Down)
    assert editor.current_completion() == editor.completion_model.items[1]
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.document().findBlockByNumber(2).text() == "COPY --from="
    assert editor.popup.isVisible(), "--from= goes straight on to the stage names"
    assert [c.label for c in editor.completion_model.items] == ["base", "0"]
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.document().findBlockByNumber(2).text() == "COPY --from=base"


def test_completion_model(qtmodeltester: object, qtbot: QtBot) -> None:
    model = CompletionModel()
    model.set_items([Completion("FROM", "FROM ", "instruction"),
                     Completion("V", "V", "variable", "ARG/ENV")])
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.index(1, 0).data() == "V    ARG/ENV"


def test_hover_explains_instructions_and_flags_for_beginners(qtbot: QtBot) -> None:
    editor = make(qtbot)
    text = editor.hover_html(1, 1)
    assert text is not None and "base image" in text and "operating system" in text
    flag = editor.hover_html(5, 8)
    assert flag is not None and "earlier build stage" in flag
    shell = editor.hover_html(3, 6)
    assert shell is not None and "Shell form" in shell  # plain shell text
    assert editor.hover_html(5, 14) is None  # a COPY path
    editor.setPlainText("FROM x\nARG V=2\nRUN echo $V\n")
    editor.set_analysis(parse(editor.toPlainText()), [])
    value = editor.hover_html(3, 10)
    assert value is not None and "V: ARG on line 2, = &#x27;2&#x27;." in value


def test_hover_shows_the_finding_under_the_mouse_too(qtbot: QtBot) -> None:
    editor = make(qtbot, "FROM x\nRUM echo\n")
    text = editor.hover_html(2, 1)
    assert text is not None and "unknown-instruction" in text and "Did you mean RUN?" in text


def test_tooltip_event_opens_the_hover(qtbot: QtBot) -> None:
    editor = make(qtbot)
    rect = editor.cursorRect(QTextCursor(editor.document().findBlockByNumber(0)))
    pos = QPoint(rect.x() + 6, rect.center().y())
    event = QHelpEvent(QEvent.Type.ToolTip, pos, editor.viewport().mapToGlobal(pos))
    QApplication.sendEvent(editor.viewport(), event)
    try:
        assert "base image" in QToolTip.text()
    finally:
        QToolTip.hideText()
        qtbot.waitUntil(lambda: not QToolTip.isVisible())


def test_quick_fix_is_one_undoable_edit(qtbot: QtBot) -> None:
    editor = make(qtbot, "FROM x\nCMD ['a', 'b']\nRUN ok\n")
    (d,) = [d for d in diagnose(parse(editor.toPlainText())) if d.fix]
    assert d.fix is not None
    editor.apply_fix(d.fix)
    assert editor.toPlainText() == 'FROM x\nCMD ["a", "b"]\nRUN ok\n'
    editor.undo()
    assert editor.toPlainText() == "FROM x\nCMD ['a', 'b']\nRUN ok\n"
    editor.apply_fix(Fix("nothing", 99, 99, "x"))
    assert editor.toPlainText() == "FROM x\nCMD ['a', 'b']\nRUN ok\n"


def test_underlines_are_painted_and_marks_stay_alone(qtbot: QtBot) -> None:
    editor = make(qtbot, "FROM x\nRUM a\nCMD ['a']\n")
    marks = editor.underlines()
    assert [s.value for _, s in marks] == ["error", "warning"]
    assert marks[0][0].width() >= 3 * editor.fontMetrics().horizontalAdvance("R") - 1
    assert marks[0][0].top() < marks[1][0].top()
    assert editor.extraSelections() == []
    editor.mark_line(3, "step failed")
    assert [m.cursor.blockNumber() for m in editor.extraSelections()] == [2]
    editor.clear_marks()
    assert editor.extraSelections() == []
    editor.grab()  # paints the underlines without complaint
    editor.go_to(2, 0, 3)
    assert editor.textCursor().selectedText() == "RUM"
