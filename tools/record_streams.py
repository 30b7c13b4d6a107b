"""Record real classic-builder streams for the parser's unit tests.

    DOCKER_HOST=unix:///path/docker.sock .venv/bin/python tools/record_streams.py

Each file in tests/data/streams/ is one build's decoded JSON objects, one per
line, after a ``_meta`` line naming the engine that produced it.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.harness.base_image import BASE_IMAGE, ensure_base_image
from workbench.engine import connect

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "streams"

CASES: dict[str, tuple[str, dict[str, bytes]]] = {
    "success": (f"FROM {BASE_IMAGE}\nRUN echo out-line && echo err-line >&2\n"
                'CMD ["echo", "hello"]\n', {}),
    "run-fails": (f"FROM {BASE_IMAGE}\nRUN echo before && exit 3\nCMD [\"true\"]\n", {}),
    "multi-stage": (f"FROM {BASE_IMAGE} AS builder\nRUN echo built > /artifact\n"
                    f"FROM {BASE_IMAGE}\nCOPY --from=builder /artifact /artifact\n"
                    'CMD ["cat", "/artifact"]\n', {}),
    "copy-missing": (f"FROM {BASE_IMAGE}\nCOPY missing.txt /\n", {}),
    "parse-error": (f"FROM {BASE_IMAGE}\nFORM x\n", {}),
    "no-newline-output": (f"FROM {BASE_IMAGE}\nRUN printf partial\nRUN printf e >&2\n", {}),
    "pull-missing-base": ("FROM localhost:1/workbench-test/absent:1\nRUN true\n", {}),
}


def context_tar(dockerfile: str, files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in {"Dockerfile": dockerfile.encode(), **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def record(api: docker.APIClient, name: str, dockerfile: str, files: dict[str, bytes],
           suffix: str = "", nocache: bool = True) -> None:
    meta = {"_meta": {"engine": api.version()["Version"], "api": api.api_version,
                      "dockerfile": dockerfile}}
    lines = [json.dumps(meta)]
    try:
        for obj in api.build(fileobj=context_tar(dockerfile, files), custom_context=True,
                             rm=True, forcerm=True, decode=True, tag=f"workbench-rec/{name}",
                             nocache=nocache):
            lines.append(json.dumps(obj))
    except docker.errors.APIError as exc:
        lines.append(json.dumps({"_http_error": exc.response.status_code,
                                 "message": exc.explanation}))
    (OUT / f"{name}{suffix}.jsonl").write_text("\n".join(lines) + "\n")
    print(f"recorded {name}{suffix}: {len(lines) - 1} objects")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    api = connect().api  # resolved like the CLI: DOCKER_HOST, context, default socket
    ensure_base_image(api)
    for name, (dockerfile, files) in CASES.items():
        record(api, name, dockerfile, files)
    # The same build twice: the second is all cache hits.
    record(api, "success", *CASES["success"], suffix="-cached", nocache=False)
    record_pull(api)


def record_pull(api: docker.APIClient) -> None:
    """A FROM that pulls its base (two layers) from a private registry."""
    from tests.harness.registry import start_registry

    registry = start_registry(tls=False)
    try:
        two_layers = f"FROM {BASE_IMAGE}\nRUN echo second-layer > /layer2\n"
        ref = f"{registry.host}/workbench-test/two-layers"
        for _ in api.build(fileobj=context_tar(two_layers, {}), custom_context=True, rm=True,
                           forcerm=True, decode=True, tag=f"{ref}:1"):
            pass
        for _ in api.push(ref, tag="1", stream=True, decode=True):
            pass
        api.remove_image(f"{ref}:1")
        record(api, "pull-base", f"FROM {ref}:1\nRUN cat /layer2\n", {})
    finally:
        registry.stop()


if __name__ == "__main__":
    main()
