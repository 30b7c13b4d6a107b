"""One small correction to the docker SDK, applied when the core is imported.

docker-py's unix-socket connection leaks its socket when ``connect`` fails
(docker/transport/unixconn.py: the socket is made, ``connect`` raises, nothing
closes it). A desktop app that keeps retrying a stopped engine would leak a
file descriptor per attempt until the garbage collector catches up. The fix
closes the socket on failure and changes nothing else.
"""

from __future__ import annotations

import socket

from docker.transport import unixconn

_original_connect = unixconn.UnixHTTPConnection.connect


def _connect_closing_on_failure(self: unixconn.UnixHTTPConnection) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(self.timeout)
        sock.connect(self.unix_socket)
    except BaseException:
        sock.close()
        raise
    self.sock = sock


def apply() -> None:
    if unixconn.UnixHTTPConnection.connect is _original_connect:
        unixconn.UnixHTTPConnection.connect = _connect_closing_on_failure
