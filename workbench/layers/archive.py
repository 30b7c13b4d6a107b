"""Read ``docker save`` output in one pass, straight from the engine's stream.

Nothing is written to disk and no file's contents are kept: every layer tar is read
as a nested tar stream (``tarscan``) inside the outer stream, each regular
file's bytes are hashed (xxh3-128) as they go by, and only metadata stays. Both layouts are
understood: the legacy one (``<id>/layer.tar`` + ``manifest.json``, Engine ≤ 24) and
the OCI layout Engine 25+ writes (``blobs/sha256/<digest>``, sniffed by content),
with plain, gzip and zstd layer blobs.
"""

from __future__ import annotations

import json
import posixpath
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from xxhash import xxh3_128, xxh3_128_digest

from workbench.layers import native
from workbench.layers.model import META_PREFIX, OPAQUE_MARKER, WHITEOUT_PREFIX, Entry, Kind
from workbench.layers.tarscan import (
    REGULAR_FLAGS,
    Header,
    Member,
    Readable,
    Source,
    TarError,
    members,
)

READ_SIZE = 1 << 20  # hashing granularity; large reads keep Python overhead per byte low
JSON_LIMIT = 64 << 20  # a config or manifest is kilobytes; refuse to hold anything bigger
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class ExportError(ValueError):
    """The stream is not an image archive we can read (message says what and why)."""


def clean_path(name: str) -> str:
    """Absolute, normalised ("./etc//x/" → "/etc/x"); "/" for the root entry."""
    if not name:
        return "/"
    path = "/" + name.lstrip("/")
    if path.endswith("/"):  # every directory's name
        path = path.rstrip("/") or "/"
    # Most names in a layer tar are clean ("usr/lib/x"): skip normpath (pure Python in
    # 3.11, a few µs on each of thousands of entries) unless a part is empty, "." or "..".
    if "//" in path or "/./" in path or "/../" in path or path.endswith(("/.", "/..")):
        return posixpath.normpath(path)
    return path


_KIND_OF_FLAG = {**dict.fromkeys(REGULAR_FLAGS, Kind.FILE), b"5": Kind.DIR,
                 b"2": Kind.SYMLINK, b"1": Kind.HARDLINK}
_FLAG_TEXT = {bytes([c]): chr(c) for c in range(256)}
# Enum members as module constants: ``Kind.X`` is a descriptor look-up (~70 ns in 3.11),
# paid per entry in the loops below.
_FILE, _SYMLINK, _HARDLINK, _OTHER = Kind.FILE, Kind.SYMLINK, Kind.HARDLINK, Kind.OTHER
_WHITEOUT, _OPAQUE, _META = Kind.WHITEOUT, Kind.OPAQUE, Kind.META
_FAST_KINDS = (Kind.FILE, Kind.DIR, Kind.SYMLINK)  # what the compiled ``entries`` makes itself


def make_entry(header: Header, digest: bytes = b"") -> Entry | None:
    """The layer entry for one tar header; None for the root itself (dive skips ".")."""
    return entry_of(header.name, header.typeflag, header.size, header.mode, header.uid,
                    header.gid, header.linkname, digest)


def entry_of(name: str, flag: bytes, size: int, mode: int, uid: int, gid: int, linkname: str,
             digest: bytes = b"") -> Entry | None:
    """``make_entry`` from the fields themselves (what the compiled scanner gives)."""
    path = clean_path(name)
    if path == "/":
        return None
    typeflag = _FLAG_TEXT.get(flag) or flag.decode("latin-1")
    parent, _, base = path.rpartition("/")
    if base.startswith(WHITEOUT_PREFIX):  # every marker starts so; the common case doesn't
        parent = parent or "/"
        if base == OPAQUE_MARKER:
            kind, path = _OPAQUE, parent
        elif base.startswith(META_PREFIX):
            kind = _META
        else:
            kind = _WHITEOUT
            path = posixpath.join(parent, base[len(WHITEOUT_PREFIX):])
        return _entry((path, kind, size, mode, uid, gid, "", b"", typeflag, base))
    kind = _KIND_OF_FLAG.get(flag, _OTHER)
    link = ""
    if kind is _SYMLINK:
        link = linkname
    elif kind is _HARDLINK:
        link = clean_path(linkname)
    return _entry((path, kind, size, mode, uid, gid, link,
                   digest if kind is _FILE else b"", typeflag, base))


def _entry(fields: tuple[str, Kind, int, int, int, int, str, bytes, str, str]) -> Entry:
    # tuple.__new__ skips the NamedTuple's generated __new__ (one per entry of a layer).
    return tuple.__new__(Entry, fields)


def _gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    inflate = zlib.decompressobj(wbits=31)
    for chunk in chunks:
        data = chunk
        while data:
            out = inflate.decompress(data)
            if out:
                yield out
            data = b""
            if inflate.eof and inflate.unused_data:  # concatenated gzip members
                data = inflate.unused_data
                inflate = zlib.decompressobj(wbits=31)
    tail = inflate.flush()
    if tail:
        yield tail


def layer_chunks(data: Member) -> Iterator[bytes] | None:
    """The uncompressed bytes of a gzip or zstd layer member in chunks; None if plain."""
    head = data.peek(4)
    if head.startswith(GZIP_MAGIC):
        return _gunzip(data.chunks(READ_SIZE))
    if head == ZSTD_MAGIC:
        try:
            import zstandard
        except ImportError as exc:  # pragma: no cover - zstandard is a dependency
            raise ExportError("This image has zstd-compressed layers and the `zstandard` "
                              "package is missing: install it (pip install zstandard).") from exc
        reader = zstandard.ZstdDecompressor().stream_reader(data,  # type: ignore[arg-type]
                                                            read_size=READ_SIZE)
        return iter(lambda: reader.read(READ_SIZE), b"")
    return None


def layer_source(data: Member) -> Readable:
    """The uncompressed tar bytes of a layer member (plain, gzip or zstd, by magic)."""
    chunks = layer_chunks(data)
    return data if chunks is None else Source(chunks)


def read_layer(data: Member, compiled: bool = True) -> list[Entry]:
    """Every entry of one layer tar, hashing regular files' bytes as they stream by.

    The compiled scanner (``native.compiled``) is used when it was built; ``compiled=False``
    asks for the pure-Python one, the reference the tests hold it to.
    """
    try:
        if compiled and native.compiled is not None:
            entries = _read_layer_compiled(data)
        else:
            entries = _read_layer_python(data)
    except (TarError, zlib.error) as exc:
        raise ExportError(f"A layer of the image is not a readable tar ({exc}).") from exc
    except Exception as exc:
        if type(exc).__name__ == "ZstdError":
            raise ExportError(f"A zstd layer of the image is corrupt ({exc}).") from exc
        raise
    data.drain()
    return entries


def _read_layer_compiled(data: Member) -> list[Entry]:
    assert native.compiled is not None
    scanner = native.compiled.Scanner(xxh3_128, xxh3_128_digest, TarError)
    chunks = layer_chunks(data)
    if chunks is None:
        data.feed_all(scanner.feed)  # views of the export's own pieces: no copies
    else:
        for chunk in chunks:
            scanner.feed(chunk)
            if scanner.ended:
                break
    scanner.finish()
    entries: list[Entry] = native.compiled.entries(scanner.take(), Entry, _FAST_KINDS, entry_of)
    return entries


def _read_layer_python(data: Member) -> list[Entry]:
    entries: list[Entry] = []
    for header, content in members(layer_source(data)):
        digest = b""
        if header.is_regular:
            # Identity, not security: xxh3 (as dive uses xxhash) runs at ~17 GB/s
            # here against sha1's 1.9, and this hashing competes with the engine
            # for the same cores while the export streams in.
            h = xxh3_128()
            content.feed_all(h.update)
            digest = h.digest()
        entry = make_entry(header, digest)
        if entry is not None:
            entries.append(entry)
    return entries


@dataclass
class ExportProgress:
    """One archive member done; ``bytes_read`` of the export consumed so far."""

    member: str
    bytes_read: int
    layers_read: int
    layers: dict[str, list[Entry]]  # every layer parsed so far, by archive path


@dataclass
class ExportContents:
    """What one pass over an export gives: JSON documents and every layer's entries."""

    json_files: dict[str, Any] = field(default_factory=dict)
    layers: dict[str, list[Entry]] = field(default_factory=dict)  # archive path → entries
    links: dict[str, str] = field(default_factory=dict)  # legacy duplicate layer → original
    skipped: set[str] = field(default_factory=set)  # layers the caller already knew

    @property
    def manifest(self) -> dict[str, Any]:
        manifest = self.json_files.get("manifest.json")
        if not isinstance(manifest, list) or not manifest:
            raise ExportError("The export has no manifest.json: it is not a `docker save` "
                              "archive of one image.")
        return dict(manifest[0])

    @property
    def config(self) -> dict[str, Any]:
        name = str(self.manifest.get("Config", ""))
        config = self.json_files.get(name)
        if not isinstance(config, dict):
            raise ExportError(f"The export's image config {name!r} is missing or unreadable.")
        return config

    @property
    def layer_paths(self) -> list[str]:
        return [str(p) for p in self.manifest.get("Layers") or []]

    def resolve(self, path: str) -> str:
        """Follow legacy duplicate-layer symlinks to the stored copy."""
        seen = set()
        while path in self.links and path not in seen:
            seen.add(path)
            path = self.links[path]
        return path

    def entries_for(self, path: str) -> list[Entry] | None:
        """A layer's entries (following a legacy duplicate-layer symlink); None if skipped."""
        path = self.resolve(path)
        if path in self.skipped:
            return None
        if path not in self.layers:
            raise ExportError(f"The export names layer {path!r} but does not contain it.")
        return self.layers[path]


def _is_layer_name(name: str) -> bool:
    return name.endswith((".tar", ".tar.gz", ".tgz", ".tar.zst"))


def read_export(source: Readable | Iterable[bytes | memoryview] | IO[bytes],
                skip: Callable[[str], bool] = lambda name: False,
                ) -> Iterator[ExportProgress | ExportContents]:
    """One pass over a ``docker save`` stream: progress items, then the ``ExportContents``.

    ``source`` is an iterator of chunks (the SDK's export) or a binary file.
    ``skip(name)`` is asked for each layer member; a True answer lets its bytes go by
    unparsed (the caller has that layer indexed already).
    """
    if hasattr(source, "peek") and hasattr(source, "feed"):
        src: Any = source
    elif hasattr(source, "read"):
        f: Any = source
        src = Source(iter(lambda: f.read(READ_SIZE), b""))
    else:
        src = Source(source)
    contents = ExportContents()
    try:
        for header, data in members(src):
            name = clean_path(header.name).lstrip("/")
            if header.typeflag == b"2" and _is_layer_name(name):
                # Legacy saves store a layer seen twice as a symlink to the first copy.
                contents.links[name] = posixpath.normpath(
                    posixpath.join(posixpath.dirname(name), header.linkname))
            elif header.is_regular:
                _read_member(data, header, name, contents, skip)
            yield ExportProgress(name, getattr(src, "consumed", 0), len(contents.layers),
                                 contents.layers)
    except TarError as exc:
        raise ExportError(f"The engine's export is not a readable tar archive ({exc}).") from exc
    if "manifest.json" not in contents.json_files:
        raise ExportError("The export has no manifest.json: it is not a `docker save` archive.")
    yield contents


def _read_member(data: Member, header: Header, name: str, contents: ExportContents,
                 skip: Callable[[str], bool]) -> None:
    if _is_layer_name(name):
        if skip(name):
            contents.skipped.add(name)
        else:
            contents.layers[name] = read_layer(data)
        return
    if name.endswith(".json") or name in ("repositories", "oci-layout") \
            or name.startswith("sha256:"):
        if header.size <= JSON_LIMIT:
            contents.json_files[name] = _parse_json(data.read())
        return
    if name.startswith("blobs/"):
        # OCI layout: configs, manifests and layers all live here; tell them by content.
        head = data.peek(512)
        if head.lstrip()[:1] in (b"{", b"[") and header.size <= JSON_LIMIT:
            contents.json_files[name] = _parse_json(data.read())
        elif skip(name):
            contents.skipped.add(name)
        elif (head.startswith((GZIP_MAGIC, ZSTD_MAGIC)) or head[257:262] == b"ustar"
              or (len(head) == 512 and not head.strip(b"\0"))):
            contents.layers[name] = read_layer(data)


def _parse_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None  # not ours to understand (an unknown blob); never fatal
