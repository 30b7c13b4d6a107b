"""Read ``docker save`` output in one pass, straight from the engine's stream.

Nothing is written to disk and no file's contents are kept: every layer tar is read
as a nested tar stream (``tarfile`` ``r|``) inside the outer stream, each regular
file's bytes are hashed as they go by, and only metadata stays. Both layouts are
understood: the legacy one (``<id>/layer.tar`` + ``manifest.json``, Engine ≤ 24) and
the OCI layout Engine 25+ writes (``blobs/sha256/<digest>``, sniffed by content),
with plain, gzip and zstd layer blobs.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import tarfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal, Protocol

from workbench.layers.model import META_PREFIX, OPAQUE_MARKER, WHITEOUT_PREFIX, Entry, Kind

READ_SIZE = 1 << 20  # hashing granularity; large reads keep Python overhead per byte low
TAR_BUFSIZE = 1 << 16
JSON_LIMIT = 64 << 20  # a config or manifest is kilobytes; refuse to hold anything bigger
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class ExportError(ValueError):
    """The stream is not an image archive we can read (message says what and why)."""


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


class ChunkReader:
    """A read-only file over an iterator of byte chunks (the SDK's export generator)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._chunk = memoryview(b"")
        self._pos = 0
        self.bytes_read = 0

    def _fill(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._chunk = memoryview(chunk)
                self._pos = 0
                return True
        return False

    def read(self, n: int = -1, /) -> bytes:
        parts: list[bytes] = []
        want = n if n is not None and n >= 0 else None
        while want is None or want > 0:
            if self._pos >= len(self._chunk) and not self._fill():
                break
            end = len(self._chunk) if want is None else min(len(self._chunk), self._pos + want)
            piece = self._chunk[self._pos:end]
            self._pos = end
            parts.append(bytes(piece))
            if want is not None:
                want -= len(piece)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self.bytes_read += len(data)
        return data


class _Peeked:
    """Serve some already-read head bytes, then the rest of the underlying file."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = head
        self._rest = rest

    def read(self, n: int = -1, /) -> bytes:
        if self._head:
            if n is None or n < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:n], self._head[n:]
            if len(data) < n:
                data += self._rest.read(n - len(data))
            return data
        return self._rest.read(n)


def _read_exact(f: Readable, n: int) -> bytes:
    parts = []
    while n > 0:
        piece = f.read(n)
        if not piece:
            break
        parts.append(piece)
        n -= len(piece)
    return b"".join(parts)


def clean_path(name: str) -> str:
    """Absolute, normalised ("./etc//x/" → "/etc/x"); "/" for the root entry."""
    return posixpath.normpath("/" + name.lstrip("/")) if name else "/"


def entry_from_member(member: tarfile.TarInfo, digest: bytes = b"") -> Entry | None:
    path = clean_path(member.name)
    if path == "/":
        return None  # dive skips "." too
    parent, base = posixpath.split(path)

    def make(p: str, kind: Kind, link: str = "", content: bytes = b"") -> Entry:
        # Permission bits only: writers differ on putting file-type bits into the header.
        return Entry(path=p, kind=kind, size=member.size, mode=member.mode & 0o7777,
                     uid=member.uid, gid=member.gid, link=link, digest=content,
                     typeflag=member.type.decode("latin-1") or "0", name=base)

    if base == OPAQUE_MARKER:
        return make(parent, Kind.OPAQUE)
    if base.startswith(META_PREFIX):
        return make(path, Kind.META)
    if base.startswith(WHITEOUT_PREFIX):
        return make(posixpath.join(parent, base[len(WHITEOUT_PREFIX):]), Kind.WHITEOUT)
    if member.isdir():
        return make(path, Kind.DIR)
    if member.issym():
        return make(path, Kind.SYMLINK, link=member.linkname)
    if member.islnk():
        return make(path, Kind.HARDLINK, link=clean_path(member.linkname))
    if member.isreg():
        return make(path, Kind.FILE, content=digest)
    return make(path, Kind.OTHER)


def _stream_tar(source: Any, mode: Literal["r|", "r|gz"] = "r|") -> tarfile.TarFile:
    # The caller closes it (``with``); tarfile's stubs do not know stream modes take any
    # object with read().
    tar: tarfile.TarFile = tarfile.open(  # noqa: SIM115
        fileobj=source, mode=mode, bufsize=TAR_BUFSIZE)
    return tar


def _forget_members(tar: tarfile.TarFile) -> None:
    """Stream mode appends every TarInfo to ``members``; drop them to stay flat."""
    members: list[tarfile.TarInfo] = tar.members  # type: ignore[attr-defined]
    members.clear()


def _open_tar_stream(f: Readable) -> tarfile.TarFile:
    """A streaming tar reader over plain, gzip or zstd bytes (sniffed by magic)."""
    head = _read_exact(f, 4)
    source: Readable = _Peeked(head, f)
    if head.startswith(GZIP_MAGIC):
        return _stream_tar(source, "r|gz")
    if head == ZSTD_MAGIC:
        try:
            import zstandard
        except ImportError as exc:  # pragma: no cover - zstandard is a dependency
            raise ExportError("This image has zstd-compressed layers and the `zstandard` "
                              "package is missing: install it (pip install zstandard).") from exc
        source = zstandard.ZstdDecompressor().stream_reader(source,  # type: ignore[arg-type]
                                                             read_size=READ_SIZE)
    return _stream_tar(source)


def read_layer(f: Readable) -> list[Entry]:
    """Every entry of one layer tar, hashing regular files' bytes as they stream by."""
    entries: list[Entry] = []
    try:
        tar = _open_tar_stream(f)
    except tarfile.ReadError:
        return entries  # an empty blob: a layer with no entries
    with tar:
        while True:
            try:
                member = tar.next()
            except tarfile.ReadError as exc:
                raise ExportError(f"A layer of the image is not a readable tar ({exc}).") from exc
            if member is None:
                break
            digest = b""
            if member.isreg():
                content = tar.extractfile(member)
                assert content is not None
                h = hashlib.sha1(usedforsecurity=False)  # identity, not security
                while chunk := content.read(READ_SIZE):
                    h.update(chunk)
                digest = h.digest()
            entry = entry_from_member(member, digest)
            if entry is not None:
                entries.append(entry)
            _forget_members(tar)
    return entries


@dataclass
class ExportProgress:
    """One archive member done; ``bytes_read`` of the export consumed so far."""

    member: str
    bytes_read: int
    layers_read: int


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

    def entries_for(self, path: str) -> list[Entry] | None:
        """A layer's entries (following a legacy duplicate-layer symlink); None if skipped."""
        seen = set()
        while path in self.links and path not in seen:
            seen.add(path)
            path = self.links[path]
        if path in self.skipped:
            return None
        if path not in self.layers:
            raise ExportError(f"The export names layer {path!r} but does not contain it.")
        return self.layers[path]


def _is_layer_name(name: str) -> bool:
    return name.endswith((".tar", ".tar.gz", ".tgz", ".tar.zst"))


def read_export(source: Readable | Iterable[bytes],
                skip: Callable[[str], bool] = lambda name: False,
                ) -> Iterator[ExportProgress | ExportContents]:
    """One pass over a ``docker save`` stream: progress items, then the ``ExportContents``.

    ``skip(name)`` is asked for each layer member; a True answer lets its bytes go by
    unparsed (the caller has that layer indexed already).
    """
    reader: Any = source if hasattr(source, "read") else ChunkReader(source)
    contents = ExportContents()
    with _stream_tar(reader) as outer:
        while True:
            try:
                member = outer.next()
            except tarfile.ReadError as exc:
                raise ExportError(f"The engine's export is not a tar archive ({exc}).") from exc
            if member is None:
                break
            _forget_members(outer)
            name = clean_path(member.name).lstrip("/")
            if member.issym() and _is_layer_name(name):
                # Legacy saves store a layer seen twice as a symlink to the first copy.
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name),
                                                           member.linkname))
                contents.links[name] = target
            elif member.isreg():
                _read_member(outer, member, name, contents, skip)
            yield ExportProgress(name, getattr(reader, "bytes_read", 0), len(contents.layers))
    if "manifest.json" not in contents.json_files:
        raise ExportError("The export has no manifest.json: it is not a `docker save` archive.")
    yield contents


def _read_member(outer: tarfile.TarFile, member: tarfile.TarInfo, name: str,
                 contents: ExportContents, skip: Callable[[str], bool]) -> None:
    f: IO[bytes] | None = outer.extractfile(member)
    assert f is not None
    if _is_layer_name(name):
        if skip(name):
            contents.skipped.add(name)
        else:
            contents.layers[name] = read_layer(f)
        return
    if name.endswith(".json") or name in ("repositories", "oci-layout") \
            or name.startswith("sha256:"):
        if member.size <= JSON_LIMIT:
            contents.json_files[name] = _parse_json(f.read())
        return
    if name.startswith("blobs/"):
        # OCI layout: configs, manifests and layers all live here; tell them by content.
        head = _read_exact(f, 512)
        stripped = head.lstrip()
        if stripped[:1] in (b"{", b"[") and member.size <= JSON_LIMIT:
            contents.json_files[name] = _parse_json(head + f.read())
        elif skip(name):
            contents.skipped.add(name)
        elif (head.startswith((GZIP_MAGIC, ZSTD_MAGIC)) or head[257:262] == b"ustar"
              or (len(head) == 512 and not head.strip(b"\0"))):
            contents.layers[name] = read_layer(_Peeked(head, f))


def _parse_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None  # not ours to understand (an unknown blob); never fatal
