"""The application context: the one object every widget is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

from ui.engine_monitor import EngineMonitor
from ui.interaction import Interaction
from ui.worker import TaskRunner
from workbench import APP_NAME
from workbench.data_files import RESOURCES


@dataclass(frozen=True)
class UserDirs:
    """Per-user folders (platformdirs), injectable so tests never touch the real ones."""

    data: Path
    cache: Path
    config: Path

    @classmethod
    def for_current_user(cls) -> UserDirs:
        dirs = PlatformDirs(APP_NAME, appauthor=False)
        return cls(Path(dirs.user_data_dir), Path(dirs.user_cache_dir),
                   Path(dirs.user_config_dir))


@dataclass
class AppContext:
    tasks: TaskRunner
    engine: EngineMonitor
    interaction: Interaction
    dirs: UserDirs
    resources: Path = RESOURCES

    @property
    def scratch_context(self) -> Path:
        """An empty folder to build from when the user has not chosen one.

        Never the current directory: that could send a whole home folder to the engine.
        """
        path = self.dirs.data / "empty-context"
        path.mkdir(parents=True, exist_ok=True)
        return path
