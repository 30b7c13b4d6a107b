"""A small Registry HTTP API v2 client: image sizes, tags and search, without pulling.

The docker SDK has no size look-up (``get_registry_data`` returns the size of the
manifest JSON, not of the image), so this asks the registry itself:

- Auth: a ``401`` carries ``WWW-Authenticate``. ``Bearer realm=…,service=…,scope=…``
  → fetch a token from the realm (anonymously, or with the user's credentials),
  retry with it (distribution ``docs/spec/auth/token.md``; Docker Hub, quay.io,
  ghcr.io). ``Basic`` → the user's credentials. Credentials come from the docker
  SDK's ``docker.auth`` (``config.json`` ``auths``, ``credsStore``, ``credHelpers``),
  so the app sees exactly what ``docker login`` stored.
- Manifests: all four media types are accepted (else a registry may down-convert
  and pick amd64 for us). An index / manifest list → the entry for the engine's
  platform (os, architecture, variant); attestation entries are skipped.
- Download size = Σ ``layers[].size`` of the platform manifest (the config blob is
  excluded, as docker-library's "compressed transfer size" does). On-disk size is
  not knowable from a registry.
- TLS: a CA file per registry host (given, or the engine's
  ``certs.d/<host>/ca.crt``). Loopback registries may speak plain HTTP, as the
  engine allows.
- Results are cached for ``ttl_s``; errors are ``RegistryError``s whose text is
  the plain-words explanation from ``workbench.explain``.

Every method does network I/O: call it off the GUI thread.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.request import parse_http_list, parse_keqv_list

import docker.auth
import docker.errors
import requests

from workbench import explain
from workbench.catalogue import Catalogue, PublishedSize, normalise_repository

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST_TYPES = (DOCKER_MANIFEST, OCI_MANIFEST)
INDEX_TYPES = (DOCKER_LIST, OCI_INDEX)
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))

HUB = "docker.io"
HUB_API = "registry-1.docker.io"  # where Docker Hub's Registry API answers
HUB_SEARCH = "https://hub.docker.com/v2/search/repositories/"
DEFAULT_TIMEOUT = (1.5, 10.0)  # (connect, read): an unreachable host fails fast
DEFAULT_TTL_S = 600.0
MIN_TOKEN_TTL_S = 60.0  # the token spec's default and minimum

T = TypeVar("T")


class RegistryError(docker.errors.DockerException):  # type: ignore[misc]  # SDK untyped
    """A registry look-up failed; ``str()`` is the plain-words explanation.

    A DockerException so the app's generic ``explain()`` shows the text as it is.
    """


class RegistryUnreachable(RegistryError):
    pass


class RegistryAuthFailed(RegistryError):
    pass


class ManifestNotFound(RegistryError):
    pass


class PlatformNotFound(RegistryError):
    pass


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        return cls(parts[0], parts[1] if len(parts) > 1 else "amd64",
                   parts[2] if len(parts) > 2 else None)

    @classmethod
    def of_engine(cls, os: str, arch: str) -> Platform:
        """The engine's ``/version`` Os and Arch; arm variants as the engine defaults them."""
        variant = {"arm64": "v8", "arm": "v7"}.get(arch)
        return cls(os.lower(), arch, variant)

    def matches(self, entry: Mapping[str, Any]) -> bool:
        if entry.get("os") != self.os or entry.get("architecture") != self.architecture:
            return False
        variant = entry.get("variant")
        # arm64 images usually omit "v8"; a missing variant means the default one.
        return variant is None or self.variant is None or variant == self.variant

    @property
    def short(self) -> str:
        """``linux/amd64`` (catalogue figures are per os/architecture)."""
        return f"{self.os}/{self.architecture}"


@dataclass(frozen=True)
class ImageRef:
    registry: str  # "docker.io", "quay.io", "127.0.0.1:5000"
    repository: str  # path at the registry: "library/alpine", "centos/centos"
    tag: str = "latest"
    digest: str | None = None

    @property
    def manifest_reference(self) -> str:
        return self.digest or self.tag

    @property
    def api_host(self) -> str:
        return HUB_API if self.registry == HUB else self.registry

    @property
    def name(self) -> str:
        """The repository as ``docker pull`` takes it (no docker.io/library/)."""
        if self.registry == HUB:
            return self.repository.removeprefix("library/")
        return f"{self.registry}/{self.repository}"

    def __str__(self) -> str:
        if self.digest:
            return f"{self.name}@{self.digest}"
        return f"{self.name}:{self.tag}"


def parse_reference(text: str) -> ImageRef:
    """``[registry/]repo[:tag][@digest]`` → ImageRef; Docker Hub names get ``library/``."""
    text = text.strip()
    if not text or " " in text:
        raise RegistryError(explain.registry_bad_reference(text))
    name, _, digest = text.partition("@")
    tag = "latest"
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = name.rpartition(":")
    registry, path = docker.auth.split_repo_name(name)
    registry = docker.auth.resolve_index_name(registry)
    if registry == HUB and "/" not in path:
        path = f"library/{path}"
    if not path or path != path.lower():
        raise RegistryError(explain.registry_bad_reference(text))
    return ImageRef(registry, path, tag or "latest", digest or None)


@dataclass(frozen=True)
class ImageSize:
    """A live answer: the compressed download size for one platform."""

    reference: str
    platform: str  # the entry chosen, e.g. "linux/arm64/v8"
    download: int
    layers: tuple[int, ...]
    digest: str | None  # of the platform manifest
    media_type: str  # of what the tag points at (index or manifest)
    platforms: tuple[str, ...]  # all image platforms the tag offers (attestations left out)


@dataclass(frozen=True)
class SearchResult:
    name: str  # as `docker pull` takes it
    description: str = ""
    official: bool = False
    stars: int | None = None


def is_attestation(entry: Mapping[str, Any]) -> bool:
    annotations = entry.get("annotations") or {}
    platform = entry.get("platform") or {}
    return (annotations.get("vnd.docker.reference.type") == "attestation-manifest"
            or platform.get("os") == "unknown" or platform.get("architecture") == "unknown")


def choose_manifest(index: Mapping[str, Any], platform: Platform) -> Mapping[str, Any] | None:
    """The index entry for ``platform``: exact variant first, attestations never."""
    entries = [e for e in index.get("manifests") or [] if not is_attestation(e)]
    candidates = [e for e in entries if platform.matches(e.get("platform") or {})]
    exact = [e for e in candidates if (e.get("platform") or {}).get("variant") == platform.variant]
    chosen = exact or candidates
    return chosen[0] if chosen else None


def _platform_text(entry: Mapping[str, Any]) -> str:
    p = entry.get("platform") or {}
    return "/".join(str(x) for x in (p.get("os"), p.get("architecture"), p.get("variant")) if x)


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0].strip("[]") if host.count(":") <= 1 or "]" in host else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass
class _Token:
    value: str
    expires: float


@dataclass
class RegistryClient:
    """Ask registries for sizes, tags and search results (thread-safe; cached)."""

    platform: Platform
    auth_config: docker.auth.AuthConfig | None = None  # None: the user's docker config
    ca_files: Mapping[str, Path] = field(default_factory=dict)  # registry host → CA file
    certs_dirs: tuple[Path, ...] = (Path("/etc/docker/certs.d"),
                                    Path.home() / ".docker" / "certs.d")
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    ttl_s: float = DEFAULT_TTL_S
    clock: Callable[[], float] = time.monotonic
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._schemes: dict[str, str] = {}
        if self.auth_config is None:
            self.auth_config = docker.auth.load_config()

    # --- public --------------------------------------------------------
    def image_size(self, reference: str) -> ImageSize:
        """The download (compressed) size of ``reference`` for this client's platform."""
        ref = parse_reference(reference)
        return self._cached(("size", str(ref), str(self.platform)),
                            lambda: self._image_size(ref))

    def tags(self, repository: str) -> list[str]:
        """Every tag of a repository (follows the ``Link`` pagination)."""
        ref = parse_reference(repository)
        return self._cached(("tags", ref.registry, ref.repository), lambda: self._tags(ref))

    def search(self, query: str, limit: int = 25) -> list[SearchResult]:
        """Repositories matching ``query``: Docker Hub's search for plain words;
        ``host/partial`` searches that registry's catalogue (``/v2/_catalog``)."""
        query = query.strip()
        if not query:
            return []
        registry, slash, rest = query.partition("/")
        if slash and ("." in registry or ":" in registry or registry == "localhost"):
            return self._cached(("search", query), lambda: self._catalog_search(
                registry, rest, limit))
        return self._cached(("search", query), lambda: self._hub_search(query, limit))

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # --- sizes ---------------------------------------------------------
    def _image_size(self, ref: ImageRef) -> ImageSize:
        media_type, top = self._manifest(ref, ref.manifest_reference)
        platforms: tuple[str, ...] = ()
        manifest, digest = top, None
        if media_type in INDEX_TYPES or "manifests" in top:
            entries = [e for e in top.get("manifests") or [] if not is_attestation(e)]
            platforms = tuple(_platform_text(e) for e in entries)
            chosen = choose_manifest(top, self.platform)
            if chosen is None:
                raise PlatformNotFound(explain.registry_no_platform(
                    str(ref), str(self.platform), list(platforms)))
            digest = str(chosen["digest"])
            _child_type, manifest = self._manifest(ref, digest)
            chosen_platform = _platform_text(chosen)
        else:
            # One platform only: which one is in the image config (a small blob).
            chosen_platform = self._config_platform(ref, manifest)
            platforms = (chosen_platform,)
        if "layers" not in manifest:
            raise RegistryError(explain.registry_old_manifest(str(ref), media_type))
        layers = tuple(int(layer.get("size", 0)) for layer in manifest["layers"])
        return ImageSize(str(ref), chosen_platform, sum(layers), layers, digest, media_type,
                         platforms)

    def _config_platform(self, ref: ImageRef, manifest: Mapping[str, Any]) -> str:
        digest = (manifest.get("config") or {}).get("digest")
        if not digest:
            return "unknown"
        try:
            config = self._get(ref, f"/v2/{ref.repository}/blobs/{digest}").json()
        except (RegistryError, ValueError):
            return "unknown"  # the size stands without it
        if not isinstance(config, dict):
            return "unknown"
        return "/".join(str(config[k]) for k in ("os", "architecture", "variant")
                        if config.get(k)) or "unknown"

    def _manifest(self, ref: ImageRef, reference: str) -> tuple[str, dict[str, Any]]:
        response = self._get(ref, f"/v2/{ref.repository}/manifests/{reference}",
                             headers={"Accept": ACCEPT})
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            body = response.json()
        except ValueError as exc:
            raise RegistryError(explain.registry_bad_answer(ref.registry, str(exc))) from exc
        if not isinstance(body, dict):
            raise RegistryError(explain.registry_bad_answer(ref.registry, "not a JSON object"))
        return str(body.get("mediaType") or media_type), body

    # --- tags and search -----------------------------------------------
    def _tags(self, ref: ImageRef) -> list[str]:
        tags: list[str] = []
        path: str | None = f"/v2/{ref.repository}/tags/list?n=1000"
        while path:
            response = self._get(ref, path)
            tags.extend(response.json().get("tags") or [])
            link = response.links.get("next", {}).get("url")
            path = link if link and link != path else None
        return tags

    def _catalog_search(self, registry: str, partial: str, limit: int) -> list[SearchResult]:
        ref = ImageRef(docker.auth.resolve_index_name(registry), "", "latest")
        try:
            response = self._get(ref, "/v2/_catalog?n=1000", scope="registry:catalog:*")
        except ManifestNotFound:
            return []  # this registry offers no catalogue
        names = response.json().get("repositories") or []
        wanted = partial.lower()
        found = [n for n in names if wanted in n.lower()]
        return [SearchResult(f"{registry}/{n}") for n in found[:limit]]

    def _hub_search(self, query: str, limit: int) -> list[SearchResult]:
        try:
            response = self.session.get(HUB_SEARCH, params={"query": query,
                                                            "page_size": str(limit)},
                                        timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryUnreachable(explain.registry_unreachable("hub.docker.com",
                                                                   network_reason(exc))) from exc
        if response.status_code != 200:
            raise RegistryError(explain.registry_bad_answer(
                "hub.docker.com", f"HTTP {response.status_code}"))
        return [SearchResult(str(r.get("repo_name", "")), str(r.get("short_description") or ""),
                             bool(r.get("is_official")), r.get("star_count"))
                for r in response.json().get("results") or []]

    # --- HTTP with auth ------------------------------------------------
    def _get(self, ref: ImageRef, path: str, headers: Mapping[str, str] | None = None,
             scope: str | None = None) -> requests.Response:
        host = ref.api_host
        scope = scope or f"repository:{ref.repository}:pull"
        response = self._send(host, path, dict(headers or {}), scope)
        if response.status_code == 401:
            response = self._authorise_and_retry(ref, host, path, dict(headers or {}),
                                                 scope, response)
        if response.status_code == 404:
            raise ManifestNotFound(explain.registry_not_found(str(ref), ref.registry))
        if response.status_code in (401, 403):
            raise RegistryAuthFailed(explain.registry_auth_failed(
                ref.registry, self._credentials(ref.registry) is not None))
        if response.status_code >= 400:
            raise RegistryError(explain.registry_bad_answer(
                ref.registry, f"HTTP {response.status_code} {response.text[:200]}"))
        return response

    def _send(self, host: str, path: str, headers: dict[str, str], scope: str,
              auth: tuple[str, str] | None = None) -> requests.Response:
        token = self._token_for(host, scope)
        if token and auth is None:
            headers = {**headers, "Authorization": f"Bearer {token}"}
        scheme = self._scheme(host)
        url = path if path.startswith("http") else f"{scheme}://{host}{path}"
        try:
            return self.session.get(url, headers=headers, auth=auth, timeout=self.timeout,
                                    verify=self._verify(host))
        except requests.exceptions.SSLError as exc:
            raise RegistryError(explain.registry_tls_failed(host, str(exc))) from exc
        except requests.RequestException as exc:
            raise RegistryUnreachable(explain.registry_unreachable(host,
                                                                   network_reason(exc))) from exc

    def _scheme(self, host: str) -> str:
        """https, except a loopback registry that speaks plain HTTP (the engine treats
        loopback registries as insecure, so such registries exist and work)."""
        with self._lock:
            known = self._schemes.get(host)
        if known is not None:
            return known
        if not _is_loopback(host):
            return "https"
        tls = _speaks_tls(host, self.timeout[0])
        if tls is None:
            return "https"  # not answering: let the real request report it
        scheme = "https" if tls else "http"
        with self._lock:
            self._schemes[host] = scheme
        return scheme

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def _verify(self, host: str) -> str | bool:
        if host in self.ca_files:
            return str(self.ca_files[host])
        for folder in self.certs_dirs:
            candidate = folder / host / "ca.crt"
            if candidate.is_file():
                return str(candidate)
        return True

    def _authorise_and_retry(self, ref: ImageRef, host: str, path: str,
                             headers: dict[str, str], scope: str,
                             refused: requests.Response) -> requests.Response:
        challenge = refused.headers.get("WWW-Authenticate", "")
        kind, _, params_text = challenge.partition(" ")
        credentials = self._credentials(ref.registry)
        if kind.lower() == "bearer":
            params = parse_keqv_list(parse_http_list(params_text))
            realm = params.get("realm")
            if not realm:
                raise RegistryError(explain.registry_bad_answer(
                    ref.registry, f"a Bearer challenge without a realm: {challenge}"))
            wanted_scope = params.get("scope") or scope
            token = self._fetch_token(ref.registry, str(realm), params.get("service") or "",
                                      wanted_scope, credentials)
            with self._lock:
                self._tokens[(host, scope, "")] = token
            return self._send(host, path, headers, scope)
        if kind.lower() == "basic":
            if credentials is None or "password" not in credentials:
                raise RegistryAuthFailed(explain.registry_auth_failed(ref.registry, False))
            return self._send(host, path, headers, scope,
                              auth=(credentials["username"], credentials["password"]))
        return refused

    def _token_for(self, host: str, scope: str) -> str | None:
        with self._lock:
            token = self._tokens.get((host, scope, ""))
        if token is not None and token.expires > self.clock():
            return token.value
        return None

    def _fetch_token(self, registry: str, realm: str, service: str, scope: str,
                     credentials: Mapping[str, str] | None) -> _Token:
        params: dict[str, str] = {"scope": scope}
        if service:
            params["service"] = service
        auth = None
        try:
            if credentials and "identitytoken" in credentials:
                # An OAuth refresh token from `docker login` (token spec, oauth.md).
                response = self.session.post(realm, data={
                    **params, "grant_type": "refresh_token", "client_id": "image-workbench",
                    "refresh_token": credentials["identitytoken"]},
                    timeout=self.timeout, verify=self._verify_url(realm))
            else:
                if credentials and "password" in credentials:
                    auth = (credentials["username"], credentials["password"])
                response = self.session.get(realm, params=params, auth=auth,
                                            timeout=self.timeout,
                                            verify=self._verify_url(realm))
        except requests.RequestException as exc:
            raise RegistryUnreachable(explain.registry_unreachable(realm,
                                                                   network_reason(exc))) from exc
        if response.status_code in (401, 403):
            raise RegistryAuthFailed(explain.registry_auth_failed(registry, bool(credentials)))
        if response.status_code >= 400:
            raise RegistryError(explain.registry_bad_answer(
                realm, f"HTTP {response.status_code} from the token server"))
        body = response.json()
        value = body.get("token") or body.get("access_token")
        if not value:
            raise RegistryError(explain.registry_bad_answer(realm, "no token in the answer"))
        ttl = max(MIN_TOKEN_TTL_S, float(body.get("expires_in") or MIN_TOKEN_TTL_S))
        # Renew a little early so a token never expires between check and use.
        return _Token(str(value), self.clock() + ttl - 5)

    def _verify_url(self, url: str) -> str | bool:
        host = url.split("://", 1)[-1].split("/", 1)[0]
        return self._verify(host)

    def _credentials(self, registry: str) -> dict[str, str] | None:
        """The user's stored login for ``registry``, keys lower-cased; None if none."""
        assert self.auth_config is not None
        try:
            found = self.auth_config.resolve_authconfig(registry)
        except docker.errors.DockerException as exc:
            raise RegistryAuthFailed(explain.registry_credentials_failed(registry,
                                                                         str(exc))) from exc
        if not found:
            return None
        lowered = {str(k).lower(): str(v) for k, v in found.items() if v}
        if "username" in lowered or "identitytoken" in lowered:
            return lowered
        return None

    # --- cache ---------------------------------------------------------
    def _cached(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        now = self.clock()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            value: T = hit[1]
            return value
        value = compute()
        with self._lock:
            self._cache[key] = (self.clock() + self.ttl_s, value)
        return value


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def network_reason(exc: BaseException) -> str:
    """The root cause of a requests failure in a few words ("Connection refused")."""
    text = str(exc)
    if m := _ERRNO.search(text):
        return m.group(1).strip()
    if isinstance(exc, requests.exceptions.ProxyError):
        return "the proxy refused the connection"
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer in time"
    return text


def _speaks_tls(host: str, timeout: float) -> bool | None:
    """Does ``host:port`` answer a TLS handshake? None if it does not answer at all.

    Only used to tell TLS from plain HTTP; the certificate is checked by the real
    request. Our own socket, closed in every case.
    """
    name, _, port = host.rpartition(":") if host.count(":") == 1 or "]:" in host else (
        host, "", "443")
    name = name.strip("[]")
    try:
        raw = socket.create_connection((name, int(port or 443)), timeout=timeout)
    except (OSError, ValueError):
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with raw, context.wrap_socket(raw, server_hostname=name,
                                  do_handshake_on_connect=False) as wrapped:
        try:
            wrapped.do_handshake()
            return True
        except ssl.SSLError:
            return False
        except OSError:
            return None


# --- one answer for the picker -------------------------------------------------
@dataclass(frozen=True)
class SizeFigure:
    """What the picker shows for one tag: a download size, labelled where it came from."""

    reference: str
    download: int | None  # compressed bytes; None = not known
    on_disk: int | None  # uncompressed, when known (published or local)
    live: bool  # True: asked the registry just now
    as_of: str | None  # the published figure's date when not live
    source: str
    problem: str | None = None  # why the registry could not be asked
    exact: bool = True

    @property
    def label(self) -> str:
        if self.live:
            return "download (compressed), from the registry now"
        if self.as_of:
            return f"download (compressed), as of {self.as_of}"
        return "download size not known"


def published_figure(catalogue: Catalogue, reference: str, platform: Platform,
                     problem: str | None = None) -> SizeFigure:
    """The catalogue's figure for ``reference``, labelled "as of <date>"."""
    ref = parse_reference(reference)
    entry = catalogue.entry(ref.name)
    found: PublishedSize | None = None
    if entry is not None:
        found = entry.published(ref.tag, platform.short)
    if found is None:
        return SizeFigure(str(ref), None, None, False, None, "no published figure", problem)
    return SizeFigure(str(ref), found.download, found.on_disk, False, found.date, found.source,
                      problem, found.exact)


def size_figure(client: RegistryClient, catalogue: Catalogue, reference: str) -> SizeFigure:
    """Ask the registry; if it cannot answer, the published figure with its date."""
    try:
        size = client.image_size(reference)
    except RegistryError as exc:
        return published_figure(catalogue, reference, client.platform, str(exc))
    published = published_figure(catalogue, reference, client.platform)
    on_disk = published.on_disk if published.download == size.download else None
    return SizeFigure(size.reference, size.download, on_disk, True, None,
                      f"{size.platform} manifest, {len(size.layers)} layers", None)


def known_repositories(catalogue: Catalogue, query: str) -> list[SearchResult]:
    """Catalogue entries matching ``query`` (offline search), in catalogue order."""
    wanted = query.strip().lower()
    return [SearchResult(e.repository, e.description, True)
            for e in catalogue.entries
            if wanted in normalise_repository(e.repository) or wanted in e.title.lower()]
