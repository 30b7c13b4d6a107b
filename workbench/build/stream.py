"""Parse the classic builder's stream (``APIClient.build(decode=True)``).

The ``stream`` texts are not line-aligned, so text is buffered until a
newline. RUN's stderr arrives wrapped in ``ESC[91m`` … ``ESC[0m``, and the
reset often lands at the start of the next daemon line, so colour state is
tracked across chunks. Errors arrive inside an HTTP-200 stream: a stream
that ends without a success line is a failure, never a success.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from workbench.build.events import (
    BuildEvent,
    BuildFailed,
    BuildSucceeded,
    ContainerRemoved,
    ContainerStarted,
    DaemonWarning,
    LayerCommitted,
    Output,
    PullProgress,
    StageFinished,
    StepStarted,
    Stream,
    UsingCache,
)

_STEP = re.compile(r"^Step (\d+)/(\d+) : ?(.*)$", re.S)
_RUNNING = re.compile(r"^ ---> Running in ([0-9a-f]{12,64})\s*$")
_REMOVED_NEW = re.compile(r"^ ---> Removed intermediate container ([0-9a-f]{12,64})\s*$")
_REMOVED_OLD = re.compile(r"^Removing intermediate container ([0-9a-f]{12,64})\s*$")
_LAYER = re.compile(r"^ ---> ([0-9a-f]{12,64})\s*$")
_CACHE = re.compile(r"^ ---> Using cache\s*$")
_WARNING = re.compile(r"^ ---> \[Warning\] (.*)$")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]{12,64})\s*$")
_TAGGED = re.compile(r"^Successfully tagged (\S+)\s*$")
_COLOUR = re.compile(r"(\x1b\[91m|\x1b\[0m)")

_DAEMON_PREFIXES = (" ---> ", "Step ", "Removing intermediate container ",
                    "Successfully built ", "Successfully tagged ")

_DAEMON_FIRST_CHARS = frozenset(" SR[")  # every daemon line starts with one of these
# A line after the first that may be one of the builder's (a literal first
# character keeps the search fast: 10 µs, not 100, on a 700-line message).
_DAEMONISH_LATER = re.compile("\n[" + re.escape("".join(sorted(_DAEMON_FIRST_CHARS))) + "]")

STDERR_ON = "\x1b[91m"
STDERR_OFF = "\x1b[0m"


def decode_json_lines(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The engine's newline-delimited JSON messages, from raw HTTP chunks.

    docker-py's own decoder re-slices its whole buffer after every object
    (quadratic on big chunks, and heavy on the GIL the GUI thread needs); the
    daemon ends every message with a newline, so splitting on it is enough.
    """
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        lines = [line for line in complete if line.strip()]
        if not lines:
            continue
        try:
            # One call into the C decoder for the whole chunk, not one per message.
            yield from json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError:
            for line in lines:
                yield from _decode_line(line)
    if pending.strip():
        yield from _decode_line(pending)


def _decode_line(line: bytes) -> Iterator[dict[str, Any]]:
    text = line.decode("utf-8", "replace")
    try:
        yield json.loads(text)
    except ValueError:
        # Not one object per line after all: fall back to decoding them in sequence.
        decoder = json.JSONDecoder()
        text = text.strip()
        while text:
            obj, end = decoder.raw_decode(text)
            yield obj
            text = text[end:].lstrip()


class BuildStreamParser:
    """Feed decoded stream objects in; typed events come out."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buffer = ""
        self._buffer_has_stderr = False
        self._in_stderr = False
        self._held = ""  # the start of a colour code whose end is in the next chunk
        self.step = 0
        self.total = 0
        self.built_id: str | None = None
        self.final_id: str | None = None
        self.tags: list[str] = []
        self.failure: BuildFailed | None = None

    def feed(self, obj: Mapping[str, Any]) -> list[BuildEvent]:
        events: list[BuildEvent] = []
        if "stream" in obj:
            events.extend(self._feed_text(str(obj["stream"])))
        if "errorDetail" in obj or "error" in obj:
            self._flush(events)
            detail = obj.get("errorDetail") or {}
            message = str(detail.get("message") or obj.get("error") or "unknown error")
            code = detail.get("code")
            failed = BuildFailed(self.step, self._clock(), message.strip(),
                                 int(code) if isinstance(code, int) else None)
            self.failure = failed
            events.append(failed)
        if "status" in obj:
            detail = obj.get("progressDetail") or {}
            events.append(PullProgress(
                self.step, self._clock(), str(obj.get("id", "")), str(obj["status"]),
                _int_or_none(detail.get("current")), _int_or_none(detail.get("total")),
            ))
        aux = obj.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            self.final_id = aux["ID"]
            events.append(StageFinished(self.step, self._clock(), aux["ID"]))
        return events

    def feed_all(self, objs: Iterable[Mapping[str, Any]]) -> Iterator[BuildEvent]:
        for obj in objs:
            yield from self.feed(obj)
        yield from self.finish()

    def finish(self) -> list[BuildEvent]:
        """End of stream: flush, then say how the build ended."""
        events = self._flush()
        if self.failure is not None:
            return events
        image_id = self.final_id or self.built_id
        if image_id and self.built_id is not None:
            events.append(BuildSucceeded(self.step, self._clock(), image_id, tuple(self.tags)))
        else:
            failed = BuildFailed(
                self.step, self._clock(),
                "The engine ended the build without reporting success "
                "(the connection was lost or the engine stopped).", None)
            self.failure = failed
            events.append(failed)
        return events

    def _feed_text(self, text: str) -> list[BuildEvent]:
        events: list[BuildEvent] = []
        # The common case of a fast stream: whole, uncoloured lines.
        if not self._buffer and not self._held and text.endswith("\n") and "\x1b" not in text:
            self._lines(text[:-1].split("\n"), self._in_stderr, events)
            return events
        text = self._held + text
        self._held = ""
        # A colour code split across two chunks must not leak into the text.
        cut = text.rfind("\x1b")
        if cut != -1 and cut > len(text) - len(STDERR_ON) and (
                STDERR_ON.startswith(text[cut:]) or STDERR_OFF.startswith(text[cut:])):
            text, self._held = text[:cut], text[cut:]
        # Output that ended without a newline must not swallow the daemon's
        # next line: the builder's own lines always start a new message.
        if self._buffer and text.removeprefix(STDERR_OFF).startswith(_DAEMON_PREFIXES):
            self._flush(events)
        for piece in _COLOUR.split(text):
            if piece == STDERR_ON:
                self._in_stderr = True
                continue
            if piece == STDERR_OFF:
                self._in_stderr = False
                if self._buffer_has_stderr:  # one stderr write ends here
                    self._flush(events)
                continue
            if not piece:
                continue
            *complete, rest = piece.split("\n")
            if complete:
                first = self._buffer + complete[0]
                first_err = self._buffer_has_stderr or (self._in_stderr and bool(complete[0]))
                self._buffer, self._buffer_has_stderr = "", False
                self._lines([first], first_err, events)
                self._lines(complete[1:], self._in_stderr, events)
            if rest:
                self._buffer += rest
                self._buffer_has_stderr |= self._in_stderr
        return events

    def _flush(self, events: list[BuildEvent] | None = None) -> list[BuildEvent]:
        events = [] if events is None else events
        if self._held:
            self._buffer += self._held
            self._held = ""
        if self._buffer:
            line, err = self._buffer, self._buffer_has_stderr
            self._buffer, self._buffer_has_stderr = "", False
            self._lines([line], err, events)
        return events

    def _lines(self, lines: list[str], is_stderr: bool, events: list[BuildEvent]) -> None:
        """Whole lines of one stream: the builder's own become their events, runs of
        output become one ``Output`` each (joined to the previous one if it matches)."""
        if not lines:
            return
        now = self._clock()
        stream: Stream = "stderr" if is_stderr else "stdout"
        joined = "\n".join(lines) if len(lines) > 1 else lines[0]
        if is_stderr or not (joined[:1] in _DAEMON_FIRST_CHARS
                             or _DAEMONISH_LATER.search(joined)):
            # Only RUN's output: no Python loop over the lines (the worker's time
            # holding the GIL is time the GUI thread waits for every call into Python).
            if "\r" in joined:
                lines = [line.rstrip("\r") for line in lines]
            self._output(events, self.step, now, lines, stream)
            return
        block: list[str] = []
        for line in lines:
            if line.endswith("\r"):
                line = line.rstrip("\r")
            if not line or line[0] not in _DAEMON_FIRST_CHARS:  # stderr took the path above
                block.append(line)
                continue
            step = self.step
            event = self._daemon_line(line, now)
            if isinstance(event, _Plain):
                block.append(line)
                continue
            if block:
                self._output(events, step, now, block, stream)
                block = []
            if event is not None:
                events.append(event)
        if block:
            self._output(events, self.step, now, block, stream)

    @staticmethod
    def _output(events: list[BuildEvent], step: int, now: float, block: list[str],
                stream: Stream) -> None:
        last = events[-1] if events else None
        if isinstance(last, Output) and last.step == step and last.stream == stream:
            events[-1] = Output(step, last.at, (*last.lines, *block), stream)
        else:
            events.append(Output(step, now, tuple(block), stream))

    def _daemon_line(self, line: str, now: float) -> BuildEvent | _Plain | None:
        """The event a builder line stands for; None for the ones only remembered;
        ``_PLAIN`` for output that merely looks like the builder's."""
        if m := _STEP.match(line):
            self.step, self.total = int(m.group(1)), int(m.group(2))
            return StepStarted(self.step, now, self.total, m.group(3).strip())
        if _CACHE.match(line):
            return UsingCache(self.step, now)
        if m := _RUNNING.match(line):
            return ContainerStarted(self.step, now, m.group(1))
        if m := _REMOVED_NEW.match(line) or _REMOVED_OLD.match(line):
            return ContainerRemoved(self.step, now, m.group(1))
        if m := _LAYER.match(line):
            return LayerCommitted(self.step, now, m.group(1))
        if m := _WARNING.match(line):
            return DaemonWarning(self.step, now, m.group(1))
        if m := _BUILT.match(line):
            self.built_id = m.group(1)
            return None
        if m := _TAGGED.match(line):
            self.tags.append(m.group(1))
            return None
        if line.startswith("[Warning] "):
            return DaemonWarning(self.step, now, line.removeprefix("[Warning] "))
        return _PLAIN


class _Plain:
    """Marks output that merely looks like one of the builder's own lines."""


_PLAIN = _Plain()


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None
