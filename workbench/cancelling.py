"""The cancel half of a streamed engine call (build, pull, push).

The docker SDK's streaming calls return a plain generator with no way to stop
it. We catch the HTTP response with a requests hook as the call starts, wrap
the generator in the SDK's ``CancellableStream``, and ``cancel()`` from any
thread shuts that response's socket: the engine sees the connection drop and
stops. A cancel that comes before the response exists is remembered and
applied the moment the stream is attached.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import docker
import requests
from docker.types import CancellableStream


class StreamCanceller:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._response: requests.Response | None = None
        self._stream: CancellableStream | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def watch(self, api: docker.APIClient) -> None:
        """Catch the responses of calls made on ``api`` (a client of the run's own)."""
        api.hooks["response"].append(self._on_response)

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._response = response

    def attach(self, raw: Iterator[Any]) -> CancellableStream:
        """Wrap the call's generator; it is closed at once if cancel() came first."""
        assert self._response is not None, "watch() the client before the call"
        stream = CancellableStream(raw, self._response)
        with self._lock:
            self._stream = stream
            early = self._cancelled
        if early:
            close_quietly(stream)
        return stream

    def detach(self) -> None:
        with self._lock:
            self._stream = None

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            stream = self._stream
        if stream is not None:
            close_quietly(stream)


def close_quietly(stream: CancellableStream) -> None:
    # The socket may already be gone; the run is cancelled either way.
    with contextlib.suppress(Exception):
        stream.close()
