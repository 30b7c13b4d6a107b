"""The application context: the one object every widget is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

from ui.engine_monitor import EngineMonitor
from ui.interaction import Interaction
from ui.worker import TaskRunner
from workbench import APP_NAME

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


@dataclass
class AppContext:
    tasks: TaskRunner
    engine: EngineMonitor
    interaction: Interaction
    dirs: PlatformDirs
    resources: Path = RESOURCES

    @property
    def scratch_context(self) -> Path:
        """An empty folder to build from when the user has not chosen one.

        Never the current directory: that could send a whole home folder to the engine.
        """
        path = Path(self.dirs.user_data_dir) / "empty-context"
        path.mkdir(parents=True, exist_ok=True)
        return path


def app_dirs() -> PlatformDirs:
    return PlatformDirs(APP_NAME, appauthor=False)
