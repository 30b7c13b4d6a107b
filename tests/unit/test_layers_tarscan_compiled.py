"""The compiled layer scanner (``_native.c``) against the pure-Python one, field by
field, on generated archives cut into random pieces, and on the awkward cases."""

from __future__ import annotations

import contextlib
import gzip
import io
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import xxhash
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_layers_tarscan import archives, chunked, layer_tar, wire_of
from workbench.layers import native
from workbench.layers.archive import ExportError, entry_of, read_layer
from workbench.layers.load import BufferPool, Prefetch, dechunk_native, native_reader
from workbench.layers.model import Entry, Kind
from workbench.layers.tarscan import Member, Source, TarError

if TYPE_CHECKING:  # the stub's alias; the compiled module has no such name
    from workbench.layers._native import EntryFields


def both(blob: bytes, sizes: list[int]) -> tuple[list[Entry], list[Entry]]:
    def read(compiled: bool) -> list[Entry]:
        return read_layer(Member(Source(chunked(blob, sizes)), len(blob)), compiled=compiled)
    return read(True), read(False)


def test_the_compiled_scanner_is_built() -> None:
    # The app runs without it (same results, slower); the test setup must not, or the
    # benchmarks and these tests would measure and check the fallback only.
    assert native.compiled is not None, (
        "workbench/layers/_native.c was not compiled: install a C compiler and the "
        "Python headers (Debian: gcc python3-dev), then `pip install -e .` again")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(archives(), st.lists(st.integers(1, 1500), min_size=1, max_size=5))
def test_compiled_scanner_reads_what_the_python_one_reads(
        archive_: tuple[bytes, list[object]], sizes: list[int]) -> None:
    fast, reference = both(archive_[0], sizes)
    assert fast == reference
    assert len(reference) == len(archive_[1])  # every generated member is listed


# Names that are clean and names that are not: leading "./" and "/", trailing "/",
# "." and ".." parts, hidden files, whiteouts, non-ASCII and undecodable bytes.
name_parts = st.sampled_from(["a", "usr", "é", "\udc80", "漢", ".", "..", ".wh.x",
                              ".wh..wh..opq", ".hidden", "", "x.y"])
field_names = st.tuples(st.sampled_from(["", "/", "./", "//", "././/"]),
                        st.lists(name_parts, max_size=5).map("/".join),
                        st.sampled_from(["", "/", "//"])).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(
    field_names, st.sampled_from([b"0", b"7", b"5", b"2", b"1", b"3", b"\0", b"x"]),
    st.sampled_from([0, 5, 1 << 40]), st.sampled_from([0o644, 0o4755]),
    st.sampled_from([0, 1000]), st.sampled_from([0, 50]),
    st.sampled_from(["", "target", "../up", "./x/"]),
    st.sampled_from([b"", b"d" * 16])), max_size=8))
def test_compiled_entries_are_entry_of(fields: list[EntryFields]) -> None:
    """The C fast path of ``entry_of`` gives the same entries, of the same types, with
    strings in canonical form (a non-canonical str would compare unequal)."""
    assert native.compiled is not None
    fast = native.compiled.entries(fields, Entry, (Kind.FILE, Kind.DIR, Kind.SYMLINK),
                                   entry_of)
    reference = [e for f in fields if (e := entry_of(*f)) is not None]
    assert fast == reference
    assert all(type(e) is Entry for e in fast)
    # Hashes agree too, the entries' own (tuples cache theirs from 3.14) and their paths'.
    assert [hash(e) for e in fast] == [hash(e) for e in reference]
    assert {e.path for e in fast} == {e.path for e in reference}


def test_compiled_entries_refuse_what_is_not_a_field_tuple() -> None:
    assert native.compiled is not None
    with pytest.raises(TypeError):
        native.compiled.entries([("a",)], Entry, (Kind.FILE, Kind.DIR, Kind.SYMLINK),
                                entry_of)
    with pytest.raises(TypeError):
        native.compiled.entries([], dict, (Kind.FILE, Kind.DIR, Kind.SYMLINK), entry_of)


@pytest.mark.parametrize("sizes", [[1], [511, 2], [513], [100_000]])
def test_long_names_global_pax_and_big_numbers(sizes: list[int]) -> None:
    buf = io.BytesIO()
    long = "deep/" * 40 + "name.txt"
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(long)
        info.uid = 3_000_000_000  # base-256 in a GNU header
        info.size = 700
        tar.addfile(info, io.BytesIO(b"y" * 700))
        link = tarfile.TarInfo("l")
        link.type = tarfile.SYMTYPE
        link.linkname = "target/" * 30
        tar.addfile(link)
    fast, reference = both(buf.getvalue(), sizes)
    assert fast == reference
    assert fast[0].path == "/" + long and fast[0].uid == 3_000_000_000
    assert fast[0].digest == xxhash.xxh3_128(b"y" * 700).digest()
    assert fast[1].link == "target/" * 30

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"uid": "77", "comment": "global"}) as tar:
        for name in ("a", "b"):
            info = tarfile.TarInfo(name)
            info.size = 3
            tar.addfile(info, io.BytesIO(b"abc"))
    fast, reference = both(buf.getvalue(), sizes)
    assert fast == reference
    assert [e.uid for e in fast] == [77, 77]


def test_old_style_directories_and_other_types() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        old_dir = tarfile.TarInfo("olddir/")
        old_dir.type = tarfile.AREGTYPE
        tar.addfile(old_dir)
        fifo = tarfile.TarInfo("fifo")
        fifo.type = tarfile.FIFOTYPE
        tar.addfile(fifo)
        contiguous = tarfile.TarInfo("contiguous")
        contiguous.type = tarfile.CONTTYPE
        contiguous.size = 4
        tar.addfile(contiguous, io.BytesIO(b"data"))
    fast, reference = both(buf.getvalue(), [37])
    assert fast == reference
    assert [(e.path, e.kind) for e in fast] == [
        ("/olddir", Kind.DIR), ("/fifo", Kind.OTHER), ("/contiguous", Kind.FILE)]


def test_a_cut_archive_lists_the_same_and_a_bad_checksum_is_refused() -> None:
    data = layer_tar([("a", b"x" * 3000), ("b", b"y" * 3000)])
    for cut in (700, 1500, 2100, 4000):
        fast, reference = both(data[:cut], [333])
        assert fast == reference
    broken = bytearray(data)
    broken[0] ^= 0xFF
    for compiled in (True, False):
        with pytest.raises(ExportError, match="checksum"):
            read_layer(Member(Source([bytes(broken)]), len(broken)), compiled=compiled)


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_compressed_layers(compress: str) -> None:
    raw = layer_tar([("etc", None), ("etc/a", b"hello" * 1000), ("etc/.wh.b", b"")])
    blob = gzip.compress(raw) if compress == "gzip" else zstandard.ZstdCompressor().compress(raw)
    fast, reference = both(blob, [999])
    assert fast == reference
    assert [e.kind for e in fast] == [Kind.DIR, Kind.FILE, Kind.WHITEOUT]


def test_the_scanner_keeps_no_view_of_what_it_was_fed() -> None:
    assert native.compiled is not None
    scanner = native.compiled.Scanner(xxhash.xxh3_128, xxhash.xxh3_128_digest, TarError)
    data = bytearray(layer_tar([("big", b"z" * 5000)]))
    scanner.feed(memoryview(data)[:1000])  # a file cut by the piece: hashed in parts
    scanner.feed(memoryview(data)[1000:])
    scanner.finish()
    (entry,) = scanner.take()
    assert entry[0] == "big" and entry[7] == xxhash.xxh3_128(b"z" * 5000).digest()
    data.extend(b"more")  # raises BufferError if a view of it were still held


# The compiled reader of the engine's chunked export stream, on a real socket pair.

@contextlib.contextmanager
def served(wire: bytes, step: int = 7777, close: bool = False) -> Iterator[socket.socket]:
    """Our end of a socket pair whose other end sends ``wire`` (then closes, or waits)."""
    ours, theirs = socket.socketpair()

    def send() -> None:
        for i in range(0, len(wire), step):
            theirs.sendall(wire[i:i + step])
        if close:
            theirs.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    try:
        yield ours
    finally:
        thread.join(timeout=5)
        ours.close()
        theirs.close()


def _read_all(sock: socket.socket, size: int = 100_000) -> bytes:
    with sock.makefile("rb") as fp:
        reader = native_reader(fp)
        assert reader is not None, "a plain socket gets the compiled reader"
        pool = BufferPool(3, size)
        stream = Prefetch(dechunk_native(fp, reader, pool.take), pool, depth=1)
        return b"".join(bytes(piece) for piece in stream)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=70_000), max_size=12), st.integers(1, 9000),
       st.integers(600, 200_000))
def test_compiled_chunked_reader_gives_the_payload(pieces: list[bytes], step: int,
                                                   size: int) -> None:
    wire = wire_of(pieces)
    with served(wire, step) as sock:
        assert _read_all(sock, size) == b"".join(pieces)


def test_compiled_chunked_reader_errors() -> None:
    cut = served(b"10\r\n0123456789", close=True)  # cut inside a chunk
    with cut as sock, pytest.raises(ConnectionError, match="ended in the middle"):
        _read_all(sock)
    with served(b"zz\r\nabc") as sock, pytest.raises(ConnectionError, match="bad size line"):
        _read_all(sock)  # not chunked at all
    with served(b"4\r\nabcd\r\n") as sock:  # the engine goes quiet; the socket has a timeout
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError, match="stopped sending"):
            _read_all(sock)


def test_a_shutdown_from_another_thread_ends_a_waiting_read() -> None:
    # What cancelling a layer load does (docker-py's CancellableStream.close).
    failures: list[BaseException] = []
    with served(b"4\r\nabcd\r\n") as sock:  # then nothing: the reader waits in recv()

        def read() -> None:
            try:
                _read_all(sock)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(exc)

        reading = threading.Thread(target=read)
        reading.start()
        time.sleep(0.2)
        sock.shutdown(socket.SHUT_RDWR)
        reading.join(timeout=5)
        assert not reading.is_alive()
    assert failures and isinstance(failures[0], ConnectionError)


def test_tls_and_other_transports_keep_the_python_reader() -> None:
    class NotASocket:
        raw = type("Raw", (), {"_sock": object()})()

    assert native_reader(NotASocket()) is None


def test_what_the_buffered_reader_holds_comes_first_even_over_several_buffers() -> None:
    pieces = [bytes([i]) * 300 for i in range(20)]
    wire = wire_of(pieces)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(wire)  # all of it waits in the socket: the first read takes 8 kB
        assert len(wire) < 8192
        assert _read_all(ours, size=600) == b"".join(pieces)  # ~11 buffers of read-ahead


def test_an_absurd_member_size_is_refused_not_overflowed() -> None:
    info = tarfile.TarInfo("huge")
    info.size = (1 << 63) - 1  # base-256 in a GNU header: "size + padding" would overflow
    blob = info.tobuf(tarfile.GNU_FORMAT) + bytes(1024)
    with pytest.raises(ExportError, match="implausibly large"):
        read_layer(Member(Source([blob]), len(blob)), compiled=True)
