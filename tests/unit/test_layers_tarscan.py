"""The fast tar scanner against Python's tarfile, on generated archives cut into random
chunks; layer compression; whiteouts, opaque directories and dive's quirks."""

from __future__ import annotations

import gzip
import io
import json
import math
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xxhash
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.layers.archive import ExportError, clean_path, read_export, read_layer
from workbench.layers.efficiency import dive_efficiency
from workbench.layers.extract import ExtractError, _inside
from workbench.layers.history import instruction
from workbench.layers.load import BufferPool, Prefetch, dechunk
from workbench.layers.model import Entry, Kind, LayerFiles
from workbench.layers.tarscan import Member, Source, TarError, members

names = st.text(alphabet=st.sampled_from("abcdé_-.x1"), min_size=1, max_size=120).filter(
    lambda n: n not in (".", "..") and not n.startswith(".wh."))


@st.composite
def archives(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str, int, int, str]]]:
    fmt = draw(st.sampled_from([tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT,
                                tarfile.PAX_FORMAT]))
    items = []
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for i in range(draw(st.integers(0, 12))):
            kind = draw(st.sampled_from(["file", "dir", "sym", "link"]))
            folder = draw(names) if fmt != tarfile.USTAR_FORMAT else "d"
            name = f"{folder}/{i}{draw(names)}"[:90 if fmt == tarfile.USTAR_FORMAT else 300]
            info = tarfile.TarInfo(name)
            info.mode = draw(st.sampled_from([0o644, 0o755, 0o4755, 0o1777]))
            info.uid = draw(st.sampled_from([0, 1000, 65534] + (
                [3_000_000] if fmt != tarfile.USTAR_FORMAT else [])))
            data = b""
            if kind == "file":
                data = draw(st.binary(max_size=3000))
                info.size = len(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            else:
                info.type = tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE
                info.linkname = draw(names)[:90 if fmt == tarfile.USTAR_FORMAT else 200]
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
            items.append((name, kind, info.uid, info.mode, info.linkname))
    return buf.getvalue(), items


def chunked(data: bytes, sizes: list[int]) -> list[bytes]:
    out, pos, i = [], 0, 0
    while pos < len(data):
        step = sizes[i % len(sizes)] if sizes else len(data)
        out.append(data[pos:pos + step])
        pos += step
        i += 1
    return out


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(archives(), st.lists(st.integers(1, 1500), min_size=1, max_size=5))
def test_scanner_reads_what_tarfile_reads(archive: tuple[bytes, list[object]],
                                          sizes: list[int]) -> None:
    data, _ = archive
    expected = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            f = tar.extractfile(m) if m.isreg() else None
            content = f.read() if f is not None else b""
            expected.append((m.name, m.type if m.type != tarfile.AREGTYPE else b"0", m.size,
                             m.mode & 0o7777, m.uid, m.gid, m.linkname, content))
    got = []
    for header, member in members(Source(chunked(data, sizes))):
        content = member.read() if header.is_regular else b""
        got.append((header.name.rstrip("/"), header.typeflag, header.size, header.mode,
                    header.uid, header.gid, header.linkname, content))
    assert got == expected


def test_bad_checksum_is_refused() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("x"), io.BytesIO(b""))
    data = bytearray(buf.getvalue())
    data[0] ^= 0xFF
    with pytest.raises(TarError, match="checksum"):
        list(members(Source([bytes(data)])))


def layer_tar(entries: list[tuple[str, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("compress", ["", "gzip", "zstd"])
def test_layer_compression_is_sniffed(compress: str) -> None:
    raw = layer_tar([("etc", None), ("etc/a", b"hello"), ("etc/.wh.b", b""),
                     ("var/.wh..wh..opq", b""), ("var/.wh..wh..plnk", b"")])
    blob = {"": raw, "gzip": gzip.compress(raw),
            "zstd": zstandard.ZstdCompressor().compress(raw)}[compress]
    entries = read_layer(Member(Source(chunked(blob, [7, 300])), len(blob)))
    assert [(e.path, e.kind) for e in entries] == [
        ("/etc", Kind.DIR), ("/etc/a", Kind.FILE), ("/etc/b", Kind.WHITEOUT),
        ("/var", Kind.OPAQUE), ("/var/.wh..wh..plnk", Kind.META)]
    assert entries[1].digest == xxhash.xxh3_128(b"hello").digest()


def test_corrupt_gzip_layer_is_a_clear_error() -> None:
    blob = gzip.compress(layer_tar([("a", b"x" * 5000)]))[:-30] + b"\0" * 30
    with pytest.raises(ExportError, match="not a readable tar"):
        read_layer(Member(Source([blob]), len(blob)))


def test_not_an_export() -> None:
    with pytest.raises(ExportError, match=r"no manifest\.json"):
        list(read_export([layer_tar([("a", b"x")])]))


def test_paths_and_instructions() -> None:
    assert clean_path("./etc//x/") == "/etc/x" and clean_path("") == "/"
    assert instruction('/bin/sh -c #(nop)  CMD ["/bin/sh"]') == 'CMD ["/bin/sh"]'
    assert instruction("/bin/sh -c #(nop) COPY file:ab in / ") == "COPY file:ab in /"
    assert instruction("|2 A=1 B=2 /bin/sh -c make") == "RUN make"
    assert instruction("RUN /bin/sh -c apt-get update # buildkit") == "RUN apt-get update"
    assert instruction("COPY . /app # buildkit") == "COPY . /app"


def entry(path: str, kind: Kind, size: int = 0, name: str = "") -> Entry:
    return Entry(path, kind, size, 0o644, 0, 0, "", b"", "0",
                 name or path.rsplit("/", 1)[1])


def test_dive_quirks_reproduced() -> None:
    """A whiteout of a path missing below ends dive's visit of that layer (OCI allows
    such whiteouts); the -1 it leaves in the minimum sum is dive's too."""
    layers = [LayerFiles("l0", [entry("/a", Kind.FILE, 100)]),
              LayerFiles("l1", [entry("/ghost", Kind.WHITEOUT, name=".wh.ghost"),
                                entry("/zz", Kind.FILE, 50)]),
              LayerFiles("l2", [entry("/a", Kind.FILE, 100), entry("/zz", Kind.FILE, 50)])]
    eff = dive_efficiency(layers)
    # /zz of layer 1 was never visited: it appears once, not twice.
    assert [(i.path, i.count) for i in eff.inefficiencies] == [("/a", 2)]
    assert eff.score == (100 + 50 - 1) / (200 + 50)
    assert eff.wasted_bytes == 200 and eff.user_wasted_ratio == 200 / (50 + 150)
    assert math.isnan(dive_efficiency([layers[0]]).user_wasted_ratio)


def test_legacy_duplicate_layer_symlink_is_followed() -> None:
    layer = layer_tar([("x", b"same")])
    config = json.dumps({"rootfs": {"diff_ids": ["sha256:" + "1" * 64] * 2},
                         "history": [{"created_by": "a"}, {"created_by": "b"}]}).encode()
    manifest = json.dumps([{"Config": "c.json", "Layers": ["one/layer.tar",
                                                          "two/layer.tar"]}]).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        link = tarfile.TarInfo("two/layer.tar")
        link.type = tarfile.SYMTYPE
        link.linkname = "../one/layer.tar"
        tar.addfile(link)
        for name, data in (("one/layer.tar", layer), ("c.json", config),
                           ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    from workbench.layers.load import analyse_export

    a = analyse_export(io.BytesIO(buf.getvalue()))
    assert [[e.path for e in la.entries] for la in a.image.layers] == [["/x"], ["/x"]]


def test_extract_refuses_paths_outside_the_destination(tmp_path: Path) -> None:
    assert _inside(tmp_path, "app/x") == (tmp_path / "app" / "x").resolve()
    with pytest.raises(ExtractError, match="outside"):
        _inside(tmp_path, "../../etc/passwd")


def reader(f: io.BytesIO, most: int) -> Callable[[memoryview], int]:
    """``readinto`` as a socket does it: at most ``most`` bytes a call."""
    def readinto(view: memoryview) -> int:
        data = f.read(min(len(view), most))
        view[:len(data)] = data
        return len(data)
    return readinto


def wire_of(pieces: list[bytes]) -> bytes:
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=5000), max_size=20),
       st.integers(1, 9000), st.integers(1, 70000))
def test_chunked_transfer_decoding(pieces: list[bytes], read_size: int, block: int) -> None:
    wire = wire_of(pieces)
    f = io.BytesIO(wire + b"ignored")
    out = list(dechunk(reader(f, read_size), lambda: bytearray(block)))
    assert b"".join(piece for blk in out for piece in blk.pieces) == b"".join(pieces)
    assert all(sum(map(len, blk.pieces)) <= block for blk in out)  # a block per buffer
    cut = io.BytesIO(wire[:-7])
    if pieces:
        with pytest.raises(ConnectionError, match="ended in the middle"):
            list(dechunk(reader(cut, read_size), lambda: bytearray(block)))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=5000), min_size=1, max_size=30),
       st.integers(1, 9000), st.integers(600, 9000))
def test_pooled_buffers_are_reused_only_once_read(pieces: list[bytes], read_size: int,
                                                  block: int) -> None:
    pool = BufferPool(2, block)  # two buffers for many blocks: each is reused often
    stream = Prefetch(dechunk(reader(io.BytesIO(wire_of(pieces)), read_size), pool.take),
                      pool, depth=1)
    assert b"".join(bytes(piece) for piece in stream) == b"".join(pieces)


def test_a_stopped_prefetch_frees_a_reader_waiting_for_a_buffer() -> None:
    pool = BufferPool(1, 600)
    stream = Prefetch(dechunk(reader(io.BytesIO(wire_of([b"x" * 500] * 50)), 600), pool.take),
                      pool, depth=1)
    first = next(iter(stream))  # the only buffer is now held by the consumer
    assert bytes(first) == b"x" * 500
    stream.close()  # the reader, waiting in pool.take(), must stop (join would hang)
    assert not stream._thread.is_alive()
