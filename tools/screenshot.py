"""Make the README's screenshots with the app itself (offscreen or under Xvfb).

    .venv/bin/python tools/screenshot.py resources/screenshots/main-window.png [--build]
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


def main() -> int:
    out = Path(sys.argv[1])
    build = "--build" in sys.argv
    dockerfile = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--dockerfile=")),
                      None)
    app = QApplication(sys.argv[:1])
    ctx = build_context(app)
    window = MainWindow(ctx)
    if dockerfile:
        window.editor.setPlainText(Path(dockerfile).read_text())
    window.resize(1280, 800)
    window.show()

    def grab() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(f"saved {out}")
        app.quit()

    def on_connected(_info: object) -> None:
        if build:
            window.build_panel.start()
            window.build_panel.buildEnded.connect(lambda: QTimer.singleShot(1500, grab))
        else:
            window.images.refreshed.connect(lambda _n: QTimer.singleShot(300, grab))

    ctx.engine.connected.connect(on_connected)
    ctx.engine.disconnected.connect(lambda *_: QTimer.singleShot(300, grab))
    ctx.engine.start()
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    ctx.engine.stop()
    ctx.tasks.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
