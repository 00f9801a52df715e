"""What stands between the open internet and the forms: headers, limits, and the access log.

One ASGI middleware, outermost, so that every answer (a page, a refusal, a crash)
gets the same strict headers, and a request is counted and measured before any
of it is read. The rate limit counts requests per client address in a sliding
window (behind a proxy, uvicorn's proxy headers give the visitor's address);
the body limit stops reading at the limit, whatever Content-Length claimed.
The access log writes the path only: a form link's token is in the query string.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["SECURITY_HEADERS", "BodyTooLarge", "Guard", "RateLimiter", "read_body"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("trinn.serve.access")

SECURITY_HEADERS = {
    # no script at all, styles from our own file, forms posted only to ourselves, never framed
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    # the address of a form page holds its link's token: never sent on to another site
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    # a form page is for one person: no proxy or browser cache keeps it
    "cache-control": "no-store",
}


class BodyTooLarge(Exception):
    """A request body past the limit (answered 413)."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body, or BodyTooLarge as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class RateLimiter:
    """At most `limit` requests per `window` seconds from one address (a sliding window).

    Remembers at most `addresses` addresses, forgetting the longest quiet first, so a flood
    from many addresses cannot fill the memory.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.addresses, self.clock = limit, window, addresses, clock
        self._seen: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def allow(self, address: str) -> bool:
        now = self.clock()
        with self._lock:
            times = self._seen.pop(address, None) or collections.deque()
            while times and times[0] <= now - self.window:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self._seen[address] = times  # the most recent at the end
            while len(self._seen) > self.addresses:
                self._seen.popitem(last=False)
            return allowed


class Guard:
    """The outermost middleware: headers on every answer, the rate limit, the access log."""

    def __init__(self, app: App, *, limiter: RateLimiter, refuse: Callable[[Scope, int], App]) -> None:
        self.app, self.limiter, self.refuse = app, limiter, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_guarded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                names = {name.lower() for name, _value in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in names
                ]
                message["headers"] = headers
            await send(message)

        client = scope.get("client") or ("-", 0)
        path = scope.get("path", "")
        try:
            if path != "/health" and not self.limiter.allow(str(client[0])):
                await self.refuse(scope, 429)(scope, receive, send_guarded)
            else:
                await self.app(scope, receive, send_guarded)
        finally:
            took = (time.perf_counter() - started) * 1000
            # the path only: the token of a form link is in the query string, and stays out
            log.info('%s "%s %s" %s %.1fms', client[0], scope.get("method", "-"), path, status, took)
