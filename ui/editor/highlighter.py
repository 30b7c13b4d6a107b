"""A first Dockerfile highlighter: instructions, comments, strings, variables.

The editor issue replaces this with the shared tokenizer; it is per-line on
purpose so that typing never re-highlights the whole document.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

INSTRUCTIONS = (
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
    "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
    "WORKDIR",
)
_INSTRUCTION = re.compile(r"^\s*(" + "|".join(INSTRUCTIONS) + r")\b", re.I)
_COMMENT = re.compile(r"^\s*#.*$")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
_FLAG = re.compile(r"(?<=\s)--[a-z-]+(=\S*)?")


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class DockerfileHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.formats = {
            "instruction": _format("#0d47a1", bold=True),
            "comment": _format("#757575", italic=True),
            "string": _format("#2e7d32"),
            "variable": _format("#ad1457"),
            "flag": _format("#6a1b9a"),
        }

    def highlightBlock(self, text: str) -> None:
        if _COMMENT.match(text):
            self.setFormat(0, len(text), self.formats["comment"])
            return
        if m := _INSTRUCTION.match(text):
            self.setFormat(m.start(1), m.end(1) - m.start(1), self.formats["instruction"])
        for pattern, kind in ((_FLAG, "flag"), (_STRING, "string"), (_VARIABLE, "variable")):
            for m in pattern.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), self.formats[kind])
