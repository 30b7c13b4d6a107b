"""A Docker engine for the tests: the user's own if one answers, else a private dockerd.

The private engine has its own socket, data root, exec root and pidfile under
one temporary folder, and no bridge or iptables rules, so it cannot clash
with a system engine's ``docker0``. RUN steps get loopback networking only,
which the tests do not need more than.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbench.engine import EngineUnavailable, connect

START_TIMEOUT_S = 60


class HarnessError(RuntimeError):
    pass


@dataclass
class EngineHandle:
    docker_host: str
    private: bool
    process: subprocess.Popen[bytes] | None = None
    root: Path | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.root is not None:
            # overlay mounts under the data root must go before the folder can.
            subprocess.run(["umount", "-R", str(self.root / "data")], check=False,
                           capture_output=True)
            shutil.rmtree(self.root, ignore_errors=True)


def die_with_parent() -> None:
    """Ask Linux to SIGTERM the child if the test process dies (a crash must not
    leave a private engine running)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _install_docker_io() -> None:
    if os.geteuid() != 0:
        raise HarnessError(
            "No Docker engine answers and dockerd is not installed. Install Docker "
            "(Debian: `sudo apt-get install docker.io`) or start Docker Desktop.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "docker.io"], check=True, env=env)


def start_engine() -> EngineHandle:
    try:
        engine = connect()
    except EngineUnavailable:
        pass
    else:
        host = engine.endpoint.host
        engine.close()
        return EngineHandle(docker_host=host, private=False, env={"DOCKER_HOST": host})

    if shutil.which("dockerd") is None:
        _install_docker_io()
    if os.geteuid() != 0:
        raise HarnessError(
            "No Docker engine answers, and a private dockerd needs root. Start Docker "
            "(`sudo systemctl start docker` or Docker Desktop) and run the tests again.")
    # Short path: unix socket paths are limited to 108 bytes.
    root = Path(tempfile.mkdtemp(prefix="wbd-", dir="/tmp"))
    sock = root / "docker.sock"
    log_path = root / "dockerd.log"
    cmd = [
        "dockerd",
        "--host", f"unix://{sock}",
        "--data-root", str(root / "data"),
        "--exec-root", str(root / "exec"),
        "--pidfile", str(root / "docker.pid"),
        "--bridge", "none",
        "--iptables=false",
        "--ip6tables=false",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                   preexec_fn=die_with_parent)
    host = f"unix://{sock}"
    handle = EngineHandle(docker_host=host, private=True, process=process, root=root,
                        log_path=log_path, env={"DOCKER_HOST": host})
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            connect({"DOCKER_HOST": host}).close()
            return handle
        except EngineUnavailable:
            time.sleep(0.3)
    tail = log_path.read_text(errors="replace")[-3000:]
    handle.stop()
    raise HarnessError(f"The private dockerd did not start:\n{tail}")
