"""Engine failures in plain words, with what to do about them. One place."""

from __future__ import annotations

import re

import docker.errors
import requests

_PARSE_ERROR = re.compile(r"dockerfile parse error (?:on )?line (\d+): (.*)", re.I)


def parse_error_line(message: str) -> int | None:
    """The Dockerfile line a daemon parse error names, if any."""
    m = _PARSE_ERROR.search(message)
    return int(m.group(1)) if m else None


def explain_api_error(exc: docker.errors.APIError) -> str:
    """The daemon's own words first (users search for them), then the fix."""
    message = str(exc.explanation or exc).strip()
    if m := _PARSE_ERROR.search(message):
        return (f"The Dockerfile could not be read: line {m.group(1)}: {m.group(2)}. "
                "Fix that line and build again.")
    if "invalid reference format" in message or "invalid tag" in message:
        return (f"{message}. Image names are lowercase, like user/app:1.0 "
                "(letters, digits, '.', '_', '-'; the tag after ':').")
    if "no space left on device" in message:
        return (f"{message}. The engine's disk is full: remove unused images "
                "(`docker image prune`) and build again.")
    return message


def explain(exc: BaseException) -> str:
    """Any exception from an engine call, as a sentence a user can act on."""
    if isinstance(exc, docker.errors.APIError):
        return explain_api_error(exc)
    if isinstance(exc, requests.exceptions.ConnectionError | ConnectionError):
        return ("Lost the connection to the Docker engine. Check that it is still running; "
                "the app reconnects by itself when it comes back.")
    if isinstance(exc, requests.exceptions.Timeout):
        return "The Docker engine did not answer in time. It may be busy; try again."
    if isinstance(exc, FileNotFoundError | NotADirectoryError | PermissionError):
        return str(exc)
    if isinstance(exc, docker.errors.DockerException):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def is_connection_lost(exc: BaseException) -> bool:
    """True when the failure means the engine itself is gone, not just this call."""
    return isinstance(exc, requests.exceptions.ConnectionError | ConnectionError)


_RUN_FAILED = re.compile(r"The command '(.*)' returned a non-zero code: (\d+)", re.S)
_COPY_MISSING = re.compile(
    r"(COPY|ADD) failed: (?:file not found in build context or excluded by \.dockerignore: )?"
    r"stat (\S+): file does not exist")
_PULL_DENIED = re.compile(r"pull access denied for ([^,]+)|manifest for (\S+) not found|"
                          r"repository (\S+) not found", re.I)


_REGISTRY_UNREACHABLE = re.compile(
    r"(dial tcp|read tcp|Get \"https?://)[^\n]*(connection refused|connection reset|"
    r"no such host|i/o timeout|handshake|server gave HTTP response)", re.I)


def explain_build_failure(message: str, exit_code: int | None, context_dir: str,
                          last_output: list[str] | None = None) -> str:
    """A failed build step in plain words, with the fix. The daemon's text stays visible."""
    if m := _RUN_FAILED.search(message):
        command = m.group(1).removeprefix("/bin/sh -c ")
        tail = ""
        if last_output:
            tail = " Its last output: " + " / ".join(line.strip() for line in last_output[-3:])
        return (f"RUN exited with code {m.group(2)}: the command `{command}` failed inside "
                f"the temporary container.{tail} Fix the command; to try it by hand, run the "
                "previous step's image with `docker run --rm -it <image> sh`.")
    if m := _COPY_MISSING.search(message):
        return (f"{m.group(1)} failed: “{m.group(2)}” is not in the build context folder "
                f"{context_dir} (or .dockerignore leaves it out). Put the file in that folder, "
                "or choose the folder that has it as the context.")
    if m := _PULL_DENIED.search(message):
        image = next(g for g in m.groups() if g)
        return (f"The base image {image} could not be pulled: the name or tag does not exist, "
                "or the registry needs `docker login`. Check the FROM line. "
                f"(Engine: {message})")
    if _REGISTRY_UNREACHABLE.search(message):
        return ("The base image could not be pulled: its registry did not answer properly "
                f"({message}). Check the registry and name in the FROM line and that the "
                "registry is running; if it needs credentials, run `docker login <registry>` "
                "first.")
    if "no space left on device" in message:
        return (f"The engine ran out of disk space ({message}). Remove unused images "
                "(`docker image prune`) and build again.")
    if "without reporting success" in message:
        return (f"{message} The connection to the engine was lost during the build: it "
                "stopped or restarted. Start it again, then rebuild.")
    if "requires BuildKit" in message or "BuildKit" in message:
        return (f"{message}. This app uses the engine's classic builder, which refuses "
                "BuildKit-only syntax: remove it or rewrite the step.")
    return message


def explain_pull_message(message: str) -> str:
    """A pull's error line from the daemon, with what to do about it."""
    text = message.strip().rstrip(".")
    low = text.lower()
    if "manifest unknown" in low or "not found" in low:
        return (f"{text}. The registry has no such image or tag: check the name and the tag "
                "(the picker's tag list shows what exists).")
    if "unauthorized" in low or "authentication required" in low or "access denied" in low:
        return (f"{text}. The registry refused access: log in with `docker login <registry>` "
                "(the app uses the same credentials) or check the repository name.")
    if "no matching manifest" in low:
        return (f"{text}. The image is not published for this engine's platform; pick "
                "another tag or image.")
    if "no space left on device" in low:
        return (f"{text}. The engine's disk is full: remove unused images "
                "(`docker image prune`) and pull again.")
    if "connection refused" in low or "no such host" in low or "timeout" in low:
        return (f"{text}. The engine could not reach the registry: check the network, "
                "a proxy, or the registry's address.")
    return text


# --- registries (workbench.registry) ------------------------------------------
def registry_bad_reference(text: str) -> str:
    return (f"“{text}” is not an image name. Write it like alpine:3.22, "
            "ubuntu, or quay.io/centos/centos:stream9 (lowercase, tag after ':').")


def registry_unreachable(host: str, detail: str) -> str:
    return (f"Could not reach the registry {host} ({_short(detail)}). Check the network or "
            "proxy; published sizes are shown instead, with their date.")


def registry_tls_failed(host: str, detail: str) -> str:
    return (f"The registry {host} has a certificate this computer does not trust "
            f"({_short(detail)}). Put its CA certificate in certs.d/{host}/ca.crt, as for "
            "the engine, or give the app its CA file.")


def registry_auth_failed(registry: str, had_credentials: bool) -> str:
    if had_credentials:
        return (f"The registry {registry} refused the stored login. Run "
                f"`docker login {registry}` again with the right user name and password.")
    return (f"The registry {registry} wants a login for this image. Run "
            f"`docker login {registry}` (the app uses the same credentials), or check the "
            "name: private and missing repositories look alike.")


def registry_credentials_failed(registry: str, detail: str) -> str:
    return (f"Could not read the stored login for {registry}: {_short(detail)}. Check the "
            "credential helper named in ~/.docker/config.json (credsStore / credHelpers).")


def registry_not_found(reference: str, registry: str) -> str:
    return (f"{reference} does not exist on {registry}. Check the repository name and the "
            "tag (the tag list shows what exists).")


def registry_no_platform(reference: str, platform: str, available: list[str]) -> str:
    offered = ", ".join(available) or "none"
    return (f"{reference} has no image for this engine's platform {platform} (it offers: "
            f"{offered}). Pick another tag or image.")


def registry_old_manifest(reference: str, media_type: str) -> str:
    return (f"{reference} uses an old manifest format ({media_type or 'unknown'}) that does "
            "not list layer sizes; pull it to see its size.")


def registry_bad_answer(where: str, detail: str) -> str:
    return (f"The registry {where} gave an answer the app cannot read ({_short(detail)}). "
            "Try again later; if it persists, the registry may not speak the Docker "
            "Registry API v2.")


def _short(detail: str, limit: int = 160) -> str:
    detail = " ".join(detail.split())
    return detail if len(detail) <= limit else detail[:limit - 1] + "…"


# --- push (workbench.push) -----------------------------------------------------
def explain_push_message(message: str, registry: str) -> tuple[str, bool]:
    """The daemon's in-stream push error → (plain words with the fix, login would help)."""
    low = message.lower()
    if "unauthorized" in low or "authentication required" in low or \
            "no basic auth credentials" in low or "incorrect username or password" in low:
        if "incorrect" in low:
            return (f"{registry} refused the user name or password ({message}). Log in again "
                    "with the right ones.", True)
        return (f"{registry} wants you to log in before pushing ({message}). Log in and "
                "push again.", True)
    if "denied" in low:
        hub = " On Docker Hub the first part of the name must be your Docker ID " \
              "(yourid/app)." if registry == "docker.io" else ""
        return (f"{registry} refused the push: this account may not write there "
                f"({message}).{hub}", False)
    if any(s in low for s in ("connection refused", "no such host", "i/o timeout",
                              "dial tcp", "no route to host", "server misbehaving")):
        return (f"The registry {registry} does not answer ({message}). Check the address and "
                "port in the image's name, and that the registry is running.", False)
    if "x509" in low or "certificate" in low:
        return (f"The engine does not trust {registry}'s TLS certificate ({message}). Add "
                "its CA to the engine (/etc/docker/certs.d/<host>/ca.crt) or list it under "
                "insecure-registries.", False)
    if "does not exist locally" in low or "no such image" in low:
        return (f"{message}. Tag the image with this name first.", False)
    return message, False
