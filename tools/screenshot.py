"""Make the README's screenshots with the app itself (offscreen or under Xvfb).

    .venv/bin/python tools/screenshot.py OUT.png [--dockerfile=FILE] [--build]
        [--running=SECONDS] [--twice] [--size=1400x900]

--build     build the editor's text once the engine is connected, grab at the end
--running   grab SECONDS after the build started (a build in progress)
--twice     build twice and grab after the second (a cached rebuild)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui.app import build_context
from ui.main_window import MainWindow


def option(name: str) -> str | None:
    prefix = f"--{name}="
    return next((a[len(prefix):] for a in sys.argv if a.startswith(prefix)), None)


def main() -> int:
    out = Path(sys.argv[1])
    build = "--build" in sys.argv or "--twice" in sys.argv or option("running") is not None
    running = option("running")
    twice = "--twice" in sys.argv
    dockerfile = option("dockerfile")
    width, height = (int(v) for v in (option("size") or "1400x900").split("x"))
    app = QApplication(sys.argv[:1])
    ctx = build_context(app)
    window = MainWindow(ctx)
    if dockerfile:
        window.editor.setPlainText(Path(dockerfile).read_text())
    window.resize(width, height)
    window.show()

    def grab() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(f"saved {out}")
        app.quit()

    builds = [0]

    def on_ended() -> None:
        builds[0] += 1
        if twice and builds[0] == 1:
            QTimer.singleShot(500, window.build_panel.start)
        elif running is None:
            QTimer.singleShot(1200, grab)

    def on_connected(_info: object) -> None:
        if build:
            window.build_panel.buildEnded.connect(on_ended)
            window.build_panel.start()
            if running is not None:
                QTimer.singleShot(int(float(running) * 1000), grab)
        else:
            window.images.refreshed.connect(lambda _n: QTimer.singleShot(500, grab))

    ctx.engine.connected.connect(on_connected)
    ctx.engine.disconnected.connect(lambda *_: QTimer.singleShot(500, grab))
    ctx.engine.start()
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    for job in ctx.tasks.active_jobs:
        job.cancel()
    ctx.engine.stop()
    ctx.tasks.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
