"""Push images with per-layer progress, to one or several registries, as a generator.

    run = PushRun(engine, ["127.0.0.1:5000/app:1", "reg.example:443/app:1"], creds)
    for event in run: ...        # run.cancel() from any thread

Events (frozen dataclasses), per reference in order: ``PushStarted``, then
``PushLayer`` / ``PushLine``, then exactly one of ``PushDone`` (with the digest
from the daemon's final ``<tag>: digest: sha256:… size: N`` line),
``PushFailed`` (plain words, and whether a login would help) or
``PushCancelled``. Credentials come from ``Credentials`` (the user's docker
config) unless the caller passes some for a registry; they are never logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docker.errors
import requests

from workbench.cancelling import StreamCanceller
from workbench.credentials import Credentials, CredentialsError
from workbench.engine import Engine
from workbench.explain import explain, explain_push_message
from workbench.reference import DEFAULT_DOMAIN, InvalidReference, parse, split_tag

_FINAL = re.compile(
    r"^(?P<tag>\S+): digest: (?P<digest>sha256:[0-9a-f]{64})(?: size: (?P<size>\d+))?")

# The daemon's layer words (moby distribution/push_v2.go; the containerd store adds some).
LAYER_STATES = ("Preparing", "Waiting", "Pushing", "Pushed", "Layer already exists",
                "Mounted from", "Already exists", "Retrying", "Unavailable")


@dataclass(frozen=True)
class PushStarted:
    reference: str
    registry: str


@dataclass(frozen=True)
class PushLayer:
    reference: str
    layer_id: str
    status: str  # one of LAYER_STATES (Mounted from keeps its repository)
    current: int = 0
    total: int = 0

    @property
    def finished(self) -> bool:
        return self.status.startswith(("Pushed", "Layer already exists", "Mounted from",
                                       "Already exists"))


@dataclass(frozen=True)
class PushLine:
    reference: str
    text: str


@dataclass(frozen=True)
class PushDone:
    reference: str
    digest: str
    size: int | None


@dataclass(frozen=True)
class PushFailed:
    reference: str
    message: str
    needs_login: bool = False  # a (new) login would help: unauthorized


@dataclass(frozen=True)
class PushCancelled:
    reference: str


PushEvent = PushStarted | PushLayer | PushLine | PushDone | PushFailed | PushCancelled


def registry_of(reference: str) -> str:
    return parse(reference).domain


def qualification_problem(reference: str, intended: str | None = None) -> str | None:
    """Why a name would not go where the user means (the beginner trap), or None."""
    try:
        ref = parse(reference)
    except InvalidReference as exc:
        return str(exc)
    if intended and ref.domain != intended:
        return (f"“{reference}” would go to {ref.domain}, not to {intended}: a push goes to "
                f"the registry named at the start. Tag it as {intended}/"
                f"{ref.path.removeprefix('library/')}:{ref.tag or 'latest'} first.")
    if ref.domain == DEFAULT_DOMAIN and ref.path.startswith("library/"):
        return (f"“{reference}” names no registry and no account, so it would go to Docker "
                f"Hub's official images, where nobody but Docker may push. Tag it as "
                f"yourid/{ref.familiar_name}:{ref.tag or 'latest'} (your Docker ID first) or "
                f"registry-host:port/{ref.familiar_name} for another registry.")
    return None


def parse_push_line(reference: str, obj: Mapping[str, Any]) -> PushEvent | None:
    status = str(obj.get("status") or "").strip()
    layer = obj.get("id")
    if not status:
        return None
    if isinstance(layer, str) and status.startswith(LAYER_STATES):
        detail = obj.get("progressDetail") or {}
        return PushLayer(reference, layer, status, int(detail.get("current") or 0),
                         int(detail.get("total") or 0))
    if m := _FINAL.match(status):
        return PushDone(reference, m.group("digest"),
                        int(m.group("size")) if m.group("size") else None)
    return PushLine(reference, status)


@dataclass
class PushRun:
    """Iterate to push each reference in turn; ``cancel()`` stops the current one and
    the rest. ``logins`` (registry → auth) override the user's stored credentials;
    ``sources`` names, for a reference to push, the image to tag with it first
    (pushing one image to several registries in one go)."""

    engine: Engine
    references: Sequence[str]
    credentials: Credentials | None = None
    logins: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)  # new ref → image to tag first
    _canceller: StreamCanceller = field(default_factory=StreamCanceller, repr=False)

    def __repr__(self) -> str:  # never show logins
        return f"PushRun({list(self.references)!r})"

    @property
    def cancelled(self) -> bool:
        return self._canceller.cancelled

    def cancel(self) -> None:
        self._canceller.cancel()

    def _auth_for(self, registry: str) -> dict[str, str]:
        if registry in self.logins:
            return dict(self.logins[registry])
        if self.credentials is not None:
            return self.credentials.lookup(registry) or {}
        return {}  # docker/docker-py#3348: never None, or the push may end in EOF

    def __iter__(self) -> Iterator[PushEvent]:
        for reference in self.references:
            if self.cancelled:
                yield PushCancelled(reference)
                continue
            yield from self._push_one(reference)

    def _push_one(self, reference: str) -> Iterator[PushEvent]:
        try:
            registry = registry_of(reference)
        except InvalidReference as exc:
            yield PushFailed(reference, str(exc))
            return
        yield PushStarted(reference, registry)
        try:
            auth = self._auth_for(registry)
        except CredentialsError as exc:
            yield PushFailed(reference, str(exc))
            return
        repository, tag = split_tag(reference)
        if reference in self.sources:
            try:
                self.engine.api.tag(self.sources[reference], repository, tag)
            except docker.errors.APIError as exc:
                yield PushFailed(reference, explain(exc))
                return
            yield PushLine(reference, f"Tagged {self.sources[reference]} as {reference}")
        # No read timeout: a registry may stay silent a long while mid-upload.
        api = self.engine.new_client(timeout=None)
        self._canceller.watch(api)
        try:
            try:
                raw = api.push(repository, tag=tag, stream=True, decode=True,
                               auth_config=auth)
            except (docker.errors.DockerException, requests.RequestException) as exc:
                words, login = explain_push_message(explain(exc), registry)
                yield PushFailed(reference, words, login)
                return
            stream = self._canceller.attach(raw)
            done: PushDone | None = None
            try:
                for obj in stream:
                    if "errorDetail" in obj or "error" in obj:
                        detail = obj.get("errorDetail") or {}
                        message = str(detail.get("message") or obj.get("error") or "")
                        words, login = explain_push_message(message, registry)
                        yield PushFailed(reference, words, login)
                        return
                    event = parse_push_line(reference, obj)
                    if isinstance(event, PushDone):
                        done = event
                    elif event is not None:
                        yield event
            except (requests.RequestException, OSError, ValueError, AttributeError) as exc:
                if not self.cancelled:
                    yield PushFailed(reference, explain(exc))
                    return
            if self.cancelled:
                yield PushCancelled(reference)
            elif done is not None:
                yield done
            else:
                yield PushFailed(reference, "The engine ended the push without a digest, so it "
                                 "may not have completed. Push again.")
        finally:
            self._canceller.detach()
            api.close()
