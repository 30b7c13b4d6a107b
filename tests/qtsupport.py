"""Qt fixtures for the ui and integration tests: app contexts, scripted answers, leak checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.context import AppContext, UserDirs
from ui.engine_monitor import EngineMonitor
from ui.interaction import Interaction, SaveChoice
from ui.worker import TaskRunner


class ScriptedInteraction(Interaction):
    """Answers the app's questions from lists the test fills; records what was asked."""

    def __init__(self) -> None:
        self.save_choices: list[SaveChoice] = []
        self.confirms: list[bool] = []
        self.open_files: list[Path | None] = []
        self.save_files: list[Path | None] = []
        self.directories: list[Path | None] = []
        self.asked: list[str] = []
        self.errors: list[tuple[str, str]] = []

    def ask_save_changes(self, parent: QWidget, name: str) -> SaveChoice:
        self.asked.append(f"save? {name}")
        return self.save_choices.pop(0)

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        self.asked.append(f"confirm: {title}")
        return self.confirms.pop(0)

    def choose_open_file(self, parent: QWidget, start: Path) -> Path | None:
        return self.open_files.pop(0)

    def choose_save_file(self, parent: QWidget, start: Path) -> Path | None:
        return self.save_files.pop(0)

    def choose_directory(self, parent: QWidget, start: Path) -> Path | None:
        return self.directories.pop(0)

    def show_error(self, parent: QWidget, title: str, text: str) -> None:
        self.errors.append((title, text))


MakeContext = Callable[..., AppContext]


@pytest.fixture
def make_ctx(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> Iterator[MakeContext]:
    """Build AppContexts whose jobs must all have ended when the test ends."""
    made: list[AppContext] = []

    def make(environ: MutableMapping[str, str] | None = None) -> AppContext:
        tasks = TaskRunner()
        engine = EngineMonitor(tasks, environ=environ)
        root = tmp_path / f"user{len(made)}"
        ctx = AppContext(tasks=tasks, engine=engine, interaction=ScriptedInteraction(),
                         dirs=UserDirs(root / "data", root / "cache", root / "config"))
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.engine.stop()
        for job in ctx.tasks.active_jobs:
            job.cancel()
        qtbot.waitUntil(lambda c=ctx: not c.tasks.active_jobs, timeout=30_000)
        assert ctx.tasks.shutdown(10_000), "background jobs were still running"


@pytest.fixture(autouse=True)
def _no_leaked_windows(qapp: QApplication) -> Iterator[None]:
    yield
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    for widget in leaked:
        widget.close()
    assert not leaked, f"windows left open: {[w.objectName() for w in leaked]}"
