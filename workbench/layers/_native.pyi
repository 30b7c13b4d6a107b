from collections.abc import Callable
from typing import Any, Protocol

from typing_extensions import Buffer

from workbench.layers.model import Entry, Kind

class _Hasher(Protocol):
    def update(self, data: Buffer, /) -> object: ...
    def digest(self) -> bytes: ...

EntryFields = tuple[str, bytes, int, int, int, int, str, bytes]

def entries(fields: list[EntryFields], entry_type: type[Entry], kinds: tuple[Kind, Kind, Kind],
            fallback: Callable[..., Entry | None], /) -> list[Entry]:
    """``entry_of`` over every field tuple: clean names in C, the rest by ``fallback``."""

class Scanner:
    """A layer tar read piece by piece (see _native.c)."""

    def __init__(self, new_hasher: Callable[[], _Hasher], digest_of: Callable[[Any], bytes],
                 error: type[Exception]) -> None: ...
    def feed(self, data: Buffer, /) -> None: ...
    def finish(self) -> None: ...
    def take(self) -> list[EntryFields]: ...
    @property
    def ended(self) -> bool: ...

class ChunkedReader:
    """HTTP chunked decoding off a socket, a receive buffer at a time (see _native.c)."""

    def __init__(self, fd: int, timeout: float | None = None) -> None: ...
    def fill(self, buffer: bytearray, have: int, /) -> list[tuple[int, int]]: ...
    @property
    def finished(self) -> bool: ...
