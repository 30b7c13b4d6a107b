"""A step's output lines, stored compactly."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from workbench.build.events import Stream

_STREAMS: tuple[Stream, Stream] = ("stdout", "stderr")


class OutputLines:
    """Texts plus one byte per line for the stream it came on.

    Not a list of ``(text, stream)`` tuples: 200,000 tuples are 200,000 objects
    the cyclic garbage collector walks on every full collection (40-50 ms each,
    on the GUI thread), while strings and a bytearray are not tracked at all.
    """

    __slots__ = ("_streams", "texts")

    def __init__(self, lines: Iterable[tuple[str, Stream]] = ()) -> None:
        self.texts: list[str] = []
        self._streams = bytearray()
        for text, stream in lines:
            self.append(text, stream)

    def append(self, text: str, stream: Stream) -> None:
        self.texts.append(text)
        self._streams.append(stream == "stderr")

    def extend(self, texts: Iterable[str], stream: Stream) -> None:
        before = len(self.texts)
        self.texts.extend(texts)
        added = len(self.texts) - before
        self._streams.extend(b"\x01" * added if stream == "stderr" else bytes(added))

    def stream(self, row: int) -> Stream:
        return _STREAMS[self._streams[row]]

    def __len__(self) -> int:
        return len(self.texts)

    def __bool__(self) -> bool:
        return bool(self.texts)

    def __getitem__(self, row: int) -> tuple[str, Stream]:
        return self.texts[row], _STREAMS[self._streams[row]]

    def __iter__(self) -> Iterator[tuple[str, Stream]]:
        return zip(self.texts, (_STREAMS[b] for b in self._streams), strict=True)

    def __repr__(self) -> str:
        return f"OutputLines({len(self.texts)} lines)"
