"""The Qt binding itself must not corrupt the interpreter.

PySide6 6.12.0 decrements the reference count of ``True`` on every signal
emit, and of ``None`` on every call of a void Qt method; on Python 3.11 the
process aborts once one reaches zero. This guards the version pin in
pyproject.toml.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    carrying = Signal(object)


class _Model(QAbstractTableModel):
    def rowCount(self, parent: object = None) -> int:
        return 2

    def columnCount(self, parent: object = None) -> int:
        return 2

    def data(self, index: object, role: int = 0) -> None:
        return None


def test_signal_emits_keep_the_bool_singletons_alive() -> None:
    emitter, model = _Emitter(), _Model()
    index = model.index(0, 0)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for _ in range(200):
        emitter.plain.emit()
        emitter.carrying.emit(True)
        model.dataChanged.emit(index, index)
        emitter.setObjectName("x")  # a void Qt method
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert all(a >= b - 20 for a, b in zip(after, before, strict=True)), (before, after)
    assert isinstance(QModelIndex(), QModelIndex)
