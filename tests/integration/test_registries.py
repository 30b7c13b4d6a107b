"""The test registries the harness starts really work with the engine.

Later issues (push, the picker) build on these; here we prove the plain one
takes a push and the TLS + htpasswd one takes the right password only.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import docker
import pytest

from tests.harness.registry import RegistryHandle

pytestmark = [pytest.mark.engine, pytest.mark.registry]


def push(api: docker.APIClient, base_image: str, registry: RegistryHandle, repo: str,
         auth: dict[str, str] | None = None) -> list[dict[str, object]]:
    target = f"{registry.host}/{repo}"
    api.tag(base_image, target, "1")
    try:
        return list(api.push(target, tag="1", stream=True, decode=True,
                             auth_config=auth if auth is not None else {}))
    finally:
        api.remove_image(f"{target}:1")


def test_plain_registry_takes_a_push(engine_api: docker.APIClient, base_image: str,
                                     registry: RegistryHandle) -> None:
    out = push(engine_api, base_image, registry, "workbench-test/plain")
    assert not [o for o in out if "error" in o], out
    digests = [o["aux"]["Digest"] for o in out if isinstance(o.get("aux"), dict)]
    with urllib.request.urlopen(f"{registry.url}/v2/workbench-test/plain/tags/list") as r:
        assert json.load(r) == {"name": "workbench-test/plain", "tags": ["1"]}
    request = urllib.request.Request(
        f"{registry.url}/v2/workbench-test/plain/manifests/1",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(request) as r:
        assert r.headers["Docker-Content-Digest"] == digests[-1]


def test_tls_registry_needs_the_right_password(engine_api: docker.APIClient, base_image: str,
                                               tls_registry: RegistryHandle) -> None:
    assert tls_registry.url.startswith("https://")
    context = ssl.create_default_context(cafile=str(tls_registry.ca_file))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{tls_registry.url}/v2/", context=context)
    assert refused.value.code == 401
    refused.value.close()  # the error holds the response's TLS socket

    wrong = push(engine_api, base_image, tls_registry, "workbench-test/secure",
                 {"username": tls_registry.username or "", "password": "wrong"})
    errors = [o["errorDetail"]["message"] for o in wrong if "errorDetail" in o]  # type: ignore[index]
    assert errors, wrong
    assert "unauthorized" in errors[0].lower() or "authentication required" in errors[0].lower()

    right = push(engine_api, base_image, tls_registry, "workbench-test/secure",
                 {"username": tls_registry.username or "",
                  "password": tls_registry.password or ""})
    assert not [o for o in right if "errorDetail" in o], right
    assert any(isinstance(o.get("aux"), dict) and "Digest" in o["aux"] for o in right)
