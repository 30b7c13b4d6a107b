"""A token-authenticating registry, as Docker Hub, quay.io and ghcr.io are.

Debian's ``docker-registry`` (distribution 2.8) with ``auth: token``, and a small
token server written here (distribution ``docs/spec/auth/token.md``, ``jwt.md``):
``GET /token?service=…&scope=repository:<name>:pull,push`` answers a JWT signed
RS256 with a key made now, its certificate in the ``x5c`` header and in the
registry's ``rootcertbundle``. Anonymous callers get ``pull`` only, the test user
(basic auth, or ``POST`` with its refresh token as ``docker login`` stores an
identity token) gets ``pull`` and ``push``, a wrong password gets ``401``. Every
token request is recorded so a test can see the client followed the challenge.

Signing uses the ``openssl`` command (already needed by the harness), so no
crypto package is added for one test.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.harness.engine import HarnessError, die_with_parent
from tests.harness.registry import _registry_binary, free_port

SERVICE = "workbench-token-registry"
ISSUER = "workbench-test-token-issuer"
USER = "tokenuser"
PASSWORD = "t0ken-pass"
REFRESH_TOKEN = "refresh-tokenuser-0123"  # what `docker login` stores as an identity token
TOKEN_TTL_S = 300
START_TIMEOUT_S = 30


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenRequest:
    user: str | None  # None: anonymous
    service: str
    scopes: list[str]
    granted: list[dict[str, object]]


@dataclass
class TokenRegistryHandle:
    host: str  # registry "127.0.0.1:PORT"
    token_url: str
    process: subprocess.Popen[bytes]
    server: ThreadingHTTPServer
    root: Path
    username: str = USER
    password: str = PASSWORD
    requests: list[TokenRequest] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)


class _Signer:
    def __init__(self, root: Path) -> None:
        self.key = root / "token-key.pem"
        self.cert = root / "token-cert.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.key), "-out", str(self.cert), "-subj", f"/CN={ISSUER}"],
            check=True, capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", str(self.cert), "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()

    def token(self, subject: str, access: list[dict[str, object]]) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + TOKEN_TTL_S,
                  "nbf": now - 10, "iat": now, "jti": secrets.token_hex(8), "access": access}
        signing_input = (f"{_b64url(json.dumps(header).encode())}."
                         f"{_b64url(json.dumps(claims).encode())}")
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(self.key)],
                                   input=signing_input.encode(), check=True,
                                   capture_output=True).stdout
        return f"{signing_input}.{_b64url(signature)}"


def _grant(scope: str, authenticated: bool) -> dict[str, object] | None:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    if kind == "repository" and name:
        wanted = [a for a in actions.split(",") if a]
        allowed = {"pull", "push", "delete"} if authenticated else {"pull"}
        return {"type": "repository", "name": name,
                "actions": [a for a in wanted if a in allowed]}
    if kind == "registry" and name == "catalog":
        return {"type": "registry", "name": "catalog", "actions": ["*"]}
    return None


def _handler(signer: _Signer, handle_ref: list[TokenRegistryHandle]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output quiet

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path != "/token":
                self.send_error(404)
                return
            query = parse_qs(url.query)
            user: str | None = None
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                name, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if name != USER or password != PASSWORD:
                    self._reply(401, {"details": "incorrect username or password"})
                    return
                user = name
            scopes = [s for value in query.get("scope", []) for s in value.split(" ") if s]
            granted = [g for s in scopes if (g := _grant(s, user is not None)) is not None]
            handle_ref[0].requests.append(TokenRequest(user, query.get("service", [""])[0],
                                                       scopes, granted))
            token = signer.token(user or "", granted)
            self._reply(200, {"token": token, "access_token": token,
                              "expires_in": TOKEN_TTL_S,
                              "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                         time.gmtime())})

        def do_POST(self) -> None:
            """The OAuth2 form (token spec oauth.md): a refresh token stands for the user."""
            if urlparse(self.path).path != "/token":
                self.send_error(404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if (form.get("grant_type", [""])[0] != "refresh_token"
                    or form.get("refresh_token", [""])[0] != REFRESH_TOKEN):
                self._reply(401, {"details": "invalid refresh token"})
                return
            scopes = [s for value in form.get("scope", []) for s in value.split(" ") if s]
            granted = [g for s in scopes if (g := _grant(s, True)) is not None]
            handle_ref[0].requests.append(TokenRequest(f"{USER} (refresh token)",
                                                       form.get("service", [""])[0],
                                                       scopes, granted))
            token = signer.token(USER, granted)
            self._reply(200, {"access_token": token, "expires_in": TOKEN_TTL_S,
                              "scope": " ".join(scopes)})

        def _reply(self, code: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def start_token_registry() -> TokenRegistryHandle:
    binary = _registry_binary()
    root = Path(tempfile.mkdtemp(prefix="wbtokreg-"))
    signer = _Signer(root)
    handle_ref: list[TokenRegistryHandle] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(signer, handle_ref))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token_url = f"http://127.0.0.1:{server.server_address[1]}/token"
    port = free_port()
    (root / "config.yml").write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n  delete:\n"
        "    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        f"auth:\n  token:\n    realm: {token_url}\n    service: {SERVICE}\n"
        f"    issuer: {ISSUER}\n    rootcertbundle: {signer.cert}\n")
    with (root / "registry.log").open("wb") as log:
        process = subprocess.Popen([binary, "serve", str(root / "config.yml")], stdout=log,
                                   stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    handle = TokenRegistryHandle(f"127.0.0.1:{port}", token_url, process, server, root)
    handle_ref.append(handle)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{handle.url}/v2/", timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 401 and "Bearer" in exc.headers.get("WWW-Authenticate", ""):
                return handle
        except OSError:
            pass
        time.sleep(0.2)
    text = (root / "registry.log").read_text(errors="replace")[-2000:]
    handle.stop()
    raise HarnessError(f"docker-registry (token auth) did not start:\n{text}")
