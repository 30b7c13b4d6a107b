"""The layer inspector against dive, side by side, on a real distribution image.

    .venv/bin/python tests/benchmarks/bench_layers.py [--rootfs DIR] [--runs 3] [--phases]

Builds (once per engine) a Debian bookworm minbase root filesystem (debootstrap,
needs root and Debian's mirror; or pass an existing one with --rootfs), imports it,
and adds four wasteful layers: a 40 MB random file, its removal, a copy of /usr/lib
and a mass ``touch`` of /usr/share. Then, in one run and on the same engine:

* the engine's raw export time (``docker save`` into /dev/null): the floor;
* ``dive --ci`` wall time (what a dive user waits for the numbers);
* our cold analysis (empty index: export streamed and parsed once) in a fresh
  process, with its peak RSS, on this image and on a "grown" one with another 200 MB
  layer (the peak must stay flat: contents are never held);
* reopening from the index (no export);
* dive's ``--json`` numbers against ours (must be identical).

Targets: cold ≤ 1.0 × dive, reopen ≤ 0.05 × dive, peak ≤ 150 MB and flat.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import docker  # noqa: E402

from tests.harness.engine import start_engine  # noqa: E402
from tests.harness.layers import DIVE, build_image, dive_json  # noqa: E402

BASE = "workbench-bench/bookworm-minbase:latest"
IMAGE = "workbench-bench/wasteful:1"
GROWN = "workbench-bench/wasteful:grown"
DEFAULT_ROOTFS = Path(tempfile.gettempdir()) / "bookworm-rootfs"
WASTEFUL = f"""FROM {BASE}
RUN head -c 40000000 /dev/urandom > /big.bin
RUN rm /big.bin
RUN cp -a /usr/lib /usr/lib-copy
RUN find /usr/share -type f -exec touch {{}} +
"""
CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import docker
from pathlib import Path
from workbench.layers import LayerIndex, LayerLoad, Loaded

def hwm():  # this process's peak RSS in MB (ru_maxrss would include the parent's, via fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
base = hwm()
index = LayerIndex(Path(sys.argv[3]))
started = time.perf_counter()
# a fixed API version, as the app's Engine.new_client() uses: no negotiation round trip
client = lambda: docker.APIClient(base_url=sys.argv[4], version=sys.argv[5], timeout=None)
for event in LayerLoad(client, sys.argv[2], index):
    if isinstance(event, Loaded):
        e = event.analysis.efficiency
        out = {"seconds": time.perf_counter() - started, "exported": event.exported,
               "score": e.score, "wasted": e.wasted_bytes, "size": e.image_size,
               "refs": [[i.count, i.size, i.path] for i in e.inefficiencies],
               "files": len(event.analysis.diff.final)}
out["peak_mb"] = hwm()
out["baseline_mb"] = base
print(json.dumps(out))
"""


def ensure_rootfs(path: Path) -> Path:
    if (path / "usr" / "lib").is_dir():
        return path
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is needed (sudo apt-get install debootstrap), "
                         "or pass --rootfs with an existing root filesystem.")
    subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(path),
                    "http://deb.debian.org/debian"], check=True)
    return path


def ensure_images(api: docker.APIClient, rootfs: Path) -> None:
    try:
        api.inspect_image(BASE)
    except docker.errors.ImageNotFound:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(str(rootfs), arcname=".", recursive=True)
        repo, tag = BASE.rsplit(":", 1)
        api.import_image_from_data(buf.getvalue(), repository=repo, tag=tag,
                                   changes=['CMD ["/bin/bash"]'])
    for tag, dockerfile in ((IMAGE, WASTEFUL),
                            (GROWN, WASTEFUL + "RUN head -c 200000000 /dev/urandom > /r\n")):
        try:
            api.inspect_image(tag)
        except docker.errors.ImageNotFound:
            build_image(api, dockerfile, tag)


def settle() -> None:
    """Before each timed export: every export makes the engine write the whole image to
    its temporary directory, and that writeback (and the journal's) must not land in
    the next measurement, whichever side it is."""
    os.sync()
    time.sleep(0.5)


def timed(cmd: list[str], env: dict[str, str]) -> float:
    settle()
    started = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def ours(image: str, index_dir: Path, host: str, version: str) -> dict[str, Any]:
    settle()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), image, str(index_dir), host,
                           version],
                          capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(proc.stdout)
    result["wall"] = time.perf_counter() - started
    return result


def export_floor(image: str, env: dict[str, str]) -> float:
    """The engine's own export time: ``docker save`` (Go) into /dev/null."""
    return timed(["docker", "save", image], env)


def phases(host: str, version: str, runs: int) -> None:
    """Where the time after the engine's first byte goes, in this process: the export
    only drained, drained and hashed as one stream, and fully analysed; each from the
    first block read to the end. Modes alternate run by run (the engine's state drifts).
    ``curl`` gives the engine's own first byte and end for comparison."""
    from xxhash import xxh3_128

    import workbench.layers.archive as archive
    import workbench.layers.load as load
    from workbench.layers import LayerIndex, LayerLoad, Loaded
    from workbench.layers.tarscan import Member

    first: list[float] = []
    native, python = load.dechunk_native, load.dechunk

    def mark(blocks: Any) -> Any:
        for block in blocks:
            if not first:
                first.append(time.perf_counter())
            yield block

    load.dechunk_native = lambda fp, reader, take: mark(native(fp, reader, take))
    load.dechunk = lambda readinto, take: mark(python(readinto, take))
    parse = archive.read_layer

    def drain(data: Member) -> list[Any]:
        data.drain()
        return []

    def hashed(data: Member) -> list[Any]:
        h = xxh3_128()
        data.feed_all(h.update)
        return []

    def client() -> docker.APIClient:
        return docker.APIClient(base_url=host, version=version, timeout=None)

    modes = {"drained": drain, "hashed as one stream": hashed, "analysed": parse}
    after: dict[str, list[float]] = {name: [] for name in modes}
    engine_side: list[tuple[float, float]] = []
    sock = host.removeprefix("unix://")
    for run in range(runs):
        if shutil.which("curl") and host.startswith("unix://"):
            settle()
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "--unix-socket", sock, "-w",
                 "%{time_starttransfer} %{time_total}",
                 f"http://localhost/images/{IMAGE.replace('/', '%2F')}/get"],
                capture_output=True, text=True, check=True).stdout.split()
            engine_side.append((float(out[0]), float(out[1])))
        names = list(modes) if run % 2 == 0 else list(reversed(modes))
        for name in names:
            archive.read_layer = modes[name]
            settle()
            with tempfile.TemporaryDirectory() as tmp:
                first.clear()
                for event in LayerLoad(client, IMAGE, LayerIndex(Path(tmp))):
                    if isinstance(event, Loaded):
                        after[name].append(time.perf_counter() - first[0])
    archive.read_layer = parse
    med = statistics.median
    if engine_side:
        print(f"curl (the engine alone): first byte {med(t for t, _ in engine_side):.3f} s, "
              f"then {med(e - t for t, e in engine_side):.3f} s to the end")
    for name, seconds in after.items():
        print(f"ours, export {name:22s}: {med(seconds):.3f} s from the first block to the "
              f"end  runs {[round(x, 3) for x in seconds]}")


def screenshot(host: str, target: Path) -> None:
    """The inspector on the benchmark image, efficiency row 1 chosen, saved as PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyside6")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.context import AppContext, UserDirs
    from ui.engine_monitor import EngineMonitor
    from ui.interaction import Interaction
    from ui.layers import LayerInspector
    from ui.worker import TaskRunner

    app = QApplication.instance() or QApplication([])
    tasks = TaskRunner()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ctx = AppContext(tasks=tasks, engine=EngineMonitor(tasks, environ={"DOCKER_HOST": host}),
                         interaction=Interaction(),
                         dirs=UserDirs(root / "data", root / "cache", root / "config"))
        loop = QEventLoop()
        ctx.engine.connected.connect(loop.quit)
        ctx.engine.start()
        QTimer.singleShot(30_000, loop.quit)
        loop.exec()
        inspector = LayerInspector(ctx)
        inspector.resize(1500, 900)
        inspector.show()
        inspector.loaded.connect(loop.quit)
        settle()
        started = time.perf_counter()
        inspector.inspect(IMAGE)
        loop.exec()
        shown = time.perf_counter() - started
        inspector.efficiency.table.selectRow(0)
        app.processEvents()
        inspector.grab().save(str(target))
        status = inspector.status.text()
        inspector.close()
        ctx.engine.stop()
        tasks.shutdown(10_000)
    print(f"inspector window, cold: {shown:.2f} s from inspect() to everything shown "
          f"(status: {status})")
    print(f"screenshot: {target}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rootfs", type=Path, default=DEFAULT_ROOTFS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshot", type=Path, help="also save the inspector as PNG")
    parser.add_argument("--phases", action="store_true",
                        help="only: where the time after the first byte goes (drained / "
                             "hashed / analysed, in-process), beside curl")
    args = parser.parse_args()
    rootfs = ensure_rootfs(args.rootfs)
    engine = start_engine()
    try:
        host = engine.docker_host
        env = dict(os.environ, DOCKER_HOST=host, CI="true")
        api = docker.APIClient(base_url=host, version="auto", timeout=None)
        ensure_images(api, rootfs)
        if args.phases:
            phases(host, api.api_version, args.runs)
            return 0
        size = int(api.inspect_image(IMAGE)["Size"])
        floor, dive_s, cold, cold_rss, reopen = [], [], [], [], []
        for run in range(args.runs):
            floor.append(export_floor(IMAGE, env))
            # Alternate who goes first after the floor: the engine's clean-up of the
            # export before must not always fall on the same side.
            if run % 2 == 0:
                dive_s.append(timed([str(DIVE), "--ci", IMAGE], env))
            with tempfile.TemporaryDirectory() as tmp:
                first = ours(IMAGE, Path(tmp), host, api.api_version)
                again = ours(IMAGE, Path(tmp), host, api.api_version)
            if run % 2 == 1:
                dive_s.append(timed([str(DIVE), "--ci", IMAGE], env))
            assert first["exported"] and not again["exported"]
            cold.append(first["seconds"])
            cold_rss.append(first["peak_mb"])
            reopen.append(again["seconds"])
        with tempfile.TemporaryDirectory() as tmp:
            grown = ours(GROWN, Path(tmp), host, api.api_version)
        dive = dive_json(IMAGE, host)
        image = dive["image"]
        theirs = [[f["count"], f["sizeBytes"], f["file"]] for f in image["fileReference"]]
        same = (first["score"] == image["efficiencyScore"]
                and first["wasted"] == image["inefficientBytes"]
                and first["size"] == image["sizeBytes"]
                and sorted(map(tuple, first["refs"])) == sorted(map(tuple, theirs)))
        med = statistics.median
        d = med(dive_s)
        print(f"image {IMAGE}: {size / 1e6:.0f} MB (engine), {first['files']} files, "
              f"{len(dive['layer'])} layers; grown image {grown['size'] / 1e6:.0f} MB")
        print(f"engine raw export (floor)   median {med(floor):6.2f} s  runs {floor}")
        print(f"dive --ci                   median {d:6.2f} s  "
              f"runs {[round(x, 2) for x in dive_s]}")
        print(f"ours, cold (export+parse)   median {med(cold):6.2f} s  = {med(cold) / d:.2f}x dive"
              f"  runs {[round(x, 2) for x in cold]}")
        paired = [o / t for o, t in zip(cold, dive_s, strict=True)]
        print(f"  paired (each run's ours / its dive): median {med(paired):.3f}, ours ahead in "
              f"{sum(r < 1 for r in paired)} of {len(paired)} runs")
        print(f"ours, reopen from index     median {med(reopen):6.3f} s  = "
              f"{med(reopen) / d:.3f}x dive")
        print(f"peak RSS of the analysis    {max(cold_rss):6.1f} MB (interpreter + imports "
              f"{first['baseline_mb']:.1f} MB); grown image {grown['peak_mb']:.1f} MB")
        print(f"efficiency {first['score']:.6f} (dive {image['efficiencyScore']:.6f}), "
              f"wasted {first['wasted']} B (dive {image['inefficientBytes']}), "
              f"{len(first['refs'])} inefficient paths (dive {len(theirs)})")
        checks = {
            "cold <= 1.0x dive": med(cold) <= 1.0 * d,
            "reopen <= 0.05x dive": med(reopen) <= 0.05 * d,
            "peak <= 150 MB": max(cold_rss) <= 150,
            "peak flat as the image grows (+200 MB: < +10 MB)":
                grown["peak_mb"] - max(cold_rss) < 10,
            "numbers identical to dive": same,
        }
        for name, ok in checks.items():
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
        if args.screenshot is not None:
            screenshot(host, args.screenshot)
        api.close()
        return 0 if all(checks.values()) else 1
    finally:
        engine.stop()


if __name__ == "__main__":
    raise SystemExit(main())
