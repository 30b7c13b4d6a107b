"""The layer analysis step by step, offline, and the inspector's views on a big image.

    .venv/bin/python tests/benchmarks/bench_layer_steps.py [--export FILE] [--runs N]

Each step of a cold analysis timed on its own (best of N, the collector paused as the
load pauses it), on the benchmark image's export (``bench_layers.py``'s image, exported
from the test engine, or a ``docker save`` file given with --export): the scan of every
layer tar (headers, hashes, entries), dive's per-layer half, dive's efficiency, the
diff. Then the views the inspector builds on the GUI thread, on a generated image of
101,000 files: the stack at a lower layer and its file tree.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_layers import DEFAULT_ROOTFS, IMAGE, ensure_images  # noqa: E402
from ui.layers.tree import TreeMode, build_tree  # noqa: E402
from workbench.layers import native  # noqa: E402
from workbench.layers.archive import ExportContents, read_export  # noqa: E402
from workbench.layers.diff import ImageDiff  # noqa: E402
from workbench.layers.efficiency import dive_efficiency, prepare_layer  # noqa: E402
from workbench.layers.load import assemble, collector_paused  # noqa: E402
from workbench.layers.model import Entry, Kind, LayerFiles  # noqa: E402


def best(step: Callable[[], object], runs: int, paused: bool = True) -> float:
    """Best of ``runs``; ``paused``: with the collector paused, as the load runs."""
    times = []
    with collector_paused() if paused else contextlib.nullcontext():
        for _ in range(runs):
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
    return min(times)


def export_of_benchmark_image() -> bytes:
    import docker

    from tests.harness.engine import start_engine

    engine = start_engine()
    try:
        api = docker.APIClient(base_url=engine.docker_host, version="auto", timeout=None)
        ensure_images(api, DEFAULT_ROOTFS)
        data = b"".join(api.get_image(IMAGE, chunk_size=1 << 20))
        api.close()
        return data
    finally:
        engine.stop()


def analysis_steps(data: bytes, runs: int) -> None:
    view = memoryview(data)

    def scan() -> ExportContents:
        contents = None
        for item in read_export(view[i:i + (1 << 20)] for i in range(0, len(data), 1 << 20)):
            if isinstance(item, ExportContents):
                contents = item
        assert contents is not None
        return contents

    contents = scan()
    ids = [str(d) for d in contents.config["rootfs"]["diff_ids"]]
    layers = [LayerFiles(ids[i], contents.entries_for(p) or [])
              for i, p in enumerate(contents.layer_paths)]
    prepared: list = [prepare_layer(layer) for layer in layers]
    entries = sum(len(layer.entries) for layer in layers)
    print(f"{len(data) / 1e6:.0f} MB export, {len(layers)} layers, {entries} entries; "
          f"compiled part {'built' if native.compiled is not None else 'MISSING'}")
    print(f"  scan (tar headers, xxh3 of every file, entries)  {best(scan, runs) * 1e3:7.1f} ms")
    print(f"  dive's per-layer half (during the export)        "
          f"{best(lambda: [prepare_layer(la) for la in layers], runs) * 1e3:7.1f} ms")
    print(f"  dive's efficiency (after the last byte)          "
          f"{best(lambda: dive_efficiency(layers, prepared), runs) * 1e3:7.1f} ms")
    print(f"  diff of every layer (after the last byte)        "
          f"{best(lambda: ImageDiff(layers), runs) * 1e3:7.1f} ms")


def big_image_views(runs: int) -> None:
    def entry(path: str, kind: Kind = Kind.FILE, size: int = 10) -> Entry:
        return Entry(path, kind, size, 0o644, 0, 0, "", b"x", "0", path.rsplit("/", 1)[1])

    base = ([entry(f"/d{i}", Kind.DIR, 0) for i in range(1000)]
            + [entry(f"/d{i // 100}/f{i}") for i in range(100_000)])
    rewrite = [entry(f"/d{i // 100}/f{i}", size=11) for i in range(0, 100_000, 3)]
    config = {"rootfs": {"diff_ids": ["a", "b", "c"]},
              "history": [{"created_by": "a"}, {"created_by": "b"}, {"created_by": "c"}]}
    with collector_paused():
        analysis = assemble("id", "ref", config, [LayerFiles("a", base), LayerFiles("b", rewrite),
                                                  LayerFiles("c", [entry("/x")])], False)
    diff = analysis.diff

    def choose_layer_1() -> None:
        diff._cached = None
        build_tree(diff.stack_at(1), diff.changes[1], TreeMode.IMAGE)

    def whole_tree() -> None:
        build_tree(diff.final, diff.changes[2], TreeMode.IMAGE)

    # On the GUI thread, as the inspector runs them: the collector is not paused here.
    print("generated image: 101,000 files, 33,334 rewritten in layer 1")
    print(f"  file tree of the whole image                     "
          f"{best(whole_tree, runs, paused=False):7.3f} s")
    print(f"  choosing layer 1 (its stack, then its tree)      "
          f"{best(choose_layer_1, runs, paused=False):7.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--export", type=Path, help="a `docker save` file (default: export "
                        "the benchmark image from the test engine)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = args.export.read_bytes() if args.export else export_of_benchmark_image()
    analysis_steps(data, args.runs)
    big_image_views(max(3, args.runs // 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
