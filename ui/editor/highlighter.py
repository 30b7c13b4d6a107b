"""The Dockerfile highlighter: the shared tokenizer, one block at a time.

Each block stores the tokenizer's state at its end (interned to an int, as
QSyntaxHighlighter wants), so an edit re-tokenizes the edited line and only
runs on while the state it hands on changes (a new continuation, a heredoc).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from workbench.dockerfile.tokens import START, Kind, LineState, tokenize_line


def _format(colour: str, bold: bool = False, italic: bool = False,
            underline: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    if underline:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    return fmt


def default_formats() -> dict[Kind, QTextCharFormat]:
    return {
        Kind.KEYWORD: _format("#0d47a1", bold=True),
        Kind.UNKNOWN: _format("#b71c1c", bold=True, underline=True),
        Kind.COMMENT: _format("#757575", italic=True),
        Kind.DIRECTIVE: _format("#6d4c41", bold=True, italic=True),
        Kind.DIRECTIVE_VALUE: _format("#8d6e63", italic=True),
        Kind.FLAG: _format("#6a1b9a"),
        Kind.FLAG_VALUE: _format("#8e24aa"),
        Kind.VARIABLE: _format("#ad1457"),
        Kind.STRING: _format("#2e7d32"),
        Kind.PUNCTUATION: _format("#37474f", bold=True),
        Kind.CONTINUATION: _format("#ef6c00", bold=True),
        Kind.HEREDOC: _format("#00838f", bold=True),
        Kind.HEREDOC_BODY: _format("#00695c"),
        Kind.IMAGE: _format("#1565c0", underline=True),
        Kind.STAGE: _format("#c62828", bold=True),
    }


class DockerfileHighlighter(QSyntaxHighlighter):
    """Attributes:
        formats: the character format per token kind (Kind.TEXT is left plain).
    """

    def __init__(self, document: QTextDocument) -> None:
        self._states: list[LineState] = []
        self._ids: dict[LineState, int] = {}
        self.formats = default_formats()
        super().__init__(document)

    def _intern(self, state: LineState) -> int:
        found = self._ids.get(state)
        if found is None:
            found = self._ids[state] = len(self._states)
            self._states.append(state)
        return found

    def state_before(self, block_number: int) -> LineState:
        """The tokenizer state at the start of a block (what completion and hover need)."""
        if block_number <= 0:
            return START
        block = self.document().findBlockByNumber(block_number - 1)
        state_id = block.userState() if block.isValid() else -1
        return self._states[state_id] if 0 <= state_id < len(self._states) else START

    def highlightBlock(self, text: str) -> None:
        previous = self.previousBlockState()
        state = self._states[previous] if 0 <= previous < len(self._states) else START
        tokens, after = tokenize_line(text, state)
        for token in tokens:
            fmt = self.formats.get(token.kind)
            if fmt is not None and token.end > token.start:
                self.setFormat(token.start, token.end - token.start, fmt)
        self.setCurrentBlockState(self._intern(after))
