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
