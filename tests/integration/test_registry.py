"""The registry client against real registries: sizes equal the pushed manifests' sums.

Plain registry (several tags, an OCI index and a Docker manifest list assembled
here with the Registry API, an OCI manifest, attestation entries), the TLS +
htpasswd registry (right, wrong and no password; a credential helper), a real
token-authenticating registry (anonymous and logged-in token flows), and
unreachable registries (published figures, "as of <date>", fast).
"""

from __future__ import annotations

import base64
import gc
import json
import os
import stat
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.auth
import pytest

from tests.harness.images import (
    DOCKER_LIST,
    RegistryAccess,
    build_layered,
    descriptor,
    layer_sum,
    oci_copy,
    push_tags,
    put_attestation,
    put_index,
    read_manifest,
)
from tests.harness.registry import RegistryHandle, free_port
from tests.harness.token_registry import (
    REFRESH_TOKEN,
    SERVICE,
    TokenRegistryHandle,
    start_token_registry,
)
from workbench.catalogue import load_catalogue
from workbench.engine import connect
from workbench.registry import (
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    ManifestNotFound,
    Platform,
    PlatformNotFound,
    RegistryAuthFailed,
    RegistryClient,
    RegistryError,
    RegistryUnreachable,
    size_figure,
)

pytestmark = [pytest.mark.engine, pytest.mark.registry]

NO_LOGIN = docker.auth.AuthConfig({})
_made: list[RegistryClient] = []


def Client(*args: Any, **kwargs: Any) -> RegistryClient:
    """A RegistryClient closed at the end of its test (no socket left to the collector)."""
    client = RegistryClient(*args, **kwargs)
    _made.append(client)
    return client


@pytest.fixture(scope="module", autouse=True)
def _collect_earlier_leaks() -> None:
    """Collect what earlier modules left for the garbage collector before we start, so
    their leaks are named here instead of failing one of our tests at random.

    (tests/integration/test_registries.py leaves the TLS socket of a caught HTTPError
    open; reported, not ours to change.)
    """
    found: list[str] = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: found.append(f"{u.exc_type.__name__}: {u.object!r}")
    try:
        gc.collect()
    finally:
        sys.unraisablehook = old_hook
    for leak in found:
        print(f"left by an earlier test module: {leak}")


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _made:
        _made.pop().close()
    gc.collect()  # any socket left open warns here, in this test, not in a later one


@dataclass
class Pushed:
    host: str
    access: RegistryAccess
    platform: Platform
    base_sum: int
    larger_sum: int


@pytest.fixture(scope="module")
def platform(test_engine: object) -> Platform:
    engine = connect()
    try:
        return Platform.of_engine(engine.info.os, engine.info.arch)
    finally:
        engine.close()


@pytest.fixture(scope="module")
def larger_image(engine_api: docker.APIClient, base_image: str) -> str:
    tag = "workbench-test/registry-larger:build"
    build_layered(engine_api, base_image, tag, [3_000_000, 2_000_000])
    return tag


@pytest.fixture(scope="module")
def pushed(engine_api: docker.APIClient, base_image: str, larger_image: str,
           registry: RegistryHandle, platform: Platform) -> Pushed:
    access = RegistryAccess(registry.url)
    push_tags(engine_api, base_image, registry.host, "workbench-test/base", ["1", "latest"])
    push_tags(engine_api, larger_image, registry.host, "workbench-test/larger",
              ["1", "2", "latest"])
    # The multi-platform repository: both images, then indexes over them.
    digests = push_tags(engine_api, base_image, registry.host, "workbench-test/multi", ["base"])
    digests |= push_tags(engine_api, larger_image, registry.host, "workbench-test/multi",
                         ["larger"])
    repo = "workbench-test/multi"
    own = {"os": platform.os, "architecture": platform.architecture}
    other = ({"os": "linux", "architecture": "arm64", "variant": "v8"}
             if platform.architecture != "arm64" else {"os": "linux", "architecture": "amd64"})
    attestation, att_size = put_attestation(access, repo)
    att_entry = {"mediaType": OCI_MANIFEST, "digest": attestation, "size": att_size,
                 "platform": {"os": "unknown", "architecture": "unknown"},
                 "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                 "vnd.docker.reference.digest": digests["larger"]}}
    # Attestation first and the other platform before ours: a naive "first entry" is wrong.
    put_index(access, repo, "index", [att_entry,
                                      descriptor(access, repo, digests["base"], other),
                                      descriptor(access, repo, digests["larger"], own)])
    put_index(access, repo, "index-swapped", [descriptor(access, repo, digests["larger"], other),
                                              descriptor(access, repo, digests["base"], own),
                                              att_entry])
    put_index(access, repo, "list", [descriptor(access, repo, digests["base"], other),
                                     descriptor(access, repo, digests["larger"], own)],
              media_type=DOCKER_LIST)
    put_index(access, repo, "elsewhere", [att_entry,
                                          descriptor(access, repo, digests["base"], other)])
    oci_copy(access, repo, "larger", "oci")
    return Pushed(registry.host, access, platform,
                  layer_sum(access, "workbench-test/base", "1"),
                  layer_sum(access, "workbench-test/larger", "1"))


def test_sizes_equal_the_pushed_manifests_sums(pushed: Pushed) -> None:
    client = Client(pushed.platform, auth_config=NO_LOGIN)
    host = pushed.host
    assert pushed.larger_sum > pushed.base_sum + 4_000_000  # random layers do not compress
    for tag in ("1", "latest"):
        size = client.image_size(f"{host}/workbench-test/base:{tag}")
        assert size.download == pushed.base_sum
        assert size.media_type == DOCKER_MANIFEST
    for tag in ("1", "2", "latest"):
        size = client.image_size(f"{host}/workbench-test/larger:{tag}")
        assert size.download == pushed.larger_sum
        assert len(size.layers) == 3
        assert size.platform.startswith(pushed.platform.short)  # from the image config
    assert sorted(client.tags(f"{host}/workbench-test/larger")) == ["1", "2", "latest"]


def test_index_and_list_pick_the_engines_platform_and_skip_attestations(pushed: Pushed) -> None:
    client = Client(pushed.platform, auth_config=NO_LOGIN)
    repo = f"{pushed.host}/workbench-test/multi"
    index = client.image_size(f"{repo}:index")
    assert index.media_type == OCI_INDEX
    assert index.download == pushed.larger_sum
    assert index.platform.startswith(pushed.platform.short)
    assert len(index.platforms) == 2 and not any("unknown" in p for p in index.platforms)
    _, raw = read_manifest(pushed.access, "workbench-test/multi", "index")
    assert index.digest == raw["manifests"][2]["digest"]
    assert client.image_size(f"{repo}:index-swapped").download == pushed.base_sum
    listed = client.image_size(f"{repo}:list")
    assert listed.media_type == DOCKER_LIST and listed.download == pushed.larger_sum
    oci = client.image_size(f"{repo}:oci")
    assert oci.media_type == OCI_MANIFEST and oci.download == pushed.larger_sum
    with pytest.raises(PlatformNotFound, match="no image for this engine's platform"):
        client.image_size(f"{repo}:elsewhere")
    with pytest.raises(ManifestNotFound, match="does not exist"):
        client.image_size(f"{repo}:no-such-tag")


def test_cache_answers_within_the_time_limit(pushed: Pushed) -> None:
    now = [1000.0]
    client = Client(pushed.platform, auth_config=NO_LOGIN, ttl_s=60,
                            clock=lambda: now[0])
    ref = f"{pushed.host}/workbench-test/larger:1"
    first = client.image_size(ref)
    calls: list[str] = []
    client.session.hooks["response"].append(lambda r, *a, **k: calls.append(r.url))
    assert client.image_size(ref) is first and not calls  # cached: no request
    now[0] += 61
    assert client.image_size(ref) == first and calls  # expired: asked again


def test_catalogue_search_on_a_private_registry(pushed: Pushed) -> None:
    client = Client(pushed.platform, auth_config=NO_LOGIN)
    found = [r.name for r in client.search(f"{pushed.host}/workbench-test/lar")]
    assert found == [f"{pushed.host}/workbench-test/larger"]
    every = {r.name for r in client.search(f"{pushed.host}/workbench-test")}
    assert {f"{pushed.host}/workbench-test/base", f"{pushed.host}/workbench-test/multi"} <= every


# --- TLS + htpasswd --------------------------------------------------------
@pytest.fixture(scope="module")
def tls_pushed(engine_api: docker.APIClient, larger_image: str,
               tls_registry: RegistryHandle) -> int:
    auth = {"username": tls_registry.username or "", "password": tls_registry.password or ""}
    push_tags(engine_api, larger_image, tls_registry.host, "workbench-test/secure", ["1"], auth)
    access = RegistryAccess(tls_registry.url, tls_registry.ca_file, tls_registry.username,
                            tls_registry.password)
    return layer_sum(access, "workbench-test/secure", "1")


def _login(host: str, user: str, password: str) -> docker.auth.AuthConfig:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return docker.auth.load_config(config_dict={"auths": {host: {"auth": token}}})


def test_tls_registry_with_the_right_and_the_wrong_password(
        tls_registry: RegistryHandle, tls_pushed: int, platform: Platform) -> None:
    host = tls_registry.host
    ca = {host: tls_registry.ca_file}
    ref = f"{host}/workbench-test/secure:1"
    right = Client(platform, ca_files=ca, auth_config=_login(
        host, tls_registry.username or "", tls_registry.password or ""))
    assert right.image_size(ref).download == tls_pushed
    wrong = Client(platform, ca_files=ca,
                           auth_config=_login(host, tls_registry.username or "", "wrong"))
    with pytest.raises(RegistryAuthFailed, match=f"refused the stored login.*docker login {host}"):
        wrong.image_size(ref)
    anonymous = Client(platform, ca_files=ca, auth_config=NO_LOGIN)
    with pytest.raises(RegistryAuthFailed, match="wants a login"):
        anonymous.image_size(ref)
    untrusted = Client(platform, auth_config=NO_LOGIN, certs_dirs=())
    with pytest.raises(RegistryError, match="certificate this computer does not trust"):
        untrusted.image_size(ref)


def test_tls_ca_from_certs_d_and_login_from_a_credential_helper(
        tls_registry: RegistryHandle, tls_pushed: int, platform: Platform, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    host = tls_registry.host
    certs = tmp_path / "certs.d" / host
    certs.mkdir(parents=True)
    (certs / "ca.crt").write_bytes(tls_registry.ca_file.read_bytes())
    helper = tmp_path / "bin" / "docker-credential-wbtest"
    helper.parent.mkdir()
    answer = json.dumps({"ServerURL": host, "Username": tls_registry.username,
                         "Secret": tls_registry.password})
    helper.write_text(f"#!/bin/sh\nread server\necho '{answer}'\n")
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    auth = docker.auth.load_config(config_dict={"credHelpers": {host: "wbtest"}})
    client = Client(platform, auth_config=auth, certs_dirs=(tmp_path / "certs.d",))
    assert client.image_size(f"{host}/workbench-test/secure:1").download == tls_pushed


# --- a token-authenticating registry ---------------------------------------
@pytest.fixture(scope="module")
def token_registry() -> Iterator[TokenRegistryHandle]:
    handle = start_token_registry()
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def token_pushed(engine_api: docker.APIClient, larger_image: str,
                 token_registry: TokenRegistryHandle) -> int:
    auth = {"username": token_registry.username, "password": token_registry.password}
    # The engine itself follows the registry's Bearer challenge to push.
    push_tags(engine_api, larger_image, token_registry.host, "workbench-test/tok",
              ["1", "2"], auth)
    assert any(r.user == token_registry.username for r in token_registry.requests)
    url = (f"{token_registry.token_url}?service={SERVICE}"
           "&scope=repository:workbench-test/tok:pull")
    with urllib.request.urlopen(url) as response:
        token = json.load(response)["token"]
    return layer_sum(RegistryAccess(token_registry.url, token=token), "workbench-test/tok", "1")


def test_anonymous_token_flow(token_registry: TokenRegistryHandle, token_pushed: int,
                              platform: Platform) -> None:
    now = [1000.0]
    client = Client(platform, auth_config=NO_LOGIN, clock=lambda: now[0], ttl_s=30)
    before = len(token_registry.requests)
    ref = f"{token_registry.host}/workbench-test/tok:1"
    assert client.image_size(ref).download == token_pushed
    asked = token_registry.requests[before:]
    assert asked and asked[0].user is None and asked[0].service == SERVICE
    assert asked[0].scopes == ["repository:workbench-test/tok:pull"]
    # The token is reused for the same scope (no new token request) until it expires.
    assert client.image_size(f"{token_registry.host}/workbench-test/tok:2").download == (
        token_pushed)
    assert sorted(client.tags(f"{token_registry.host}/workbench-test/tok")) == ["1", "2"]
    assert len(token_registry.requests) == before + 1
    # Past expires_in (300 s here) the next call fetches a fresh token.
    now[0] += 301
    assert client.image_size(ref).download == token_pushed
    assert len(token_registry.requests) == before + 2


def test_token_flow_with_an_identity_token(token_registry: TokenRegistryHandle,
                                           token_pushed: int, platform: Platform) -> None:
    host = token_registry.host
    auth = docker.auth.load_config(config_dict={"auths": {host: {
        "identitytoken": REFRESH_TOKEN}}})
    before = len(token_registry.requests)
    client = Client(platform, auth_config=auth)
    assert client.image_size(f"{host}/workbench-test/tok:1").download == token_pushed
    assert token_registry.requests[before].user == "tokenuser (refresh token)"
    bad = docker.auth.load_config(config_dict={"auths": {host: {"identitytoken": "stale"}}})
    with pytest.raises(RegistryAuthFailed, match="refused the stored login"):
        Client(platform, auth_config=bad).image_size(f"{host}/workbench-test/tok:1")


def test_token_flow_with_stored_login_and_a_wrong_password(
        token_registry: TokenRegistryHandle, token_pushed: int, platform: Platform) -> None:
    host = token_registry.host
    before = len(token_registry.requests)
    client = Client(platform, auth_config=_login(host, token_registry.username,
                                                         token_registry.password))
    assert client.image_size(f"{host}/workbench-test/tok:1").download == token_pushed
    assert token_registry.requests[before].user == token_registry.username
    wrong = Client(platform, auth_config=_login(host, token_registry.username, "nope"))
    with pytest.raises(RegistryAuthFailed, match="refused the stored login"):
        wrong.image_size(f"{host}/workbench-test/tok:1")


# --- unreachable -----------------------------------------------------------
def test_unreachable_registry_falls_back_to_published_figures_fast(platform: Platform) -> None:
    catalogue = load_catalogue()
    client = Client(Platform("linux", "amd64"), auth_config=NO_LOGIN)
    refused = f"127.0.0.1:{free_port()}/workbench-test/gone:1"
    started = time.monotonic()
    with pytest.raises(RegistryUnreachable, match="Could not reach the registry"):
        client.image_size(refused)
    figure = size_figure(client, catalogue, refused)
    assert not figure.live and figure.download is None and figure.problem
    # A name whose host cannot resolve: the published alpine figure, with its date.
    alpine = size_figure(client, catalogue, "registry.invalid/library/alpine:3.22")
    assert alpine.download is None  # another registry's alpine has no published figure
    hub = size_figure(Client(Platform("linux", "amd64"), auth_config=NO_LOGIN,
                                     session=_offline_session()), catalogue, "alpine:3.22")
    assert not hub.live and hub.download == 3_792_075 and hub.on_disk == 8_300_000
    assert hub.label == "download (compressed), as of 2026-09-17"
    assert hub.problem and "Could not reach" in hub.problem
    assert time.monotonic() - started < 2.0


def _offline_session() -> object:
    """A requests session whose every request goes to a refused port (as if offline)."""
    import requests

    port = free_port()
    session = requests.Session()
    session.proxies = {"https": f"http://127.0.0.1:{port}", "http": f"http://127.0.0.1:{port}"}
    session.trust_env = False
    return session
