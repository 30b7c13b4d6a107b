"""Helpers for the layer inspector's tests and benchmark: build images from Dockerfile
text in the test engine, run dive on them, and re-pack exports in the OCI layout."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import docker

from tests.harness.engine import HarnessError

DIVE = Path(sys.executable).parent / "dive"


def build_image(api: docker.APIClient, dockerfile: str, tag: str,
                files: dict[str, bytes] | None = None) -> str:
    """Build with the classic builder; returns the image id."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in {"Dockerfile": dockerfile.encode(), **(files or {})}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    log = []
    for item in api.build(fileobj=buf, custom_context=True, tag=tag, rm=True, forcerm=True,
                          decode=True):
        log.append(str(item.get("stream") or item.get("error") or ""))
        if "error" in item:
            raise HarnessError(f"build of {tag} failed: {''.join(log)}")
    return str(api.inspect_image(tag)["Id"])


def dive_json(image: str, docker_host: str, source: str = "docker") -> dict[str, Any]:
    """dive's own analysis (``dive --json``) of ``image`` on the test engine."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dive.json"
        env = {**os.environ, "DOCKER_HOST": docker_host, "CI": "true"}
        proc = subprocess.run([str(DIVE), image, "--source", source, "--json", str(out)],
                              env=env, capture_output=True, text=True, timeout=600,
                              check=False)
        if proc.returncode != 0 or not out.exists():
            raise HarnessError(f"dive failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
        data: dict[str, Any] = json.loads(out.read_text())
        return data


def export_bytes(api: docker.APIClient, image: str) -> bytes:
    return b"".join(api.get_image(image))


def to_oci_layout(legacy: bytes, compress: list[str]) -> bytes:
    """Re-pack a legacy ``docker save`` archive the way Engine 25+ writes one:
    ``blobs/sha256/<digest>`` for config, manifest and layers, ``index.json``,
    ``oci-layout`` and a compat ``manifest.json``. ``compress[i]`` is "", "gzip" or
    "zstd" for layer i (the containerd store keeps layers as pulled)."""
    import zstandard

    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(legacy)) as tar:
        for member in tar.getmembers():
            if member.isreg():
                f = tar.extractfile(member)
                assert f is not None
                files[member.name] = f.read()
    manifest = json.loads(files["manifest.json"])[0]
    blobs: dict[str, bytes] = {}

    def blob(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        blobs[f"blobs/sha256/{digest}"] = data
        return digest

    config = files[manifest["Config"]]
    config_digest = blob(config)
    layer_descs, layer_paths = [], []
    for i, path in enumerate(manifest["Layers"]):
        data = files[path]
        kind = compress[i] if i < len(compress) else ""
        if kind == "gzip":
            data, media = gzip.compress(data, mtime=0), "tar+gzip"
        elif kind == "zstd":
            data, media = zstandard.ZstdCompressor().compress(data), "tar+zstd"
        else:
            media = "tar"
        digest = blob(data)
        layer_paths.append(f"blobs/sha256/{digest}")
        layer_descs.append({"mediaType": f"application/vnd.oci.image.layer.v1.{media}",
                            "digest": f"sha256:{digest}", "size": len(data)})
    oci_manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": f"sha256:{config_digest}", "size": len(config)},
        "layers": layer_descs}).encode()
    manifest_digest = blob(oci_manifest)
    index = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": f"sha256:{manifest_digest}", "size": len(oci_manifest)}]}).encode()
    compat = json.dumps([{"Config": f"blobs/sha256/{config_digest}",
                          "RepoTags": manifest.get("RepoTags"),
                          "Layers": layer_paths}]).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name: str, data: bytes | None) -> None:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
                return
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        add("blobs", None)
        add("blobs/sha256", None)
        for name in sorted(blobs):  # Engine 25 writes blobs first, manifest.json last
            add(name, blobs[name])
        add("index.json", index)
        add("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        add("manifest.json", compat)
    return out.getvalue()
