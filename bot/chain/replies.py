"""A chat model's HTTP replies, bounded in time and bytes, whichever provider reads them.

A socket's own timeout is per read: a server that keeps sending (a line that never ends, a
keep-alive comment every second) would keep a client reading, and buffering, for ever after the
chain's deadline (``bot.chain.llm.with_deadline``) has given up on it. ``bot.chain.llm`` gives
these hooks to the providers whose endpoints anyone can run (OpenAI-compatible, Ollama), and
imports this module only then: httpx stays off a cold extractive question's path.
"""

from __future__ import annotations

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


def bounded_replies(deadline_s: float, max_bytes: int = MAX_REPLY_BYTES) -> dict[str, list[Callable[..., Any]]]:
    """httpx event hooks under which each reply ends ``deadline_s`` after its headers came or at
    ``max_bytes``, whichever comes first, its connection closed. Hooks, not a transport of
    their own: the client keeps its proxies."""

    def bound(response: httpx.Response) -> None:
        if isinstance(response.stream, httpx.SyncByteStream):
            deadline = time.monotonic() + deadline_s
            response.stream = _BoundedBody(response.stream, response.request, deadline, max_bytes)

    return {"response": [bound]}


def bounded_http_client(timeout_s: float, proxy: str | None = None) -> httpx.Client:
    """An ``httpx.Client`` for a chat model's requests: each read times out at ``timeout_s``, and
    each reply ends then at the latest (``bounded_replies``); through ``proxy`` when given, else
    through the environment's proxies (``HTTPS_PROXY``, ``NO_PROXY``) as httpx reads them."""
    return httpx.Client(timeout=timeout_s, proxy=proxy, event_hooks=bounded_replies(timeout_s))
