"""Open an image for inspection: from the index when every layer is known, else by
streaming the engine's export once (re-reading only layers the index lacks)."""

from __future__ import annotations

import contextlib
import gc
import http.client
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import docker
import docker.errors
import requests
import urllib3.exceptions
from docker.types import CancellableStream

from workbench.layers import native
from workbench.layers.archive import ExportContents, ExportError, read_export
from workbench.layers.diff import Analysis, ImageDiff
from workbench.layers.efficiency import Efficiency, PreparedLayer, dive_efficiency, prepare_layer
from workbench.layers.history import history_rows
from workbench.layers.index import LayerIndex
from workbench.layers.model import ImageLayers, LayerFiles

if TYPE_CHECKING:
    from workbench.layers._native import ChunkedReader

SWITCH_INTERVAL_S = 0.0005
EXPORT_CHUNK = 1 << 20  # read size: large enough to keep Python time per byte low
PREFETCH_DEPTH = 4  # blocks read ahead of the parser


@dataclass(frozen=True)
class LoadProgress:
    """Export progress: bytes of the export read, layers parsed, what is being read."""

    bytes_read: int
    total_hint: int  # the image's size as the engine reports it (the export is about this)
    layers_read: int
    member: str


@dataclass(frozen=True)
class Loaded:
    analysis: Analysis
    seconds: float
    exported: bool  # False: everything came from the index
    layers_parsed: int = 0  # layers read from the export this time
    layers_reused: int = 0  # layers the index supplied


class LoadCancelled(Exception):
    pass


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """An analysis makes tens of thousands of tuples and dicts and no cycles: the cyclic
    collector walking them again and again was 50-60 ms of a cold load (gc.callbacks)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


LoadEvent = LoadProgress | Loaded


Piece = bytes | memoryview


@dataclass(slots=True)
class Block:
    """About ``EXPORT_CHUNK`` bytes of the export: views into one receive buffer."""

    pieces: list[Piece]
    buffer: bytearray | None = None  # the pooled buffer the pieces view (None: not pooled)


class BufferPool:
    """A few receive buffers, handed back once their pieces are consumed.

    Reading every block into a fresh 1 MB object cost ~28,000 page faults per export of
    the benchmark image (the allocator returns such blocks to the kernel and takes them
    back): kernel time on the cores the engine needs. Buffers that are reused fault once.
    """

    def __init__(self, count: int, size: int) -> None:
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for _ in range(count):
            self._free.put(bytearray(size))
        self._closed = threading.Event()

    def take(self) -> bytearray:
        """A free buffer; waits for one to be given back (ConnectionAbortedError once closed)."""
        while not self._closed.is_set():
            try:
                return self._free.get(timeout=0.1)
            except queue.Empty:
                continue
        raise ConnectionAbortedError("The export was stopped.")

    def give(self, buffer: bytearray) -> None:
        self._free.put(buffer)

    def close(self) -> None:
        self._closed.set()



def export_blocks(api: docker.APIClient, image: str,
                  on_stream: Callable[[CancellableStream], None] | None = None,
                  chunk_size: int = EXPORT_CHUNK,
                  pool: BufferPool | None = None) -> Generator[Block, None, None]:
    """``GET /images/{image}/get`` in blocks of pieces; ``on_stream`` gets a closable handle.

    The SDK's own generator yields each 32 kB HTTP chunk through urllib3's chunked
    reader; reading the response in ``chunk_size`` blocks and decoding the chunked
    framing here (``dechunk``) costs a fraction of the Python time per byte. With a
    ``pool``, blocks are read into its buffers (the consumer gives each one back);
    without, into fresh ones.
    """
    responses: list[requests.Response] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        responses.append(response)

    api.hooks["response"].append(hook)
    try:
        raw = api.get_image(image, chunk_size=chunk_size)  # sends the request
    finally:
        api.hooks["response"].remove(hook)
    response = responses[-1]
    try:
        response.raise_for_status()
    except requests.HTTPError as exc:
        raise docker.errors.create_api_error_from_http_exception(exc) from exc
    if on_stream is not None:
        on_stream(CancellableStream(raw, response))
    try:
        fp: Any = response.raw._fp.fp  # type: ignore[union-attr]  # docker-py uses it too
        chunked = bool(response.raw.chunked) and hasattr(fp, "readinto1")
    except AttributeError:
        chunked = False
    try:
        if chunked:
            take = pool.take if pool is not None else lambda: bytearray(chunk_size)
            reader = native_reader(fp)
            if reader is not None:
                yield from dechunk_native(fp, reader, take)
            else:
                yield from dechunk(fp.readinto1, take)
        else:
            read = response.raw.read
            while chunk := read(chunk_size, decode_content=False):
                yield Block([chunk])
    finally:
        response.close()  # also when the consumer stops early: no socket left behind


def export_chunks(api: docker.APIClient, image: str,
                  on_stream: Callable[[CancellableStream], None] | None = None,
                  chunk_size: int = EXPORT_CHUNK) -> Generator[Piece, None, None]:
    """The export as a flat stream of pieces (see ``export_blocks``)."""
    for block in export_blocks(api, image, on_stream, chunk_size):
        yield from block.pieces


def dechunk(readinto: Callable[[memoryview], int | None],
            take: Callable[[], bytearray]) -> Iterator[Block]:
    """HTTP chunked transfer decoding straight off the socket, a block per buffer.

    The engine sends its export as 32 kB HTTP chunks. Each buffer from ``take`` is
    filled by ``readinto`` (one socket read at a time, never waiting for more than the
    stream has) and its chunk data handed on as views, so the payload is copied once,
    by the read. Chunk framing may be cut anywhere by the reads.
    """
    left = 0  # data bytes of the current chunk still to come
    crlf = 0  # bytes of the CRLF after a chunk's data still to skip
    line = b""  # a chunk-size line cut by the end of a read
    finished = False
    while not finished:
        buf = take()
        view = memoryview(buf)
        size = len(buf)
        end = p = 0
        spans: list[list[int]] = []
        while end < size and not finished:
            got = readinto(view[end:])
            if not got:
                raise ConnectionError("The engine's export ended in the middle of the stream.")
            end += got
            while p < end:
                if left:
                    take_n = min(left, end - p)
                    if spans and spans[-1][1] == p:
                        spans[-1][1] = p + take_n  # the same chunk, over two reads
                    else:
                        spans.append([p, p + take_n])
                    p += take_n
                    left -= take_n
                    if not left:
                        crlf = 2
                elif crlf:
                    skip = min(crlf, end - p)
                    p += skip
                    crlf -= skip
                else:
                    if line.endswith(b"\r") and buf[p] == 0x0A:  # CR, read, LF
                        line, p = line[:-1], p + 1
                    else:
                        nl = buf.find(b"\r\n", p, end)
                        if nl < 0:
                            line += bytes(view[p:end])
                            p = end
                            if len(line) > 1024:
                                raise ConnectionError("The engine's export is not in "
                                                      "HTTP chunks (a size line is too long).")
                            continue
                        line += bytes(view[p:nl])
                        p = nl + 2
                    left = int(line.split(b";", 1)[0], 16)
                    line = b""
                    if not left:
                        finished = True
                        break
        yield Block([view[a:b] for a, b in spans], buf)


def native_reader(fp: Any) -> ChunkedReader | None:
    """The compiled ``ChunkedReader`` on the response's socket, or None: only for a plain
    socket (a unix socket or TCP without TLS) and when the extension was built."""
    reader_type = getattr(native.compiled, "ChunkedReader", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if reader_type is None or type(sock) is not socket.socket:  # TLS, ssh, npipe: no
        return None
    reader: ChunkedReader = reader_type(sock.fileno(), sock.gettimeout())
    return reader


def dechunk_native(fp: Any, reader: ChunkedReader,
                   take: Callable[[], bytearray]) -> Iterator[Block]:
    """``dechunk`` with the compiled reader: each buffer fills with the interpreter lock
    released (the Python reader took it after every socket read, ~6,000 times an
    export, and the engine stalled whenever the parser held it)."""
    # What the buffered reader already holds (the response headers' read-ahead; it
    # reads once if it holds nothing) comes first; after it, the socket itself.
    pending = memoryview(fp.read1(len(fp.peek())))
    while not reader.finished:
        buf = take()
        have = min(len(pending), len(buf))
        buf[:have] = pending[:have]
        pending = pending[have:]
        view = memoryview(buf)
        spans = reader.fill(buf, have)  # reads the socket only once the buffer has room
        yield Block([view[a:b] for a, b in spans], buf)


class Prefetch:
    """Read the export's blocks on a helper thread, a few ahead of the parser, so the
    engine never waits on us (socket reads and hashing release the GIL). At most
    ``depth`` blocks are queued; a block's buffer goes back to ``pool`` once the
    consumer has moved past its last piece. ``close()`` stops the helper; it also ends
    by itself when the stream ends or fails (the error is raised in the consumer)."""

    _END = object()

    def __init__(self, chunks: Iterator[Block], pool: BufferPool | None = None,
                 depth: int = PREFETCH_DEPTH) -> None:
        self._chunks = chunks
        self._pool = pool
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-prefetch", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for chunk in self._chunks:
                if not self._put(chunk):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, never lost
            self._put(exc)
            return
        finally:
            close = getattr(self._chunks, "close", None)
            if callable(close):
                close()  # a stopped consumer must not leave the response open
        self._put(self._END)

    def __iter__(self) -> Iterator[Piece]:
        try:
            while True:
                item = self._queue.get()
                if item is self._END:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, Block)
                yield from item.pieces
                # Resumed after the last piece: the reader of the pieces is done with
                # them (it asks for the next only once a piece is used up).
                if item.buffer is not None and self._pool is not None:
                    self._pool.give(item.buffer)
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.close()  # a reader waiting for a free buffer stops too
        self._thread.join(timeout=30)


def assemble(image_id: str, ref: str, config: dict[str, Any], layers: list[LayerFiles],
             from_index: bool, efficiency: Efficiency | None = None,
             prepared: list[PreparedLayer | None] | None = None) -> Analysis:
    image = ImageLayers(image_id=image_id, ref=ref, layers=layers,
                        history=history_rows(config, layers), config=config,
                        from_index=from_index)
    return Analysis(image, ImageDiff(layers), efficiency or dive_efficiency(layers, prepared))


def analyse_export(source: Any, image_id: str = "", ref: str = "") -> Analysis:
    """Analyse a ``docker save`` stream or file object (no engine, no index)."""
    contents: ExportContents | None = None
    for item in read_export(source):
        if isinstance(item, ExportContents):
            contents = item
    assert contents is not None
    config = contents.config
    diff_ids = [str(d) for d in (config.get("rootfs") or {}).get("diff_ids") or []]
    layers = []
    for i, path in enumerate(contents.layer_paths):
        entries = contents.entries_for(path) or []
        layers.append(LayerFiles(diff_ids[i] if i < len(diff_ids) else path, entries))
    name = str(contents.manifest.get("Config", ""))
    return assemble(image_id or name, ref, config, layers, from_index=False)


class LayerLoad:
    """Iterate for ``LoadProgress`` items and one final ``Loaded``; ``cancel()`` from any
    thread closes the export socket (the iteration then raises ``LoadCancelled``)."""

    def __init__(self, client: Callable[[], docker.APIClient], ref: str,
                 index: LayerIndex | None = None, use_index: bool = True) -> None:
        self._client = client
        self.ref = ref
        self.index = index
        self.use_index = use_index
        self._lock = threading.Lock()
        self._stream: CancellableStream | None = None
        self._cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):  # the socket may already be closed
                stream.close()

    def _on_stream(self, stream: CancellableStream) -> None:
        with self._lock:
            self._stream = stream
            cancelled = self._cancelled
        if cancelled:
            with contextlib.suppress(Exception):
                stream.close()

    def __iter__(self) -> Iterator[LoadEvent]:
        started = time.perf_counter()
        api = self._client()
        try:
            info = api.inspect_image(self.ref)
            image_id = str(info["Id"])
            diff_ids = [str(d) for d in (info.get("RootFS") or {}).get("Layers") or []]
            index = self.index if self.use_index else None
            if index is not None:
                cached = index.load_image(image_id)
                layers = [index.load(d) for d in diff_ids] if cached else []
                if cached and all(layer is not None for layer in layers):
                    known = [la for la in layers if la is not None]
                    analysis = assemble(image_id, self.ref, cached["config"], known, True,
                                        index.load_efficiency(image_id, diff_ids, cached))
                    yield Loaded(analysis, time.perf_counter() - started, exported=False,
                                 layers_reused=len(layers))
                    return
            with collector_paused():
                yield from self._export(api, image_id, diff_ids, int(info.get("Size") or 0),
                                        started)
        finally:
            api.close()

    def _export(self, api: docker.APIClient, image_id: str, diff_ids: list[str],
                size: int, started: float) -> Iterator[LoadEvent]:
        index = self.index
        known = index.known_paths() if index is not None and self.use_index else {}
        wanted = set(diff_ids)

        def skip(name: str) -> bool:
            if index is None or not self.use_index:
                return False
            diff_id = known.get(name)
            if diff_id is None and name.startswith("blobs/sha256/"):
                diff_id = "sha256:" + name.rsplit("/", 1)[1]  # uncompressed: digest = diff id
            return diff_id in wanted and index.has(diff_id)

        contents: ExportContents | None = None
        prepared: dict[str, PreparedLayer] = {}
        # While the parser runs Python code, the reading thread gets the GIL back only
        # every switch interval (5 ms by default) and the engine stalls on a full socket;
        # a shorter interval for the duration of the export keeps the socket drained.
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL_S))
        try:
            # Buffers: the queued blocks, the one being filled and the one being parsed.
            pool = BufferPool(PREFETCH_DEPTH + 2, EXPORT_CHUNK)
            chunks = Prefetch(export_blocks(api, image_id, self._on_stream, pool=pool), pool)
            for item in read_export(chunks, skip):
                if isinstance(item, ExportContents):
                    contents = item
                else:
                    if item.member in item.layers and item.member not in prepared:
                        # dive's per-layer work now, while the engine is still sending.
                        prepared[item.member] = prepare_layer(
                            LayerFiles("", item.layers[item.member]))
                    yield LoadProgress(item.bytes_read, size, item.layers_read, item.member)
        except (requests.RequestException, urllib3.exceptions.HTTPError,
                http.client.HTTPException, OSError, ExportError, ValueError) as exc:
            if self._cancelled:
                raise LoadCancelled("The export was cancelled.") from exc
            if isinstance(exc, urllib3.exceptions.HTTPError | http.client.HTTPException):
                # Read straight from urllib3, so not wrapped by requests: say it plainly.
                raise ConnectionError(f"The engine's export broke off: {exc}") from exc
            raise
        finally:
            sys.setswitchinterval(switch)
        if self._cancelled:
            raise LoadCancelled("The export was cancelled.")
        assert contents is not None
        config = contents.config
        config_ids = [str(d) for d in (config.get("rootfs") or {}).get("diff_ids") or []]
        layers: list[LayerFiles] = []
        ready: list[PreparedLayer | None] = []
        paths: dict[str, str] = {}
        reused = 0
        for i, path in enumerate(contents.layer_paths):
            diff_id = config_ids[i] if i < len(config_ids) else f"unknown:{i}"
            paths[path] = diff_id
            entries = contents.entries_for(path)
            if entries is None:
                cached = index.load(diff_id) if index is not None else None
                if cached is None:  # the index moved under us: read everything again
                    yield from LayerLoad(self._client, self.ref, index, use_index=False)
                    return
                layers.append(cached)
                ready.append(None)
                reused += 1
                continue
            layers.append(LayerFiles(diff_id, entries))
            ready.append(prepared.get(contents.resolve(path)))
        analysis = assemble(image_id, self.ref, config, layers, False, prepared=ready)
        yield Loaded(analysis, time.perf_counter() - started, exported=True,
                     layers_parsed=len(layers) - reused, layers_reused=reused)
        # Indexing happens after the inspector has its answer.
        if index is not None:
            with contextlib.suppress(OSError):  # a full disk must not break inspecting
                for layer in layers[:]:
                    if layer.diff_id.startswith("sha256:") and not index.has(layer.diff_id):
                        index.save(layer)
                index.save_image(image_id, config, paths, analysis.efficiency,
                                 [la.diff_id for la in layers])
