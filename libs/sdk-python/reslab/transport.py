"""One HTTP request to the orchestrator's external-runs API, sorted into sent, worth retrying, or refused.

requests (a Session, so the uploader's once-a-second batches reuse one keep-alive connection instead of a TCP
handshake each) rather than urllib: urllib opens a new connection per request and has no per-phase timeouts.
"""

import re
from dataclasses import dataclass
from typing import Any

import requests

from . import __version__
from .settings import Settings

# (connect, read) seconds. A stopped orchestrator (SIGSTOP, a frozen VM) still completes TCP handshakes from its
# kernel's backlog and then never answers, so the read timeout is what bounds one try; it runs on the uploader's
# thread, never the training loop's.
TIMEOUT = (3.05, 10.0)

# Refusals of one request's content (a field the server rejected): that request is set aside and the rest go on.
# Any other 4xx (401 a revoked key, 403 not a member, 404 no such project or run) refuses every later request too.
CONTENT_STATUSES = {400, 409, 413, 422}


class Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class Refused(Exception):
    """A 4xx: sending the same request again cannot help."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message

    @property
    def content_only(self) -> bool:
        return self.status in CONTENT_STATUSES


def error_message(response: requests.Response) -> str:
    """The orchestrator's ApiError ({message, issues: [{path, message}]}) as one line naming each field."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason
    issues = body.get("issues") if isinstance(body, dict) else None
    if issues:
        return "; ".join(f"{issue.get('path')}: {issue.get('message')}" for issue in issues)
    if isinstance(body, dict) and body.get("message"):
        message = body["message"]
        return "; ".join(message) if isinstance(message, list) else str(message)
    return response.text.strip()[:300]


def _reason(error: requests.RequestException) -> str:
    """A failed connection in a few words: requests' own message repeats the URL and the whole exception chain."""
    if isinstance(error, requests.ConnectTimeout):
        return f"no connection within {TIMEOUT[0]:g} s"
    if isinstance(error, requests.ReadTimeout):
        return f"no answer within {TIMEOUT[1]:g} s"
    errno = re.search(r"\[Errno -?\d+\] ([^'\"()]+)", str(error))
    return errno.group(1).strip() if errno else type(error).__name__


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(float(value), 300.0) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from our own server; the backoff alone applies


@dataclass
class Transport:
    settings: Settings

    def __post_init__(self):
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"reslab-python/{__version__}"
        if self.settings.api_key:
            self._session.headers["Authorization"] = f"Bearer {self.settings.api_key}"

    def post(self, path: str, body: dict) -> Any:
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: dict | None = None) -> Any:
        url = f"{self.settings.api_url}{path}"
        try:
            response = self._session.request(method, url, json=body, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise Retryable(_reason(error)) from None
        if response.status_code >= 500 or response.status_code == 429:  # overloaded or down, not the request wrong
            raise Retryable(f"{response.status_code} {error_message(response)}", _retry_after(response))
        if response.status_code >= 400:
            raise Refused(response.status_code, error_message(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def close(self) -> None:
        self._session.close()
