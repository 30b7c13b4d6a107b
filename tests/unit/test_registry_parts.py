"""The registry client's pure parts: names, platform choice, attestations, failure words."""

from __future__ import annotations

import pytest
import requests

from workbench.registry import (
    ImageRef,
    Platform,
    RegistryError,
    choose_manifest,
    is_attestation,
    network_reason,
    parse_reference,
)


def test_parse_reference_the_engines_way() -> None:
    assert parse_reference("alpine") == ImageRef("docker.io", "library/alpine", "latest")
    assert parse_reference("alpine:3.22").tag == "3.22"
    assert parse_reference("user/app:1") == ImageRef("docker.io", "user/app", "1")
    assert parse_reference("docker.io/library/ubuntu:24.04").name == "ubuntu"
    ref = parse_reference("quay.io/centos/centos:stream9")
    assert (ref.registry, ref.repository, ref.tag, ref.api_host) == (
        "quay.io", "centos/centos", "stream9", "quay.io")
    local = parse_reference("127.0.0.1:5000/team/app")  # a port is not a tag
    assert (local.registry, local.repository, local.tag) == ("127.0.0.1:5000", "team/app",
                                                             "latest")
    assert parse_reference("alpine").api_host == "registry-1.docker.io"
    pinned = parse_reference("alpine@sha256:" + "a" * 64)
    assert pinned.manifest_reference == "sha256:" + "a" * 64
    for bad in ("", "two words", "Upper/Case"):
        with pytest.raises(RegistryError, match="not an image name"):
            parse_reference(bad)


INDEX = {"manifests": [
    {"digest": "att", "platform": {"os": "unknown", "architecture": "unknown"},
     "annotations": {"vnd.docker.reference.type": "attestation-manifest"}},
    {"digest": "amd64", "platform": {"os": "linux", "architecture": "amd64"}},
    {"digest": "armv6", "platform": {"os": "linux", "architecture": "arm", "variant": "v6"}},
    {"digest": "armv7", "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
    {"digest": "arm64", "platform": {"os": "linux", "architecture": "arm64"}},
    {"digest": "win", "platform": {"os": "windows", "architecture": "amd64"}},
]}


@pytest.mark.parametrize(("platform", "digest"), [
    (Platform("linux", "amd64"), "amd64"),
    (Platform.of_engine("linux", "arm64"), "arm64"),  # v8 matches an entry with no variant
    (Platform.of_engine("linux", "arm"), "armv7"),  # the default arm variant, not the first
    (Platform("linux", "arm", "v6"), "armv6"),
    (Platform("windows", "amd64"), "win"),
])
def test_choose_manifest_for_the_platform(platform: Platform, digest: str) -> None:
    chosen = choose_manifest(INDEX, platform)
    assert chosen is not None and chosen["digest"] == digest


def test_attestations_are_never_chosen() -> None:
    assert is_attestation(INDEX["manifests"][0])
    assert not is_attestation(INDEX["manifests"][1])
    only = {"manifests": [INDEX["manifests"][0]]}
    assert choose_manifest(only, Platform("unknown", "unknown")) is None
    assert choose_manifest({"manifests": []}, Platform("linux", "amd64")) is None


def test_network_reason_is_short() -> None:
    refused = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='x', port=443): Max retries exceeded with url: /v2/ "
        "(Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object>: "
        "Failed to establish a new connection: [Errno 111] Connection refused'))")
    assert network_reason(refused) == "Connection refused"
    assert network_reason(requests.exceptions.ReadTimeout("read timed out")) == (
        "no answer in time")
    assert Platform.parse("linux/arm64/v8") == Platform("linux", "arm64", "v8")
    assert str(Platform("linux", "amd64")) == "linux/amd64"
