"""Test images in the test registries: built by the engine, pushed, or assembled by hand.

``build_layered`` makes a multi-layer image on the engine (random data, so the
layers do not compress away); ``push_tags`` pushes it under several tags;
``put_index`` assembles a multi-platform OCI index over pushed manifests with
the Registry HTTP API; ``read_manifest`` reads a manifest back with plain
urllib, independent of the client under test, for the expected sums.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join([DOCKER_MANIFEST, OCI_MANIFEST, OCI_INDEX,
                    "application/vnd.docker.distribution.manifest.list.v2+json"])


def build_layered(api: docker.APIClient, base: str, tag: str, layer_bytes: list[int]) -> str:
    """FROM ``base`` plus one RUN layer of random bytes per entry; returns the image id."""
    lines = [f"FROM {base}"]
    for number, size in enumerate(layer_bytes):
        lines.append(f"RUN head -c {size} /dev/urandom > /layer{number}")
    dockerfile = io.BytesIO(("\n".join(lines) + "\n").encode())
    out = list(api.build(fileobj=dockerfile, tag=tag, rm=True, forcerm=True, decode=True))
    errors = [o for o in out if "error" in o]
    assert not errors, errors
    return str(api.inspect_image(tag)["Id"])


def push_tags(api: docker.APIClient, image: str, host: str, repo: str, tags: list[str],
              auth: dict[str, str] | None = None) -> dict[str, str]:
    """Push ``image`` as ``host/repo:tag`` for each tag; returns tag → manifest digest."""
    target = f"{host}/{repo}"
    digests: dict[str, str] = {}
    for tag in tags:
        api.tag(image, target, tag)
        try:
            out = list(api.push(target, tag=tag, stream=True, decode=True,
                                auth_config=auth if auth is not None else {}))
        finally:
            api.remove_image(f"{target}:{tag}")
        errors = [o for o in out if "error" in o]
        assert not errors, errors
        digests[tag] = next(o["aux"]["Digest"] for o in out if isinstance(o.get("aux"), dict))
    return digests


@dataclass
class RegistryAccess:
    url: str
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None  # a bearer token, for token-authenticating registries

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[dict[str, str], bytes]:
        all_headers = dict(headers or {})
        if self.token is not None:
            all_headers["Authorization"] = f"Bearer {self.token}"
        elif self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            all_headers["Authorization"] = f"Basic {token}"
        req = urllib.request.Request(f"{self.url}{path}", data=body, method=method,
                                     headers=all_headers)
        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
        with urllib.request.urlopen(req, timeout=30, context=context) as response:
            return dict(response.headers), response.read()


def read_manifest(access: RegistryAccess, repo: str, reference: str
                  ) -> tuple[str, dict[str, Any]]:
    """(media type, manifest JSON) of ``repo:reference``."""
    headers, body = access.request("GET", f"/v2/{repo}/manifests/{reference}",
                                   headers={"Accept": ACCEPT})
    return headers["Content-Type"], json.loads(body)


def layer_sum(access: RegistryAccess, repo: str, reference: str) -> int:
    """Σ layers[].size of a single-platform manifest, read independently of the client."""
    _, manifest = read_manifest(access, repo, reference)
    return sum(int(layer["size"]) for layer in manifest["layers"])


def put_blob(access: RegistryAccess, repo: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    headers, _ = access.request("POST", f"/v2/{repo}/blobs/uploads/")
    location = headers["Location"]
    if location.startswith("/"):
        location = access.url + location
    sep = "&" if "?" in location else "?"
    path = location.removeprefix(access.url) + f"{sep}digest={digest}"
    access.request("PUT", path, body=data,
                   headers={"Content-Type": "application/octet-stream"})
    return digest


def put_manifest(access: RegistryAccess, repo: str, tag: str, media_type: str,
                 manifest: dict[str, Any]) -> str:
    body = json.dumps(manifest).encode()
    access.request("PUT", f"/v2/{repo}/manifests/{tag}", body=body,
                   headers={"Content-Type": media_type})
    return "sha256:" + hashlib.sha256(body).hexdigest()


def put_attestation(access: RegistryAccess, repo: str) -> tuple[str, int]:
    """A small attestation-style OCI manifest (as buildkit stores them); (digest, size)."""
    config = b"{}"
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1",
                            "predicateType": "https://spdx.dev/Document"}).encode()
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": put_blob(access, repo, config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.in-toto+json",
                    "digest": put_blob(access, repo, statement), "size": len(statement),
                    "annotations": {"in-toto.io/predicate-type": "https://spdx.dev/Document"}}],
    }
    body = json.dumps(manifest).encode()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    access.request("PUT", f"/v2/{repo}/manifests/{digest}", body=body,
                   headers={"Content-Type": OCI_MANIFEST})
    return digest, len(body)


def oci_copy(access: RegistryAccess, repo: str, reference: str, tag: str) -> str:
    """The same image as an OCI manifest (same blobs, OCI media types); its digest."""
    _, manifest = read_manifest(access, repo, reference)
    oci = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {**manifest["config"],
                   "mediaType": "application/vnd.oci.image.config.v1+json"},
        "layers": [{**layer, "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}
                   for layer in manifest["layers"]],
    }
    return put_manifest(access, repo, tag, OCI_MANIFEST, oci)


def descriptor(access: RegistryAccess, repo: str, digest: str,
               platform: dict[str, str]) -> dict[str, Any]:
    media_type, _ = read_manifest(access, repo, digest)
    _headers, body = access.request("GET", f"/v2/{repo}/manifests/{digest}",
                                   headers={"Accept": media_type})
    return {"mediaType": media_type, "digest": digest, "size": len(body), "platform": platform}


DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def put_index(access: RegistryAccess, repo: str, tag: str, entries: list[dict[str, Any]],
              media_type: str = OCI_INDEX) -> str:
    """An OCI image index (or Docker manifest list) over existing manifests; its digest."""
    return put_manifest(access, repo, tag, media_type,
                        {"schemaVersion": 2, "mediaType": media_type, "manifests": entries})
