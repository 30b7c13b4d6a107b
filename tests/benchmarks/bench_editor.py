"""Typing latency and diagnostics time on a 5,000-line Dockerfile, in the real window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_editor.py [--keys 400]

Keystroke to repaint: the real MainWindow (highlighter, live diagnostics,
autosave timer, outline, problems list all connected) holds a generated
5,000-line Dockerfile. Each sample sends one key press to the editor with
QTest and then forces the viewport's paint synchronously (``repaint()``), timing
both together. Keys go to many places in the file (mid-line, a continuation
line, a line end with `` \\`` that changes the next line's state and back).
Every 25 keys the benchmark pauses past the 300 ms debounce, so the next keys
are typed while the diagnostics job runs on a worker thread: that is the
"without blocking typing" part. Targets: p95 < 16 ms.

Diagnostics: ``check()`` (parse + the project's checks) on the same text, off
the GUI thread in the app; median of 5 runs. Target < 500 ms. hadolint's own
time on that text is printed for information (it runs as a second job).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.editor.editor import DockerfileEditor  # noqa: E402

TYPING_P95_MS = 16.0
DIAGNOSTICS_MS = 500.0

# PySide6/shiboken6 6.12.0 on CPython 3.11 drops one reference to None on every
# call of a void C++ method (QRect.setWidth, QPainter.setPen, …: measured with
# sys.getrefcount(None)); None is mortal before 3.12, so a long session dies with
# "Fatal Python error: none_dealloc". These references keep this benchmark alive
# long enough to measure; the figure printed below shows the loss per keystroke.
_NONE_BALLAST = [None] * 5_000_000
gc.freeze()  # the ballast goes to the permanent generation: no collection walks it


def big_dockerfile(lines: int = 5000) -> str:
    out = ["# syntax=docker/dockerfile:1", "ARG BASE=alpine:3.20"]
    n = 0
    while len(out) < lines:
        out += [
            f"FROM $BASE AS stage{n}", "ARG VERSION=1.0",
            f"ENV APP_HOME=/app/{n} PORT=80{n % 10}", "WORKDIR /app",
            "# install the build tools",
            "RUN apk add --no-cache \\", "      curl \\", "      git \\",
            '    && echo "built $VERSION" \\', "    && rm -rf /var/cache/apk/*",
            "COPY --chown=1000:1000 src/ /app/src/",
            f"COPY --from=stage{max(0, n - 1)} /app /prev" if n else "COPY req.txt /app/",
            'LABEL org.opencontainers.image.version="$VERSION"', "EXPOSE 8080",
            "HEALTHCHECK --interval=30s CMD wget -q -O- http://localhost:8080/ || exit 1",
            "USER 1000", 'CMD ["sh", "-c", "echo hello"]', ""]
        n += 1
    return "\n".join(out[:lines]) + "\n"


def pump(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def type_keys(app: QApplication, editor: DockerfileEditor, keys: int,
              pauses: bool, cpu: list[float] | None = None) -> list[float]:
    """Milliseconds from each key press to the repainted viewport (wall clock);
    ``cpu`` gets the GUI thread's own CPU time for the same span, which a busy
    machine does not inflate."""
    doc = editor.document()
    targets = [1200, 2500, 2506, 3700, 4100]  # mid-file lines, one inside a RUN continuation
    samples: list[float] = []
    for i in range(keys):
        block = doc.findBlockByNumber(targets[i % len(targets)] - 1)
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        editor.setTextCursor(cursor)
        editor.centerCursor()
        editor.viewport().repaint()
        key = Qt.Key.Key_X if i % 10 else Qt.Key.Key_Backslash  # "\" continues the next line
        start, start_cpu = time.perf_counter(), time.thread_time()
        QTest.keyClick(editor, key)
        editor.viewport().repaint()
        samples.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - start_cpu) * 1000)
        QTest.keyClick(editor, Qt.Key.Key_Backspace)  # keep the file as it was
        app.processEvents()
        if pauses and i % 25 == 24:
            pump(330)  # past the debounce: the next keys race the diagnostics jobs
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=400)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    from tests.qtsupport import ScriptedInteraction
    from ui.context import AppContext, UserDirs
    from ui.engine_monitor import EngineMonitor
    from ui.main_window import MainWindow
    from ui.worker import TaskRunner
    from workbench.dockerfile.check import check
    from workbench.dockerfile.hadolint import HadolintMissing, run_hadolint

    text = big_dockerfile(args.lines)
    home = Path(tempfile.mkdtemp(prefix="bench-editor-"))
    tasks = TaskRunner()
    engine = EngineMonitor(tasks, environ={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    ctx = AppContext(tasks=tasks, engine=engine, interaction=ScriptedInteraction(),
                     dirs=UserDirs(home / "data", home / "cache", home / "config"))
    window = MainWindow(ctx)
    window.show()
    editor = window.editor
    editor.setPlainText(text)
    window.diagnostics.run_now()
    while not tasks.active_jobs:
        pump(10)
    while tasks.active_jobs:  # the first full check (and hadolint) ends before typing
        pump(50)
    editor.setFocus()
    quiet_cpu: list[float] = []
    quiet = type_keys(app, editor, args.keys, pauses=False, cpu=quiet_cpu)  # no checks
    runs_before = window.diagnostics.runs
    none_before = sys.getrefcount(None)
    samples = type_keys(app, editor, args.keys, pauses=True)  # checks race the typing
    none_lost = (none_before - sys.getrefcount(None)) / args.keys
    busy_checks = window.diagnostics.runs - runs_before

    window.diagnostics.use_hadolint = False
    while tasks.active_jobs:  # the checks started while typing end first (2 cores)
        pump(50)
    diag_ms = []
    for _ in range(5):
        began = time.perf_counter()
        result = check(text, use_hadolint=False)
        diag_ms.append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    try:
        linted: str = f"{len(run_hadolint(text))} findings"
    except HadolintMissing:
        linted = "not installed"
    hadolint_ms = (time.perf_counter() - began) * 1000

    engine.stop()
    editor.document().setModified(False)
    window.close()
    tasks.shutdown(30_000)

    median, p95 = statistics.median(samples), percentile(samples, 95)
    q_median, q_p95 = statistics.median(quiet), percentile(quiet, 95)
    diag = statistics.median(diag_ms)
    print(f"{args.lines}-line Dockerfile, {len(result.document.instructions)} instructions, "
          f"{len(result.document.stages)} stages; cpus: {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"keystroke -> repaint, {len(quiet)} keys, no check running: median "
          f"{q_median:.2f} ms, p95 {q_p95:.2f} ms, max {max(quiet):.2f} ms; GUI-thread CPU "
          f"median {statistics.median(quiet_cpu):.2f} ms, p95 {percentile(quiet_cpu, 95):.2f} ms")
    print(f"keystroke -> repaint, {len(samples)} keys ({busy_checks} diagnostics runs "
          f"during typing): median {median:.2f} ms, p95 {p95:.2f} ms, max {max(samples):.2f} ms"
          f"   (target p95 < {TYPING_P95_MS:.0f} ms)")
    print(f"diagnostics (parse + own checks), 5 runs: median {diag:.0f} ms, "
          f"max {max(diag_ms):.0f} ms   (target < {DIAGNOSTICS_MS:.0f} ms)")
    print(f"hadolint on the same text (second job, for information): {hadolint_ms:.0f} ms, "
          f"{linted}")
    print(f"references to None lost per keystroke (PySide6 {PySide6.__version__}, Python "
          f"{sys.version.split()[0]}): {none_lost:.0f}")
    ok = p95 < TYPING_P95_MS and diag < DIAGNOSTICS_MS
    print("PASS" if ok else "FAIL", flush=True)
    os._exit(0)  # skip finalisation: freeing the ballast would hit the same None bug


if __name__ == "__main__":
    main()
