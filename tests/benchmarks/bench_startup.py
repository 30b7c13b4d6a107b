"""Time from process start to the main window shown with the image list filled.

    .venv/bin/python tests/benchmarks/bench_startup.py [--runs 9] [--tags 50]

Uses the engine that answers (or starts a private one, as the tests do), makes
sure it holds ``--tags`` image tags, then starts the real app ``--runs`` times
with WORKBENCH_EXIT_WHEN_READY=1: the app prints "ready" when the first image
list has been drawn into the model and quits. The wall time is measured here,
from spawning the interpreter to reading that line. Target: median < 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.harness.base_image import BASE_IMAGE, ensure_base_image  # noqa: E402
from tests.harness.engine import start_engine  # noqa: E402
from workbench.engine import connect  # noqa: E402

TARGET_S = 1.0


def one_run(env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ui"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready "):
            wall = time.perf_counter() - started
            _, what, inside = line.split()
            proc.wait(timeout=30)
            return wall, float(inside), what
    proc.wait(timeout=30)
    raise RuntimeError(f"the app exited ({proc.returncode}) without saying ready")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--tags", type=int, default=50)
    args = parser.parse_args()

    engine = start_engine()
    try:
        env = dict(os.environ, **engine.env, QT_QPA_PLATFORM="offscreen", QT_API="pyside6",
                   WORKBENCH_EXIT_WHEN_READY="1")
        api = connect(env).api
        ensure_base_image(api)
        for i in range(args.tags):
            api.tag(BASE_IMAGE, "workbench-bench/startup", f"t{i}")
        info = api.version()
        one_run(env)  # warm the OS file cache once, as a second launch of any app would
        results = [one_run(env) for _ in range(args.runs)]
        walls = sorted(r[0] for r in results)
        insides = sorted(r[1] for r in results)
        print(f"engine: Docker {info['Version']} (API {info['ApiVersion']}), "
              f"images listed: {results[0][2]}, cpus: {os.cpu_count()}")
        print(f"process start -> window shown + image list filled, {args.runs} runs:")
        print(f"  median {statistics.median(walls):.3f} s   min {walls[0]:.3f} s   "
              f"max {walls[-1]:.3f} s   (target < {TARGET_S:.1f} s)")
        print(f"  of which inside the app (after interpreter start): median "
              f"{statistics.median(insides):.3f} s")
        print("PASS" if statistics.median(walls) < TARGET_S else "FAIL")
    finally:
        engine.stop()


if __name__ == "__main__":
    main()
