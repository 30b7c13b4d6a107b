"""Private registries (Debian's ``docker-registry``) on 127.0.0.1 at free ports.

One plain; one with TLS (a self-signed certificate made now) and htpasswd
auth. The engine accepts the self-signed one because registries on loopback
are insecure by default.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from tests.harness.engine import HarnessError, die_with_parent

START_TIMEOUT_S = 30
USER = "workbench"
PASSWORD = "s3cret-test-pass"


@dataclass
class RegistryHandle:
    host: str  # "127.0.0.1:PORT"
    process: subprocess.Popen[bytes]
    root: Path
    tls: bool
    username: str | None = None
    password: str | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    @property
    def ca_file(self) -> Path:
        return self.root / "cert.pem"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _registry_binary() -> str:
    found = shutil.which("docker-registry") or shutil.which("registry")
    if found:
        return found
    if os.geteuid() != 0:
        raise HarnessError("docker-registry is not installed (Debian: "
                           "`sudo apt-get install docker-registry`).")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "docker-registry"], check=True, env=env)
    return "docker-registry"


def _make_certificate(root: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)


def start_registry(tls: bool = False) -> RegistryHandle:
    binary = _registry_binary()
    root = Path(tempfile.mkdtemp(prefix="wbreg-"))
    port = free_port()
    auth = ""
    tls_block = ""
    if tls:
        _make_certificate(root)
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=5)).decode()
        (root / "htpasswd").write_text(f"{USER}:{hashed}\n")
        auth = f"auth:\n  htpasswd:\n    realm: workbench-test\n    path: {root / 'htpasswd'}\n"
        tls_block = (f"  tls:\n    certificate: {root / 'cert.pem'}\n"
                     f"    key: {root / 'key.pem'}\n")
    (root / "config.yml").write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n  delete:\n"
        "    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{tls_block}"
        f"{auth}")
    with (root / "registry.log").open("wb") as log:
        process = subprocess.Popen([binary, "serve", str(root / "config.yml")], stdout=log,
                                   stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    registry = RegistryHandle(f"127.0.0.1:{port}", process, root, tls,
                            USER if tls else None, PASSWORD if tls else None)
    context = ssl.create_default_context(cafile=str(root / "cert.pem")) if tls else None
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{registry.url}/v2/", timeout=2, context=context)
            return registry
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # up, and asking for credentials as configured
                return registry
        except OSError:
            pass
        time.sleep(0.2)
    text = (root / "registry.log").read_text(errors="replace")[-2000:]
    registry.stop()
    raise HarnessError(f"docker-registry did not start:\n{text}")
