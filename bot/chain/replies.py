"""A chat model's HTTP replies, bounded in time and bytes, whichever provider reads them.

A socket's own timeout is per read: a server that keeps sending (a line that never ends, a
keep-alive comment every second, its headers a byte at a time) would keep a client reading, and
buffering, for ever after the chain's deadline (``bot.chain.llm.with_deadline``) has given up on
it. ``bot.chain.llm`` gives these hooks to the providers whose endpoints anyone can run
(OpenAI-compatible, Ollama), and imports this module only then: httpx stays off a cold
extractive question's path.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

# How much of one HTTP reply a chat model's client may read: far above any real answer's stream
# (a draft of ``bot.chain.llm.MAX_DRAFT_CHARS`` streamed a character an event is about 2.5 MB of server-sent
# events), far below what a broken or hostile endpoint could send.
MAX_REPLY_BYTES = 8 * 1024 * 1024


class ReplyTooLarge(httpx.ReadError):
    """A chat model's HTTP reply went on past ``MAX_REPLY_BYTES``."""


class _BoundedBody(httpx.SyncByteStream):
    """A reply's body, read only until ``deadline`` (``time.monotonic``) and ``max_bytes``."""

    def __init__(self, inner: httpx.SyncByteStream, request: httpx.Request, deadline: float, max_bytes: int) -> None:
        self._inner, self._request, self._deadline, self._max_bytes = inner, request, deadline, max_bytes

    def __iter__(self) -> Iterator[bytes]:
        read = 0
        for part in self._inner:
            read += len(part)
            if read > self._max_bytes:
                self.close()
                raise ReplyTooLarge(f"the reply grew past {self._max_bytes} bytes", request=self._request)
            if time.monotonic() > self._deadline:
                self.close()
                raise httpx.ReadTimeout("the reply went on past its deadline", request=self._request)
            yield part

    def close(self) -> None:
        self._inner.close()


class _Watchdog:
    """Shuts a request's connection down at its deadline unless its response headers came first
    (``cancel``): a server that sends them a byte at a time never lets a read time out. It learns
    the connection's socket from httpcore's ``trace`` extension, when the connection is opened,
    and keeps a duplicate of it: TLS takes the socket it wraps over (the object httpcore opened is
    then detached, and shutting it down does nothing), while the duplicate names the connection
    whatever wraps it, during the TLS handshake too. The duplicate is closed at ``cancel`` (when
    the headers come, or when the request has no connection left: none was made, or httpcore
    closed it after a failure), or once it has been shut down, and the timer's thread ends then too."""

    def __init__(self, seconds: float) -> None:
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in _GIVEN_UP or event.endswith(".response_closed.started"):
            # the request failed with no response for ``bound`` to see: no connection was made, or
            # httpcore closed it (after any failure once connected; a failed send is not one: httpcore
            # goes on to read the headers, which the watchdog still bounds)
            self.cancel()
            return
        if event != "connection.connect_tcp.complete":
            return
        opened = info["return_value"].get_extra_info("socket")
        if opened is None:
            return
        with self._lock:
            self._close()
            self._socket = opened.dup()
            if self._fired:  # connected only after the deadline
                self._shut_down()

    def _fire(self) -> None:
        with self._lock:
            self._fired = True
            self._shut_down()

    def _shut_down(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):  # closed by the server meanwhile
                self._socket.shutdown(socket.SHUT_RDWR)  # the read waiting on it returns at once
        self._close()

    def _close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._close()


# httpcore's trace events after which a request has no connection left to watch.
_GIVEN_UP = frozenset({"connection.connect_tcp.failed", "connection.start_tls.failed"})

_DEADLINE = "tanya.deadline"  # the request's extension that holds its deadline (time.monotonic)
_WATCHDOG = "tanya.watchdog"


def bounded_replies(deadline_s: float, max_bytes: int = MAX_REPLY_BYTES) -> dict[str, list[Callable[..., Any]]]:
    """httpx event hooks under which each request, its connection, headers and body, ends
    ``deadline_s`` after it was sent, or once its reply passed ``max_bytes``, whichever comes
    first, its connection closed. Hooks, not a transport of their own: the client keeps its
    proxies. The connection must be new for each request (``bounded_client_options``): the
    deadline before the headers is kept by shutting down the socket it was opened on."""

    def start(request: httpx.Request) -> None:
        watchdog = _Watchdog(deadline_s)
        request.extensions.update({_DEADLINE: time.monotonic() + deadline_s, _WATCHDOG: watchdog})
        request.extensions["trace"] = watchdog.trace

    def bound(response: httpx.Response) -> None:
        extensions = response.request.extensions
        if _WATCHDOG in extensions:
            extensions[_WATCHDOG].cancel()
        if isinstance(response.stream, httpx.SyncByteStream):
            deadline = extensions.get(_DEADLINE, time.monotonic() + deadline_s)
            response.stream = _BoundedBody(response.stream, response.request, deadline, max_bytes)

    return {"request": [start], "response": [bound]}


def bounded_client_options(deadline_s: float) -> dict[str, Any]:
    """Keyword arguments of an ``httpx.Client`` whose requests are bounded (``bounded_replies``):
    each read times out at ``deadline_s``, and each request ends then at the latest. Connections
    are not kept alive between requests, so that each one's socket is known to its watchdog (a
    connection more per question, next to a reply that takes seconds)."""
    return {
        "timeout": deadline_s,
        "event_hooks": bounded_replies(deadline_s),
        "limits": httpx.Limits(max_keepalive_connections=0),
    }


def bounded_http_client(timeout_s: float, proxy: str | None = None) -> httpx.Client:
    """An ``httpx.Client`` for a chat model's requests, each ended ``timeout_s`` after it was sent
    at the latest (``bounded_client_options``); through ``proxy`` when given, else through the
    environment's proxies (``HTTPS_PROXY``, ``NO_PROXY``) as httpx reads them."""
    return httpx.Client(proxy=proxy, **bounded_client_options(timeout_s))
