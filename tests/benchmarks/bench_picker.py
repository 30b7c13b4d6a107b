"""The picker's numbers: size look-ups (cold, cached), the offline fallback, and Use.

    .venv/bin/python tests/benchmarks/bench_picker.py [--runs 20]

- look-up: a private registry (the tests' ``docker-registry``) with a three-layer image
  and an OCI index over it, uploaded through the Registry API (no engine needed);
  median time of ``RegistryClient.image_size`` cold (new client: the manifest and, for
  the index, the child manifest) and cached. Targets: cold < 100 ms on loopback,
  cached < 1 ms.
- offline: all catalogue rows answered (registry refused) — the published figures
  labelled "as of" must be final within 2 s. Target: < 2.0 s.
- Use: computing the FROM edit (one parse) on a 510-line, 10-stage Dockerfile, target
  < 50 ms; and on a 4,950-line, 50-stage one, target < 500 ms.

Prints each figure with PASS/FAIL; exits 1 if any target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import docker.auth  # noqa: E402
import requests  # noqa: E402

from tests.harness.images import (  # noqa: E402
    DOCKER_MANIFEST,
    RegistryAccess,
    put_blob,
    put_index,
    put_manifest,
)
from tests.harness.registry import free_port, start_registry  # noqa: E402
from ui.picker.from_edit import use_image_edit  # noqa: E402
from workbench.catalogue import load_catalogue  # noqa: E402
from workbench.registry import Platform, RegistryClient, size_figure  # noqa: E402

NO_LOGIN = docker.auth.AuthConfig({})
PLATFORM = Platform("linux", "amd64")


def _report(name: str, value: float, target: float, unit: str = "ms") -> bool:
    ok = value < target
    print(f"{name:<44} {value:9.2f} {unit}   target < {target:g} {unit}   "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def _upload(access: RegistryAccess) -> None:
    repo = "bench/app"
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layers = []
    for size in (300_000, 200_000, 100_000):
        data = os.urandom(size)  # stands in for a gzip layer: the registry only sums sizes
        layers.append({"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                       "digest": put_blob(access, repo, data), "size": size})
    manifest = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "digest": put_blob(access, repo, config), "size": len(config)},
                "layers": layers}
    digest = put_manifest(access, repo, "1", DOCKER_MANIFEST, manifest)
    size = len(json.dumps(manifest).encode())
    assert digest == "sha256:" + hashlib.sha256(json.dumps(manifest).encode()).hexdigest()
    put_index(access, repo, "multi", [
        {"mediaType": DOCKER_MANIFEST, "digest": digest, "size": size,
         "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        {"mediaType": DOCKER_MANIFEST, "digest": digest, "size": size,
         "platform": {"os": "linux", "architecture": "amd64"}}])


def bench_lookups(runs: int) -> bool:
    registry = start_registry()
    ok = True
    try:
        _upload(RegistryAccess(registry.url))
        for tag in ("1", "multi"):
            ref = f"{registry.host}/bench/app:{tag}"
            cold, warm = [], []
            for _ in range(runs):
                client = RegistryClient(PLATFORM, auth_config=NO_LOGIN)
                client.image_size(ref)  # learns http vs https once, like a long-lived client
                client.clear_cache()
                started = time.perf_counter()
                assert client.image_size(ref).download == 600_000
                cold.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                client.image_size(ref)
                warm.append((time.perf_counter() - started) * 1000)
                client.close()
            ok &= _report(f"size look-up {tag!r}, uncached (median)", statistics.median(cold),
                          100)
            ok &= _report(f"size look-up {tag!r}, cached (median)", statistics.median(warm), 1)
    finally:
        registry.stop()
    return ok


def bench_offline() -> bool:
    catalogue = load_catalogue()
    port = free_port()
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": f"http://127.0.0.1:{port}", "http": f"http://127.0.0.1:{port}"}
    client = RegistryClient(PLATFORM, auth_config=NO_LOGIN, session=session)
    references = [entry.reference() for entry in catalogue.entries]
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:  # the app's pool size
        figures = list(pool.map(lambda r: size_figure(client, catalogue, r), references))
    elapsed = time.perf_counter() - started
    client.close()
    dated = sum(1 for f in figures if f.as_of)
    print(f"offline: {dated} of {len(figures)} rows show a dated published figure")
    return _report("offline: every catalogue row answered", elapsed, 2.0, "s")


def _dockerfile(stages: int, runs_per_stage: int) -> str:
    parts = []
    for number in range(stages):
        body = "".join(f"RUN echo step {i} && true \\\n    && echo more\n"
                       for i in range(runs_per_stage))
        parts.append(f"FROM base{number}:1 AS s{number}\n{body}")
    return "".join(parts)


def bench_use() -> bool:
    ok = True
    # A long real-world Dockerfile is a few hundred lines; 5,000 is a stress case.
    for stages, runs, target in ((10, 25, 50.0), (50, 49, 500.0)):
        text = _dockerfile(stages, runs)
        lines = text.count("\n")
        times = []
        for _ in range(10):
            started = time.perf_counter()
            use_image_edit(text, lines - 3, "alpine:3.22")
            times.append((time.perf_counter() - started) * 1000)
        ok &= _report(f"Use: FROM edit, {lines} lines (median)", statistics.median(times),
                      target)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    ok = bench_lookups(args.runs)
    ok &= bench_offline()
    ok &= bench_use()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
