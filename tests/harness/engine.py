"""A Docker engine for the tests: the user's own if one answers, else a private dockerd.

The private engine has its own socket, data root, exec root and pidfile under
one temporary folder, and no bridge or iptables rules, so it cannot clash
with a system engine's ``docker0``. RUN steps get loopback networking only,
which the tests do not need more than.
"""

from __future__ import annotations

import contextlib
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
            # A killed dockerd leaves containerd, shims and containers running.
            _kill_processes_using(self.root)
            # overlay mounts under the data root must go before the folder can.
            subprocess.run(["umount", "-R", str(self.root / "data")], check=False,
                           capture_output=True)
            shutil.rmtree(self.root, ignore_errors=True)


def _kill_processes_using(root: Path) -> None:
    """SIGKILL every process whose command line names ``root``, and their descendants."""
    parents: dict[int, int] = {}
    marked: set[int] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents[int(proc.name)] = ppid
        if str(root) in cmdline and int(proc.name) != os.getpid():
            marked.add(int(proc.name))
    grew = True
    while grew:
        children = {pid for pid, ppid in parents.items() if ppid in marked} - marked
        grew = bool(children)
        marked |= children
    for pid in marked:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


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
    """The engine that answers as the CLI would resolve it, else a private one."""
    try:
        engine = connect()
    except EngineUnavailable:
        pass
    else:
        host = engine.endpoint.host
        engine.close()
        return EngineHandle(docker_host=host, private=False, env={"DOCKER_HOST": host})
    return start_private_engine()


def start_private_engine() -> EngineHandle:
    """A dockerd of the tests' own, which a test may also kill."""
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
