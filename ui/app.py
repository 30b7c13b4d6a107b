"""Start-up: the QApplication, the application context and the main window."""

from __future__ import annotations

import logging
import os
import sys
import time

_T0 = time.perf_counter()

from PySide6.QtCore import QTimer  # noqa: E402 - _T0 must be taken before the heavy imports
from PySide6.QtGui import QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.context import AppContext, UserDirs  # noqa: E402
from ui.engine_monitor import EngineMonitor  # noqa: E402
from ui.interaction import Interaction  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.worker import TaskRunner  # noqa: E402
from workbench import APP_ID, APP_NAME, __version__  # noqa: E402
from workbench.data_files import RESOURCES  # noqa: E402

READY_ENV = "WORKBENCH_EXIT_WHEN_READY"  # benchmarks: print "ready" and quit when filled


GUI_SWITCH_INTERVAL_S = 0.0005


def favour_the_gui_thread() -> None:
    """Hand the GIL over more often than Python's default 5 ms.

    While a worker parses a fast stream in Python, every call Qt makes into
    Python on the GUI thread (painting, model data) waits for the GIL; at 5 ms
    a wait, a few dozen such calls are a visible stall.
    """
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def build_context(app: QApplication) -> AppContext:
    tasks = TaskRunner(app)
    engine = EngineMonitor(tasks, parent=app)
    return AppContext(tasks=tasks, engine=engine, interaction=Interaction(),
                      dirs=UserDirs.for_current_user())


def main() -> int:
    logging.basicConfig(level=os.environ.get("WORKBENCH_LOG", "WARNING"))
    favour_the_gui_thread()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(RESOURCES / "icons" / "image-workbench.svg")))
    ctx = build_context(app)
    window = MainWindow(ctx)
    if os.environ.get(READY_ENV):
        _exit_when_ready(app, ctx, window)
    window.show()
    ctx.engine.start()
    code = app.exec()
    ctx.engine.stop()
    ctx.tasks.shutdown()
    return int(code)


def _exit_when_ready(app: QApplication, ctx: AppContext, window: MainWindow) -> None:
    def ready(what: str) -> None:
        print(f"ready {what} {time.perf_counter() - _T0:.3f}", flush=True)
        QTimer.singleShot(0, app.quit)

    window.images.refreshed.connect(lambda n: ready(f"images={n}"))
    ctx.engine.disconnected.connect(lambda *_: ready("no-engine"))


if __name__ == "__main__":
    sys.exit(main())
