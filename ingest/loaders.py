"""Read articles from files, folders and URLs into clean text with metadata."""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import errno
import functools
import io
import json
import os
import re
import stat
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from ingest.errors import BadInput, LoadError, reason
from ingest.settings import PARSE_TIMEOUT_S, IndexSettings, canonical_url, is_url, without_credentials
from ingest.text.analysis import (
    INVISIBLE_CLASS,
    clean_text,
    guess_language,
    replace_surrogates,
    without_boilerplate,
)
from ingest.types import Article, Skipped
from ingest.worker import ParseWorker

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".jsonl")
META_SUFFIX = ".meta.json"


# Compressed bodies are decoded at most this much at a time, so a compression bomb is caught
# at the size cap instead of after a whole read was inflated (gigabytes from 32 KB).
_DECODE_PIECE = 65_536
# What tanya asks for and accepts: one layer of gzip or deflate, decoded under the cap.
_ACCEPTED_ENCODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


@dataclass
class Fetcher:
    """Downloads http(s) articles: one deadline for the whole fetch, a redirect limit, a size cap
    on the decompressed body, and (unless ``allow_private``) public addresses only, checked on
    every hop and connected to as checked."""

    timeout_s: float = 20.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    allow_private: bool = True
    parse_timeout_s: float = PARSE_TIMEOUT_S  # for any article read with it, file or page: ``parse_document``
    headers: dict[str, str] = field(default_factory=lambda: {"User-Agent": "tanya/0.1 (+news QA bot)"})

    @classmethod
    def from_settings(cls, settings: IndexSettings, allow_private: bool = True) -> Fetcher:
        """The fetcher ``settings`` ask for (``TANYA_FETCH_TIMEOUT_S``, ``TANYA_FETCH_MAX_BYTES``,
        ``TANYA_PARSE_TIMEOUT_S``): what every front end reads articles with, so a file or page is
        held to one cap."""
        return cls(
            timeout_s=settings.fetch_timeout_s,
            max_bytes=settings.fetch_max_bytes,
            allow_private=allow_private,
            parse_timeout_s=settings.parse_timeout_s,
        )

    def fetch(self, url: str) -> tuple[bytes, str, str]:
        """Return ``(body, content_type, final_url)`` or raise ``LoadError`` saying why not.

        Connecting, TLS, every redirect and the whole body end by ``timeout_s`` after the call
        (resolving a name is the system's and is not cut short); no more than ``max_bytes`` are
        kept, compressed or not. Credentials in ``url``
        are sent as HTTP Basic auth and appear in no URL that is returned or logged.
        """
        import httpx

        deadline = time.monotonic() + self.timeout_s
        try:
            target = httpx.URL(url)
            auth = httpx.BasicAuth(target.username, target.password) if target.userinfo else None
            with (
                httpx.Client(
                    transport=_guarded_transport(deadline, self.allow_private),
                    follow_redirects=True,
                    max_redirects=self.max_redirects,
                    timeout=self.timeout_s,
                    headers={**self.headers, "Accept-Encoding": "gzip, deflate"},
                ) as client,
                client.stream("GET", without_credentials(url), auth=auth) as response,
            ):
                if response.status_code >= 400:
                    raise LoadError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                encoding = _content_encoding(response.headers.get("content-encoding", ""))
                body = bytearray()
                for piece in _decoded(_capped(response.iter_raw(), self.max_bytes), encoding):
                    body += piece
                    if len(body) > self.max_bytes:
                        raise LoadError(f"larger than the {self.max_bytes:,}-byte limit")
                    if time.monotonic() > deadline:
                        raise LoadError(f"timed out after {self.timeout_s:g} s")
                return bytes(body), content_type, without_credentials(str(response.url))
        except httpx.TooManyRedirects:
            raise LoadError(f"more than {self.max_redirects} redirects") from None
        except httpx.TimeoutException:
            raise LoadError(f"timed out after {self.timeout_s:g} s") from None
        except httpx.InvalidURL as exc:
            raise LoadError(f"not a valid URL: {exc}") from None
        except httpx.HTTPError as exc:
            raise LoadError(f"could not fetch: {exc}") from None


def _content_encoding(header: str) -> str:
    """The one compression of a body ("" for none); ``LoadError`` for stacked or unknown ones."""
    layers = [e.strip().lower() for e in header.split(",") if e.strip() and e.strip().lower() != "identity"]
    if len(layers) > 1:
        raise LoadError(f"compressed more than once (Content-Encoding: {header.strip()[:60]}); refused")
    if layers and layers[0] not in _ACCEPTED_ENCODINGS:
        raise LoadError(f"compressed as {layers[0][:30]!r}, which tanya does not accept (only gzip or deflate)")
    return _ACCEPTED_ENCODINGS[layers[0]] if layers else ""


def _capped(raw: Iterable[bytes], max_bytes: int) -> Iterator[bytes]:
    """``raw`` unchanged, or ``LoadError`` once more than ``max_bytes`` came (before decoding)."""
    total = 0
    for chunk in raw:
        total += len(chunk)
        if total > max_bytes:
            raise LoadError(f"larger than the {max_bytes:,}-byte limit")
        yield chunk


def _decoded(raw: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """The body ``raw`` decompressed (``encoding`` "gzip", "deflate" or "" for none), in pieces of
    at most ``_DECODE_PIECE`` bytes however much one compressed chunk expands to."""
    if not encoding:
        yield from raw
        return
    decoder: Any = None
    try:
        for chunk in raw:
            if not chunk:
                continue
            if decoder is None:
                decoder = zlib.decompressobj(_wbits(encoding, chunk))
            data = chunk
            while True:
                piece = decoder.decompress(data, _DECODE_PIECE)
                if piece:
                    yield piece
                if decoder.eof:
                    return  # bytes after the end of the stream are ignored, as httpx does
                data = decoder.unconsumed_tail
                if not data and len(piece) < _DECODE_PIECE:
                    break  # this chunk is all decoded (a full piece may leave more inside zlib)
        tail = decoder.flush() if decoder is not None else b""
        if tail:
            yield tail
    except zlib.error:
        raise LoadError(f"the body is not valid {encoding} data") from None


def _wbits(encoding: str, head: bytes) -> int:
    if encoding == "gzip":
        return 16 + zlib.MAX_WBITS
    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
    zlib_wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS


def resolve_host(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses ``host`` resolves to (``LoadError`` when none); unless ``allow_private``,
    ``LoadError`` when any of them is not a public one (loopback, private, link-local...)."""
    import ipaddress
    import socket

    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise LoadError(f"cannot resolve host {host!r}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise LoadError(f"cannot resolve host {host!r}")
    for address in addresses if not allow_private else []:
        if not _is_public(ipaddress.ip_address(address.split("%")[0])):
            raise LoadError(f"refused: {host} is a private, loopback or link-local address")
    return addresses


def _is_public(ip: Any) -> bool:
    """Whether ``ip`` is a public unicast address, and so is any IPv4 address an IPv6 one carries
    to be reached through (IPv4-mapped, -compatible and -translated, 6to4, Teredo, ISATAP, NAT64: ``[64:ff9b::7f00:1]``
    and ``[2002:7f00:1::]`` are 127.0.0.1 on a host with such a gateway)."""
    import ipaddress

    if not ip.is_global or ip.is_multicast:
        return False
    if ip.version == 4:
        return True
    refused, carrying = _ipv6_networks()
    if any(ip in net for net in refused):
        return False
    embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    isatap = (int(ip) >> 32) & 0xFFFFFFFF in (0x00005EFE, 0x02005EFE)  # an ISATAP interface id
    if isatap or any(ip in net for net in carrying):
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return all(_is_public(v4) for v4 in embedded if v4 is not None)


def _guarded_transport(deadline: float, allow_private: bool) -> Any:
    """An httpx transport that connects only to addresses it has just resolved and checked, and
    whose every network wait ends by ``deadline``."""
    import httpcore
    import httpx

    class GuardedBackend(httpcore.SyncBackend):
        """Resolves each host once, checks the addresses (unless ``allow_private``) and connects
        to one of exactly those, so a name that resolves differently the second time (DNS
        rebinding) cannot reach a private address; TLS still verifies and sends the host name.
        Every wait on the network (connect, TLS, each read and write) ends by the deadline."""

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            addresses = resolve_host(host, port, allow_private)
            error: Exception | None = None
            for address in addresses:
                try:
                    stream = super().connect_tcp(
                        address, port, _time_left(deadline, timeout, "connect"), local_address, socket_options
                    )
                    return DeadlineStream(stream)
                except httpcore.ConnectError as exc:
                    error = exc
            assert error is not None
            raise error

    class DeadlineStream(httpcore.NetworkStream):
        """A network stream whose every wait ends by the deadline, not just after a quiet spell."""

        def __init__(self, stream: httpcore.NetworkStream) -> None:
            self.stream = stream

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.stream.read(max_bytes, _time_left(deadline, timeout, "read"))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.stream.write(buffer, _time_left(deadline, timeout, "write"))

        def close(self) -> None:
            self.stream.close()

        def start_tls(
            self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
        ) -> httpcore.NetworkStream:
            left = _time_left(deadline, timeout, "connect")
            return DeadlineStream(self.stream.start_tls(ssl_context, server_hostname, left))

        def get_extra_info(self, info: str) -> Any:
            return self.stream.get_extra_info(info)

    class Body(httpx.SyncByteStream):
        """A response body read from the connection pool as the caller iterates it."""

        def __init__(self, stream: Any) -> None:
            self.stream = stream

        def __iter__(self) -> Iterator[bytes]:
            with _httpx_errors():
                yield from self.stream

        def close(self) -> None:
            if hasattr(self.stream, "close"):
                self.stream.close()

    class GuardedTransport(httpx.BaseTransport):
        """httpx over an httpcore pool that uses ``GuardedBackend`` (httpx's own transport takes
        no network backend, so this one hands requests to the pool itself)."""

        def __init__(self) -> None:
            self.pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(), network_backend=GuardedBackend()
            )

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            core = httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            with _httpx_errors():
                response = self.pool.handle_request(core)
            return httpx.Response(
                status_code=response.status,
                headers=response.headers,
                stream=Body(response.stream),
                extensions=response.extensions,
            )

        def close(self) -> None:
            self.pool.close()

    return GuardedTransport()


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    """httpcore's errors as the httpx errors callers catch (timeouts, connect, the rest)."""
    import httpcore
    import httpx

    try:
        yield
    except httpcore.ConnectTimeout as exc:
        raise httpx.ConnectTimeout(str(exc)) from exc
    except httpcore.ReadTimeout as exc:
        raise httpx.ReadTimeout(str(exc)) from exc
    except httpcore.WriteTimeout as exc:
        raise httpx.WriteTimeout(str(exc)) from exc
    except httpcore.TimeoutException as exc:
        raise httpx.TimeoutException(str(exc)) from exc
    except httpcore.ConnectError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    except httpcore.ProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except httpcore.NetworkError as exc:
        raise httpx.NetworkError(str(exc)) from exc


def _time_left(deadline: float, timeout: float | None, step: str) -> float:
    """The wait allowed for one network step: its own timeout, cut to what is left before the
    deadline; the matching httpcore timeout error once the deadline has passed."""
    import httpcore

    left = deadline - time.monotonic()
    if left <= 0:
        error = {"connect": httpcore.ConnectTimeout, "read": httpcore.ReadTimeout}.get(step, httpcore.WriteTimeout)
        raise error(f"the fetch deadline passed ({step})")
    return left if timeout is None else min(timeout, left)


def load_inputs(inputs: Iterable[str], fetcher: Fetcher | None = None) -> Iterator[Article | Skipped]:
    """Yield an ``Article`` or a ``Skipped`` for every article found in ``inputs``
    (files, folders searched recursively, http(s) URLs), in order."""
    fetcher = fetcher or Fetcher()
    for item in inputs:
        if not item.strip():  # Path("") is ".": `tanya ingest "$UNSET"` had ingested the working folder
            yield Skipped('""', "an empty name, not a file, folder or URL")
            continue
        if is_url(item):
            yield from _guard(without_credentials(item), lambda item=item: [load_url(item, fetcher)])
            continue
        try:
            path = _existing_path(item)
            folder = path is not None and path.is_dir()
        except OSError as exc:  # a name too long for the file system, say
            yield Skipped(printable_path(item), f"cannot read: {exc.strerror or exc}")
            continue
        if path is None:
            yield Skipped(printable_path(item), _missing(item))
        elif folder:
            root = path.resolve()
            files = list(_article_files(path, root))
            if not files:
                yield Skipped(
                    file_source(root),
                    "no articles in this folder (looked for " + ", ".join(SUPPORTED_SUFFIXES) + ")",
                )
            for file in files:
                if isinstance(file, Skipped):
                    yield file
                else:
                    yield from _load_file_guarded(file, fetcher, within=root)
        else:
            yield from _load_file_guarded(path, fetcher)


_LINK_TO_NOTHING = "a link to nothing (its target is missing, or links lead back to it)"


def _missing(item: str) -> str:
    """Why nothing is found at ``item``: nothing there, or a link to nothing."""
    with contextlib.suppress(OSError, RuntimeError, ValueError):
        if Path(item).expanduser().is_symlink():
            return _LINK_TO_NOTHING
    scheme = _OTHER_SCHEME.match(item)
    if scheme:  # "file:///etc/passwd", "ftp://...": never read, and said why
        return f"unsupported URL scheme {scheme.group(1).lower()}: (only http and https are fetched)"
    return "no such file or folder"


# A URL of another scheme than http(s), which is neither fetched nor read as a path.
_OTHER_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*)://", re.IGNORECASE)


def printable_path(path: Path | str) -> str:
    """``path`` as text that can be printed and stored (SQLite, Chroma and UTF-8 output refuse
    lone surrogates): bytes of a file name that are not UTF-8, which Python keeps as surrogates,
    are written as ``\\xff`` escapes; names that are valid UTF-8 are unchanged. For messages and
    titles: two names can print alike, so a file's source is ``file_source``."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that no file name decodes to
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def file_source(path: Path | str) -> str:
    """The source of the file at ``path`` (resolved): text that names this file and no other, and
    that can be printed and stored.

    A path that is UTF-8 with no control character, no whitespace but single spaces between
    words and nothing that reads as an escape is its own source, as it always was (an index
    keeps matching its files on re-ingest). Any other path is written with escapes: each byte
    of a control character, of whitespace that is not such a space, or that is not UTF-8, as
    ``\\xNN``, and a backslash as ``\\\\``. Undoing the escapes gives the path's bytes back, so
    two files never share a source: printing them alike (``printable_path``) and collapsing
    whitespace (``_field``) made "a  b.txt", "a\\tb.txt" and "a b.txt" one source, and ingesting
    one replaced another. The result passes ``make_article`` unchanged."""
    return _escaped(str(path), file_name=True)


def text_source(text: str) -> str:
    """A JSON Lines id as a source, written as ``file_source`` writes a path, but every lone
    surrogate as the bytes "surrogatepass" gives it: an id is text, not a file name's bytes, so
    "x\\u0080" and "x\\udcc2\\udc80" are two sources."""
    return _escaped(text, file_name=False)


def _escaped(text: str, file_name: bool) -> str:
    if not _NEEDS_ESCAPES.search(text):
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif file_name and "\udc80" <= ch <= "\udcff":  # a byte that is not UTF-8 (surrogateescape)
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif _ESCAPED_CHAR.match(ch) or (ch == " " and (i in (0, len(text) - 1) or text[i - 1] == " ")):
            # "surrogatepass" keeps any other lone surrogate, which no file name decodes to
            out.extend(f"\\x{byte:02x}" for byte in ch.encode("utf-8", "surrogatepass"))
        else:
            out.append(ch)
    return "".join(out)


# What a path needs escapes for: lone surrogates, control characters, invisible characters and
# direction overrides (a zero-width space had shown raw in a source; "\u202e" can make a name
# read backwards), whitespace other than a space, spaces in a run or at either end, and text
# that would read as an escape ("\\xff", "\\\\"). The invisible characters are all that cleaning
# leaves out or makes a space (a soft hyphen, a tag character: ``INVISIBLE_CLASS``).
_NEEDS_ESCAPES = re.compile(
    rf"[\ud800-\udfff\x00-\x1f\x7f-\x9f{INVISIBLE_CLASS}]|[^\S ]|  |^ | $|\\(?:\\|x[0-9a-fA-F]{{2}})"
)
_ESCAPED_CHAR = re.compile(rf"[\ud800-\udfff\x00-\x1f\x7f-\x9f{INVISIBLE_CLASS}]|[^\S ]")


def _existing_path(item: str) -> Path | None:
    """``item`` as a path with ``~`` expanded when something is there; ``None`` when nothing is,
    or when it cannot name a file (``~someone`` who has no home here, a NUL byte). An error
    looking (a name too long for the file system) is raised."""
    try:
        path = Path(item).expanduser()
        return path if path.exists() else None
    except (RuntimeError, ValueError):
        return None


def _guard(source: str, load: Any) -> Iterator[Article | Skipped]:
    import httpcore
    import httpx

    try:
        yield from load()
    except LoadError as exc:
        yield Skipped(source, str(exc))
    # a URL that only looks like one ("http:///nohost", a bad IDNA name: UnicodeError is a ValueError)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpcore.UnsupportedProtocol, ValueError) as exc:
        yield Skipped(source, f"not a valid URL ({reason(exc)})")


def _load_file_guarded(path: Path, fetcher: Fetcher, within: Path | None = None) -> Iterator[Article | Skipped]:
    source = file_source(path.resolve())
    try:
        yield from load_file(path, fetcher.max_bytes, within, fetcher.parse_timeout_s)
    except LoadError as exc:
        yield Skipped(source, str(exc))
    except OSError as exc:
        yield Skipped(source, f"cannot read: {exc.strerror or exc}")


def _article_files(folder: Path, root: Path) -> Iterator[Path | Skipped]:
    """The article files in ``folder`` and below, each once, as the paths they resolve to. A link
    to a file outside the folder is not followed (a folder handed to ``tanya ingest`` must not
    reach ``/etc/passwd`` through a link planted in it): it is skipped with a reason, and its file
    can be named on its own. A link to a file of the folder is that file (its own name, title and
    sidecar), read once; a link to a hidden file of the folder is left out like the file.
    What cannot be read is skipped with the reason, not passed over: a folder that cannot be
    listed (no permission, a name too long), and an article file that is no regular file (a
    FIFO, device or socket) or a link to nothing. ``root``: the folder resolved."""
    found: list[tuple[Path, Path | Skipped]] = []

    def unlisted(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        found.append((where, Skipped(printable_path(where), f"cannot read this folder: {exc.strerror or exc}")))

    for top, folders, names in os.walk(folder, onerror=unlisted):
        folders[:] = [name for name in folders if not name.startswith(".")]  # links to folders: not followed
        for name in names:
            path = Path(top) / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES or name.endswith(META_SUFFIX):
                continue
            found.append((path, _article_file(path, root)))
    seen: set[Path] = set()
    for _, item in sorted(found, key=lambda pair: pair[0]):
        if isinstance(item, Path):
            if item in seen or any(part.startswith(".") for part in item.relative_to(root).parts):
                continue
            seen.add(item)
        yield item


def _article_file(path: Path, root: Path) -> Path | Skipped:
    """An article file ``path`` of the folder ``root`` as the path it resolves to, or why it is
    skipped (``_article_files``)."""
    try:
        if not path.exists():
            return Skipped(printable_path(path), _LINK_TO_NOTHING)
        if not path.is_file():
            return Skipped(printable_path(path), "not a regular file (a FIFO, device or socket is not read)")
        target = path.resolve()
    except (OSError, RuntimeError) as exc:
        return Skipped(printable_path(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    if not target.is_relative_to(root):
        return Skipped(printable_path(path), "a link to a file outside the folder (not followed; name it on its own)")
    return target


def load_file(
    path: Path, max_bytes: int | None = None, within: Path | None = None, parse_timeout_s: float = PARSE_TIMEOUT_S
) -> Iterator[Article | Skipped]:
    """Yield the articles in one file (one, or one per line for ``.jsonl``). Only regular files
    are read; a single-article file larger than ``max_bytes`` is refused (JSONL files hold many:
    each of their articles is held to it instead). A file found in the folder ``within`` is read
    without following a link (one put in its place since the folder was listed), and its
    sidecar only when it is in that folder too."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise LoadError(f"unsupported file type {printable_path(suffix) or '(none)'}; supported: {supported}")
    source = file_source(path.resolve())
    if suffix == ".jsonl":  # read a line at a time: a feed may be larger than memory
        with _open_regular(path, follow=within is None) as file:
            yield from load_jsonl(file, source, max_bytes)
        return
    data = read_regular_file(path, max_bytes, follow=within is None)
    # a link named on its own is its target: the target's name gives the title, its sidecar the rest
    target = path.resolve() if within is None else path
    meta = _sidecar(target, within)
    yield parse_document(
        data, suffix, source, meta, _title_from_name(target), max_chars=max_bytes, timeout_s=parse_timeout_s
    )


# The title a JSONL record without one is given: its file's name and its line.
_JSONL_TITLE = re.compile(r".+\.jsonl line \d+", re.IGNORECASE)


def given_title(title: str) -> bool:
    """Whether ``title`` is one the loader gave an article that had none of its own, rather
    than a headline: a URL or a file name of one word, or a JSONL file's name and line
    ("feed.jsonl line 3"). What lists articles by headline names these by their text instead."""
    words = title.split()
    return len(words) < 2 or bool(_JSONL_TITLE.fullmatch(" ".join(words)))


def _title_from_name(path: Path) -> str:
    """The title of an article that has none of its own: its file name, dashes and underscores
    read as spaces, cleaned as any metadata field (an escape sequence in a file name would
    otherwise reach every terminal that lists the article)."""
    return _field(re.sub(r"[-_]+", " ", printable_path(path.stem))) or _field(printable_path(path.name))


def open_file_or_pipe(path: Path, **how: Any) -> Any:
    """``path`` opened (``how``: ``open``'s arguments) if it is a regular file or a pipe, which a
    question set or a batch may come from; ``BadInput`` otherwise (a device such as /dev/zero
    would never end) and when it cannot be opened."""
    try:
        mode = path.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise BadInput(f"cannot read {path}: not a regular file or a pipe")
        return open(path, **how)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _open_regular(path: Path, follow: bool = True) -> Iterator[BinaryIO]:
    """``path`` opened for reading in binary if it is a regular file (``LoadError`` for a FIFO, a
    device or a socket, which would block or never end). Unless ``follow``, a link is refused."""
    # Opened without blocking, so that a FIFO with no writer is refused rather than waited on.
    no_follow = 0 if follow else getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | no_follow)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise LoadError("became a link after the folder was listed; not followed") from None
        raise
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LoadError("not a regular file (a FIFO, device or socket); refused")
        yield file


def read_regular_file(path: Path, max_bytes: int | None = None, follow: bool = True) -> bytes:
    """The bytes of ``path`` if it is a regular file (``LoadError`` for a FIFO, a device or a
    socket, which would block or never end); ``LoadError`` when more than ``max_bytes`` can be
    read, counting what is read and not only the size the file declares (/proc files say 0).
    Unless ``follow``, a link at ``path`` is refused."""
    with _open_regular(path, follow) as file:
        if max_bytes is None:
            return file.read()
        size = os.fstat(file.fileno()).st_size
        if size > max_bytes:
            raise LoadError(f"too large for one article ({size / 1e6:.1f} MB; {_limit(max_bytes)})")
        data = file.read(max_bytes + 1)
        if len(data) > max_bytes:  # it declared less than it holds
            raise LoadError(f"too large for one article (more than {max_bytes / 1e6:g} MB; {_limit(max_bytes)})")
        return data


def _limit(max_bytes: int) -> str:
    """What a message of an article too large says of the limit, and the setting that sets it."""
    return f"the limit is {max_bytes / 1e6:g} MB, TANYA_FETCH_MAX_BYTES"


def _import_parsers() -> None:
    """In the parser child as it starts: the parsers' imports (a second or more), which no
    document's deadline should pay for."""
    import pypdf  # noqa: F401
    import trafilatura  # noqa: F401


# The process's one parser child (``ingest.worker``), started on the first HTML page or PDF.
_PARSER = ParseWorker(warm_up=_import_parsers)


def _parsed(parse: Any, args: tuple[Any, ...], timeout_s: float, what: str) -> tuple[str, dict[str, Any]]:
    """``parse(*args)`` run by the parser child; what else than a ``LoadError`` a parser raises on
    a malformed document is a ``LoadError`` too, naming it: that document is skipped, not the run."""
    try:
        result: tuple[str, dict[str, Any]] = _PARSER.run(parse, args, timeout_s, what)
    except LoadError:
        raise
    except Exception as exc:
        raise LoadError(f"cannot read {what} ({type(exc).__name__})") from None
    return result


def parse_document(
    data: bytes,
    suffix: str,
    source: str,
    meta: dict[str, Any],
    fallback_title: str,
    url: str | None = None,
    *,
    max_chars: int | None,
    timeout_s: float = PARSE_TIMEOUT_S,
) -> Article:
    """Turn the bytes of one .txt/.md/.html/.pdf document into an ``Article``; a PDF whose text
    comes to more than ``max_chars`` is refused (its compressed pages can hold far more text than
    the file's size, which is what the byte limit counts). HTML and PDF are parsed in a child
    process, stopped after ``timeout_s`` seconds (``ingest.worker``)."""
    if suffix in (".html", ".htm"):
        text, found = _parsed(_html, (data, url), timeout_s, "this HTML page")
    elif suffix == ".pdf":
        text, found = _parsed(_pdf, (data, max_chars), timeout_s, "this PDF")
    elif suffix in (".md", ".markdown"):
        text, found = _markdown(decode(data))
    else:
        text, found = _plain(decode(data))
    found = {k: v for k, v in found.items() if v}
    merged = {**found, **{k: v for k, v in meta.items() if v}}
    if url and not merged.get("url"):
        merged["url"] = url
    return make_article(source, text, merged, fallback_title)


# A run of characters without a space or a line break this long is no language a question can
# be asked about (an inline data: URI, an encoded blob, a file of one endless word): it is left
# out of the article. Embedded, it cost four times what text costs, minutes for a megabyte, all
# the while holding the index's write lock (a hostile test); paragraphs of scripts written without
# spaces (Thai, Chinese) are far shorter.
MAX_WORD_CHARS = 5000


def without_endless_words(text: str) -> str:
    """``text`` without its runs of more than ``MAX_WORD_CHARS`` characters that are not
    whitespace (in one linear pass: a pattern of that length tried at every position of a long
    run would be quadratic)."""
    if all(len(word) <= MAX_WORD_CHARS for word in text.split()):
        return text
    return _NOT_SPACE.sub(lambda m: " " if len(m.group()) > MAX_WORD_CHARS else m.group(), text)


_NOT_SPACE = re.compile(r"\S+")


def make_article(source: str, raw_text: str, meta: dict[str, Any], fallback_title: str) -> Article:
    """Clean ``raw_text`` and validate ``meta`` (title, url, published, lang, outlet); every
    string of the article can be stored and printed (no lone surrogates). A file's source
    (``file_source``) is kept as it is; other sources (URLs, JSONL ids) are collapsed by ``_field``."""
    cleaned = clean_text(without_boilerplate(replace_surrogates(raw_text)))
    kept = without_endless_words(cleaned)
    text = cleaned if kept is cleaned else clean_text(kept)
    if not text:
        if cleaned:
            raise LoadError(f"no text in it but runs of more than {MAX_WORD_CHARS:,} characters without a space")
        raise LoadError("no text in it")
    if not any(ch.isalnum() for ch in text):
        raise LoadError("no words in it")
    for name in ("title", "url", "lang", "outlet"):
        if meta.get(name) is not None and not isinstance(meta[name], str):
            raise LoadError(f"{name} must be text, not {type(meta[name]).__name__}")
    # One line with no control characters, C1 included, like every field (and whatever made the fallback).
    title = _field(clean_text(replace_surrogates(meta.get("title") or ""))) or _field(fallback_title)
    lang = _field(meta.get("lang") or guess_language(text[:5000]))
    url = meta["url"].strip() if meta.get("url") else None
    if url is not None and not _WELL_FORMED_URL.fullmatch(url):
        # shown with what makes it so written as escapes ("\x1b[31m"): cleaned as a field is, it
        # had looked well-formed (a hostile tester's, 2026-12-05)
        raise LoadError(f"url is not a well-formed http(s) URL: {replace_surrogates(without_credentials(url))[:80]!r}")
    return Article(
        source=_field(printable_path(without_credentials(source))),
        text=text,
        title=title[:300],
        url=without_credentials(url) if url else None,
        published=parse_published(meta.get("published")),
        lang=lang,
        outlet=_field(meta["outlet"]) or None if meta.get("outlet") else None,
    )


# An http(s) URL as one token: no whitespace, no angle brackets or quotes, no control characters
# (stored URLs are printed in terminals and in Discord's "<...>" link wrapping).
_WELL_FORMED_URL = re.compile(r"https?://[^\s<>\"\\\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)


def _field(text: str) -> str:
    """A metadata field as it can be stored and printed: no lone surrogates, a terminal's escape
    sequences dropped whole and invisible characters left out (as article text is cleaned:
    a file name's "\x1b[31mRED" had left "[31mRED" in its title, a zero-width space showed
    nothing), and other control characters (in a URL, a JSONL id or an outlet) turned into spaces:
    ``clean_text``, on one line."""
    return " ".join(clean_text(replace_surrogates(text)).split())


def parse_published(value: Any) -> str | None:
    """Return ``value`` as an ISO date (YYYY-MM-DD), ``None`` when absent; ``LoadError`` when invalid."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    # a date and a time the parser cannot read ("2024-05-06 10:00:00 +0700", a second's fraction
    # of nine digits): the date; not a date followed by anything else ("2024-01-01 kemarin",
    # "2024-01-01T25:00", escape sequences), which had been taken for the date
    match = _DATE_THEN_TIME.fullmatch(text)
    if match is not None:
        with contextlib.suppress(ValueError):  # a day no calendar has: "2024-02-30 10:00"
            return date.fromisoformat(match.group(1)).isoformat()
    raise LoadError(f"published is not an ISO date: {_field(text)[:40]}")


_DATE_THEN_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2}),?[T ]\s*([01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:[.,]\d+)?)?"
    # a zone: "Z", "+07:00", "WIB", "UTC+7", "+07:00[Asia/Jakarta]"
    r"\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}(?:[+-]\d{1,2}(?::?\d{2})?)?)?(?:\[[\w/+-]+\])?",
    re.IGNORECASE,
)


# Control characters of text files but tab, line ends, form feed and a terminal's escape.
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or (13 < b < 32 and b != 27))
_BINARY_WINDOW = 65536
_BINARY_FLOOR = 256


def _binary(data: bytes, lines: bool) -> bool:
    """Whether ``data`` holds binary data anywhere: a window of 64 KiB with more than 1% control
    characters, or (unless ``lines``) a NUL. Every window is read, the last one ending with the
    data: 66 KB of text before 300 KB of random bytes or a gzip stream had been indexed as 453
    chunks of mojibake, when only the first 64 KiB were looked at."""
    return any(_binary_window(window, lines) for window in _windows(io.BytesIO(data)))


def _windows(file: BinaryIO) -> Iterator[bytes]:
    """The windows of 64 KiB that ``_binary`` looks at, read from ``file``: the last one ends with
    its data and is a whole window when the data is longer than one."""
    previous = b""
    while True:
        window = file.read(_BINARY_WINDOW)
        if len(window) < _BINARY_WINDOW:
            if previous and window:  # the tail as a whole window, not a few bytes alone
                window = (previous + window)[-_BINARY_WINDOW:]
            if window or not previous:
                yield window
            return
        yield window
        previous = window


def _binary_window(window: bytes, lines: bool) -> bool:
    if b"\x00" in window and not lines:
        return True
    controls = len(window) - len(window.translate(None, _CONTROL_BYTES))
    # counted against at least 256 bytes: a 70-byte article with one terminal escape (its BEL
    # a control byte) had been called binary; 30 random bytes hold about 3 controls, still binary
    return controls / max(len(window), _BINARY_FLOOR) > 0.01


def decode(data: bytes, lines: bool = False) -> str:
    """Decode text bytes: BOM-marked UTF-8/UTF-32/UTF-16, else UTF-8 (with a few bytes broken,
    shown as "\ufffd"), else Windows-1252; binary refused (more than 1% control characters, or,
    unless ``lines``, a NUL: a JSON Lines file's line with one is skipped on its own, as any bad
    line is, not the file's other articles with it). A terminal's escape character counts as none
    (a text with colours is text). UTF-32's little-endian mark begins with UTF-16's, so it is looked
    for first."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    kind = next((name for magic, name in _SIGNATURES if data.startswith(magic)), None)
    if kind is not None:  # too short to hold 1% control bytes: "\x89PNG\r\n" had been the article "‰PNG"
        raise LoadError(f"binary data ({kind}), not text")
    if _binary(data, lines):
        raise LoadError("binary data, not text")
    return _utf8_or_cp1252(data)


# The first bytes of binary formats a text file may really be (a file named .txt, a page served
# as HTML), whatever follows them
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"%PDF-", "a PDF"),
    (b"\x7fELF", "a program"),
)


def _utf8_or_cp1252(data: bytes) -> str:
    """Text bytes as UTF-8, else as Windows-1252. UTF-8 with a few broken bytes (shown as
    "\ufffd") stays UTF-8, one stray byte must not turn every curly quote of a text into "â€œ": it
    is when its well-formed characters beyond ASCII are at least as many as the bytes that are
    not, which a Windows-1252 text's accented letters almost never form."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    well_formed = len(text) - len(text.encode("ascii", "ignore")) - broken
    # (a tie is UTF-8: one accented letter beside one character cut in half, in a line of JSON)
    if well_formed > 0 and well_formed >= broken:
        return text
    return data.decode("cp1252", errors="replace")


_MAX_SIDECAR_BYTES = 1_000_000


# The suffixes of the files that may have a sidecar (a JSONL file's lines carry their own metadata).
_SIDECAR_TAKERS = tuple(suffix for suffix in SUPPORTED_SUFFIXES if suffix != ".jsonl")


def _there(path: Path) -> bool:
    """Whether ``path`` names something, a link to nothing included; a name longer than the
    system allows names nothing (Python 3.11's ``exists`` raises for it)."""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return False


def sidecar_path(path: Path) -> Path | None:
    """The sidecar of the article file ``path``: ``NAME.meta.json`` beside ``NAME.txt``, or
    ``NAME.txt.meta.json`` (the whole file name: a hostile tester's, it had been ignored without a
    word), unless that one is already the sidecar of an article beside it (``NAME.txt.md``, as
    ``report.pdf.txt`` beside ``report.pdf`` owns ``report.pdf.meta.json``); ``None`` when there is
    neither. Both at once are refused: which one holds the article's metadata?"""
    whole = path.with_name(path.name + META_SUFFIX)
    found = [p for p in (path.with_name(path.stem + META_SUFFIX), whole) if _there(p)]
    if whole in found and any(  # looked for only when there is one: a folder's files cost two checks each
        _there(path.with_name(path.name + suffix)) for taker in _SIDECAR_TAKERS for suffix in (taker, taker.upper())
    ):
        found.remove(whole)
    if len(found) > 1:
        first, second = (printable_path(p.name) for p in found)
        raise LoadError(f"both {first} and {second} describe {printable_path(path.name)}; keep one of them")
    return found[0] if found else None


def _sidecar(path: Path, within: Path | None = None) -> dict[str, Any]:
    meta_path = sidecar_path(path)
    if meta_path is None:
        return {}
    if not meta_path.exists():  # dangling or a loop: the article had gone in without its metadata, silently
        raise LoadError(f"{printable_path(meta_path.name)} is a link to nothing that can be read")
    if within is not None and not meta_path.resolve().is_relative_to(within):
        raise LoadError(f"{printable_path(meta_path.name)} is a link out of the folder; not followed")
    try:
        # a sidecar's own limits, not an article's (whose message names TANYA_FETCH_MAX_BYTES)
        if meta_path.is_dir():
            raise LoadError(f"{printable_path(meta_path.name)} is a folder, not a JSON file")
        if meta_path.stat().st_size > _MAX_SIDECAR_BYTES:
            raise LoadError(f"{printable_path(meta_path.name)} is larger than a sidecar may be (1 MB)")
        # utf-8-sig: a byte order mark (as some editors save) is not part of the JSON
        meta = json.loads(read_regular_file(meta_path, _MAX_SIDECAR_BYTES).decode("utf-8-sig"))
    except LoadError as exc:
        if str(exc).startswith(printable_path(meta_path.name)):
            raise
        raise LoadError(f"{printable_path(meta_path.name)}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise LoadError(f"{printable_path(meta_path.name)} is not valid JSON: {exc}") from None
    except RecursionError:
        raise LoadError(f"{printable_path(meta_path.name)} is not valid JSON: nested too deeply") from None
    if not isinstance(meta, dict):
        raise LoadError(f"{printable_path(meta_path.name)} must hold a JSON object")
    return meta


def _plain(text: str) -> tuple[str, dict[str, Any]]:
    return text, {}


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
# Each opener looks ahead a bounded distance on its own line: unbounded, an opener without a
# closer scanned to the end of the text, and a file of many made ingest quadratic (150 KB of
# "`a " took minutes).
_MD_IMAGE = re.compile(r"!\[([^\]\n]{0,300})\]\([^)\n]{0,2000}\)")
_MD_LINK = re.compile(r"\[([^\]\n]{1,300})\]\([^)\n]{0,2000}\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.{1,300}?)(?<=\S)\1")
_MD_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)


def _markdown(text: str) -> tuple[str, dict[str, Any]]:
    meta: dict[str, Any] = {}
    # lines ended the old Mac way ("\r" alone) or the Windows way: the front matter and headings
    # are read by lines (a hostile tester's "\r"-only file had its front matter quoted as text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() in ("title", "url", "published", "date", "lang", "outlet"):
                meta["published" if key.strip() == "date" else key.strip()] = value.strip().strip("\"'")
        text = text[front.end() :]
    heading = _MD_HEADING.search(text)
    if heading and "title" not in meta:
        meta["title"] = heading.group(1)
    text = _MD_HEADING.sub(lambda m: m.group(1) + "\n", text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_BULLET.sub("", text)
    text = text.replace("```", "")
    return text, meta


def _html(data: bytes, url: str | None) -> tuple[str, dict[str, Any]]:
    import trafilatura

    html = decode(data) if not data.startswith(b"\xef\xbb\xbf") else data[3:].decode("utf-8", "replace")
    html = _XML_INVALID_REFERENCE.sub(_readable_reference, html)
    extract = functools.partial(
        trafilatura.extract, url=url, output_format="txt", include_comments=False, include_tables=True
    )
    text = extract(_without_unseen(html))
    if not text or not text.strip():  # perhaps nested deeper than lxml's parser goes by default
        tree = _deeper_tree(html)
        text = extract(tree) if tree is not None else None
    if not text or not text.strip():
        raise LoadError("no article text found in the HTML")
    meta: dict[str, Any] = {}
    # a date the page states (its metadata, a dateline), not one guessed from any figure of its
    # text: "1999 keluarga mengungsi" had been published on 1999-01-01, a footer's "© 2026" on 2026-01-01
    found = trafilatura.extract_metadata(html, default_url=url, extensive=False)
    if found is not None:
        # the page's own address (og:url, a canonical link) only when well formed: a page that
        # writes it badly ("https://news.example/a b") is still an article, at the address it was
        # fetched from, while a URL a user gives (JSONL, sidecar, front matter) must be well formed;
        # and, for a page fetched, only on the host it was fetched from: a page at any address
        # could otherwise have its answers cite "https://www.reuters.com/..."
        page_url = found.url.strip() if isinstance(found.url, str) else None
        page_url = page_url if page_url and _WELL_FORMED_URL.fullmatch(page_url) else None
        if page_url and url and _host(page_url) != _host(url):
            page_url = None
        published = None if _made_up_day(found.date, html) else found.date
        meta = {"title": found.title, "published": published, "url": page_url, "outlet": found.sitename}
    return text, meta


# An inline style that hides its element from every reader ("display: none", "visibility:hidden").
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)", re.IGNORECASE)


def _without_unseen(html: str) -> Any:
    """``html``, or when it has elements no reader sees its tree without them: what a browser shows
    only without scripts (``<noscript>``: a page had its text quoted as an answer, and its headline
    glued to the lead by trafilatura's fallback reading) and what an inline style hides
    ("display:none", "visibility:hidden") or the ``hidden`` attribute (a page could plant text its
    readers never see, quoted as an answer and put in a chat model's prompt; a hostile tester's).
    Dropped from the parsed tree, not the text: a "<noscript>" in a comment, a script or an
    attribute opens none. (What a style sheet's classes hide cannot be told without it.)"""
    lowered = html.lower()
    if "noscript" not in lowered and "hidden" not in lowered and _HIDING_STYLE.search(lowered) is None:
        return html
    tree = _html_tree(html, huge=False)
    if tree is None:
        return html
    unseen = [
        element
        for element in tree.iter()
        if isinstance(element.tag, str)
        and (
            element.tag.lower() == "noscript"
            or element.get("hidden") is not None
            or _HIDING_STYLE.search(element.get("style") or "") is not None
        )
    ]
    for element in unseen:
        if element.getparent() is not None:  # (not the root; one inside another went with it)
            element.drop_tree()
    return tree


def _html_tree(html: str, huge: bool) -> Any:
    """``html`` parsed as trafilatura parses it (as UTF-8 whatever charset the page declares: it is
    text already), to libxml2's larger depth when ``huge`` (2,048 elements, not 256); ``None``
    when there is nothing to parse."""
    from lxml.etree import LxmlError
    from lxml.html import HTMLParser, fromstring

    parser = HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge,
    )
    with contextlib.suppress(LxmlError, ValueError):  # nothing to parse ("Document is empty")
        return fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    return None


# How much more text a page read to the larger depth must hold than read to the default one for
# trafilatura to be asked again: its reading of a deep tree is slow (nests of empty elements 2,000
# deep, 1 MB: 35 s), and only a tree that holds text the default depth cut off can gain from it.
_HIDDEN_TEXT_CHARS = 100


def _deeper_tree(html: str) -> Any:
    """``html`` read to the larger depth when that holds text the default depth cut off (a page
    whose article stood 300 elements deep had been "no article text found"), else ``None``: both
    read alike but for the depth, script and style counting as no text (a page's last script,
    which the cut-off reading never reaches, had counted as hidden text)."""
    deep = _html_tree(html, huge=True)
    if deep is None:
        return None
    shallow = _html_tree(html, huge=False)
    if shallow is not None and _text_chars(deep) <= _text_chars(shallow) + _HIDDEN_TEXT_CHARS:
        return None
    return deep


def _text_chars(tree: Any) -> int:
    """The characters of a tree's text, script and style left out."""
    count = 0
    for element in tree.iter():
        if element.text and isinstance(element.tag, str) and element.tag.lower() not in ("script", "style"):
            count += len(element.text.strip())
        if element.tail:  # after the element, in its parent
            count += len(element.tail.strip())
    return count


_ISO_DAY = re.compile(r"(?<!\d)(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)")


def _made_up_day(found: str | None, html: str) -> bool:
    """Whether the date the page's metadata gives (``found``) is the first of a month that the
    page only writes with a day it does not have: htmldate reads "2024-02-30" as 2024-02-01, and
    the article would be cited, and filtered by --since, at a date no one wrote (a hostile test;
    a sidecar or a .jsonl line giving 2024-02-30 is refused)."""
    if not found or not found.endswith("-01"):
        return False
    year, month = int(found[:4]), int(found[5:7])
    days = [int(d) for y, m, d in _ISO_DAY.findall(html) if int(y) == year and int(m) == month]
    return bool(days) and 1 not in days and any(not _is_day(year, month, d) for d in days)


def _is_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# A character reference ("&#27;", "&#x7;", "&#xfffe;"): one to a character XML has no place for
# made lxml drop the whole page ("no article text found in the HTML").
_XML_INVALID_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _readable_reference(match: re.Match[str]) -> str:
    """A character reference as it is, unless it names a control character XML refuses (a space
    then, as the text's own control characters become)."""
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    refused = (code < 0x20 and code not in (0x09, 0x0A, 0x0D)) or code in (0xFFFE, 0xFFFF)
    return " " if refused else match.group(0)


@functools.cache
def _ipv6_networks() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """IPv6 networks ``_is_public`` refuses whole (local-use NAT64, RFC 8215: a site's own
    translator; site-local, deprecated; documentation and SRv6 SIDs, newer than this Python's
    table), and those whose last 32 bits are the IPv4 address reached (NAT64, IPv4-compatible,
    SIIT IPv4-translated); built once."""
    import ipaddress

    def nets(*names: str) -> tuple[Any, ...]:
        return tuple(ipaddress.ip_network(name) for name in names)

    return nets("64:ff9b:1::/48", "fec0::/10", "3fff::/20", "5f00::/16"), nets(
        "64:ff9b::/96", "::/96", "::ffff:0:0:0/96"
    )


def _host(url: str) -> str:
    """A URL's host in lower case, without "www." (the same site either way)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _pdf(data: bytes, max_chars: int | None = None) -> tuple[str, dict[str, Any]]:
    import pypdf
    from pypdf.errors import DependencyError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (no password support)")
        size = 0

        def count(text: str, *_: Any) -> None:  # each piece as it is read: one page may repeat a form
            nonlocal size
            size += len(text)
            if max_chars is not None and size > max_chars:
                raise LoadError(
                    f"its text is too large for one article (more than {max_chars / 1e6:g} MB; {_limit(max_chars)})"
                )

        if max_chars is not None:
            _check_drawing_size(reader, max_chars)
        pages = [page.extract_text(visitor_text=count) or "" for page in reader.pages]
        title = _pdf_title(reader)
    except LoadError:
        raise
    except DependencyError as exc:  # AES, with no empty password or not: pypdf needs a package for it
        if "AES" in str(exc):
            raise LoadError("encrypted PDF (AES needs the cryptography package: pip install cryptography)") from None
        raise LoadError(f"PDF needs a package that is not installed ({exc})") from None
    except Exception as exc:  # any failure of pypdf on a malformed file is the file's
        # RecursionError: arrays nested deeper than pypdf's recursive parser reaches, a 1.6 KB file;
        # AttributeError: an object of another type where a dictionary belongs (it had ended the
        # whole ingest with a traceback, the files after it never read; a hostile tester's fuzzing)
        raise LoadError(f"not a readable PDF ({type(exc).__name__})") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise LoadError("PDF has no extractable text (scanned or image-only?)")
    return text, {"title": title}


def _pdf_title(reader: Any) -> str | None:
    """The document's /Title as plain text, or ``None``: one given by reference, or a number where
    text belongs, is no reason to skip the PDF (a title by reference had come back as pypdf's own
    object, holding its reader, which could not be sent back from the parser child)."""
    try:
        title: Any = reader.metadata.title if reader.metadata else None
        title = title.get_object() if hasattr(title, "get_object") else title
    except Exception:  # a malformed information dictionary: the PDF's text is still read
        return None
    return str(title) if isinstance(title, str) else None


def _check_drawing_size(reader: Any, max_bytes: int) -> None:
    """Refuse a PDF whose pages' drawing instructions, decompressed, pass the size limit before
    any text is read from them: pypdf reads them an operator at a time, about 10 s a megabyte
    here, and a 44 KB file of 300,000 small text operators had cost 140 s of CPU before its text
    passed the limit (a hostile test). A page's content streams are counted each time a page
    draws them."""
    size = 0
    for page in reader.pages:
        contents = page.get_contents()
        size += len(contents.get_data()) if contents is not None else 0
        if size > max_bytes:
            raise LoadError(
                f"its pages' contents are too large for one article (more than {max_bytes / 1e6:g} MB "
                f"decompressed; {_limit(max_bytes)})"
            )


def load_url(url: str, fetcher: Fetcher) -> Article:
    """Fetch ``url`` and parse it by its content type."""
    body, content_type, final_url = fetcher.fetch(url)
    suffix = _suffix_for(content_type, final_url)
    if suffix is None:
        raise LoadError(f"not an article (content type {content_type or 'unknown'})")
    final_url = canonical_url(final_url)  # the same page, however it was written: the same text
    return parse_document(
        body,
        suffix,
        canonical_url(without_credentials(url)),
        {},
        fallback_title=final_url,
        url=final_url,
        max_chars=fetcher.max_bytes,
        timeout_s=fetcher.parse_timeout_s,
    )


def _suffix_for(content_type: str, url: str) -> str | None:
    by_type = {
        "text/html": ".html",
        "application/xhtml+xml": ".html",
        "text/plain": ".txt",
        "text/markdown": ".md",
        "application/pdf": ".pdf",
    }
    if content_type in by_type:
        return by_type[content_type]
    if content_type in ("", "application/octet-stream"):
        path = url.split("?")[0].lower()
        for suffix in (".html", ".htm", ".txt", ".md", ".pdf"):
            if path.endswith(suffix):
                return suffix
    return None


# Before a JSON Lines id that reads as a file's path ("/news/2024/01/slug"): a file's article
# is named by its path, and the id must not replace it. An id that begins so gets it too, so that
# two ids never share a source ("/news/x" and "jsonl:/news/x" had: a hostile tester's, 2026-12-05).
JSONL_ID_PREFIX = "jsonl:"


def jsonl_source(source: str) -> str:
    """The source a JSON Lines line's id (as ``text_source`` writes it) is stored under:
    ``JSONL_ID_PREFIX`` before one that reads as an absolute file path or begins with the prefix
    itself, with the "#" of a line number at its end written "\\x23", so that it is not the
    source of that file's line (``/news/n.jsonl#L1``, which names line 1 of ``/news/n.jsonl``
    when that line has neither id nor url: a review's, 2026-12-05). A "\\x23" the id itself
    writes was escaped by ``text_source``, so no two ids share a source."""
    if not (_is_absolute_path(source) or source.startswith(JSONL_ID_PREFIX)):
        return source
    return JSONL_ID_PREFIX + _LINE_OF_A_FILE.sub(r"\\x23\1", source)


# The end of a source naming a line of a JSON Lines file ("/news/n.jsonl#L5")
_LINE_OF_A_FILE = re.compile(r"#(L\d+)$")


def _is_absolute_path(text: str) -> bool:
    """Whether ``text`` reads as an absolute file path, the form of a file article's source."""
    return text.startswith("/") or bool(re.match(r"[A-Za-z]:[\\/]", text))


def json_lines(text: str) -> list[str]:
    """The lines of a JSON Lines text: only a newline ends one (``str.splitlines`` also splits at
    U+2028, U+2029 and U+0085, which may stand inside a JSON string), a "\r" before it dropped."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _json_lines_read(file: BinaryIO, line_limit: int | None) -> Iterator[str | None]:
    """The lines of a JSON Lines file as ``json_lines`` splits its text, read a line at a time,
    each decoded on its own as ``decode`` decodes a text (UTF-8, else Windows-1252: one line of
    stray bytes had made the whole file Windows-1252); a line longer than ``line_limit`` bytes is
    read past and given as ``None``. A file that does not begin with a JSON object is refused if it
    is binary (a gzip stream, a PDF named .jsonl), read through once in windows first; a file in
    UTF-16 or UTF-32, whose newlines are not one byte, is decoded whole."""
    head = file.read(4)
    file.seek(0)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield from json_lines(decode(file.read(), lines=True))
        return
    if head.startswith(codecs.BOM_UTF8):
        file.seek(len(codecs.BOM_UTF8))
    else:
        # a file that begins as JSON Lines does is read line by line, a bad line skipped on its
        # own (one line of control bytes had refused a hundred articles as "binary data")
        first = file.readline(_FIRST_LINE_BYTES)
        file.seek(0)
        if not _json_object(first) and any(_binary_window(window, lines=True) for window in _windows(file)):
            raise LoadError("binary data, not text")
        file.seek(0)
    while True:
        line = file.readline(line_limit or -1)
        if not line:
            return
        if line_limit is not None and len(line) >= line_limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # read past the rest of it
                line = file.readline(_BINARY_WINDOW)
            yield None
            continue
        yield _utf8_or_cp1252(line.removesuffix(b"\n").removesuffix(b"\r"))


_FIRST_LINE_BYTES = 1 << 24


def _json_object(line: bytes) -> bool:
    """Whether ``line`` is a JSON object written in UTF-8, as a JSON Lines file's line is (json
    would read UTF-16 without its mark too, which is read here as bytes: binary)."""
    try:
        return isinstance(json.loads(line.decode("utf-8", errors="replace")), dict)
    except (ValueError, RecursionError):  # not JSON
        return False


def load_jsonl(file: BinaryIO, source: str, max_bytes: int | None = None) -> Iterator[Article | Skipped]:
    """Yield one article per line of a JSON Lines file, read from ``file`` a line at a time (its
    bytes, its text and its lines had all been held at once: a feed of 1 GB took some 4 GB before
    its first article); a bad line is skipped with its number, as is an article whose text is
    larger than ``max_bytes`` (the limit on a file of one article) and a line that cannot hold one
    that is not (more than six times ``max_bytes``, what JSON's escapes make of a text at most)."""
    line_limit = None if max_bytes is None else 6 * max_bytes + _BINARY_WINDOW
    for number, line in enumerate(_json_lines_read(file, line_limit), start=1):
        where = f"{source}:{number}"
        if line is None:
            assert max_bytes is not None and line_limit is not None
            yield Skipped(
                where,
                f"line {number}: too large for one article "
                f"(a line of more than {line_limit / 1e6:g} MB; {_limit(max_bytes)})",
            )
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"line {number} is not valid JSON ({exc.msg})")
            continue
        except ValueError as exc:  # a number of more than 4,300 digits
            yield Skipped(where, f"line {number} is not valid JSON ({str(exc).split(';')[0][:80]})")
            continue
        except RecursionError:  # nested deeper than the parser's stack
            yield Skipped(where, f"line {number} is not valid JSON (nested too deeply)")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield Skipped(where, f'line {number} has no "text" string')
            continue
        size = len(record["text"].encode("utf-8", "surrogatepass"))
        if max_bytes is not None and size > max_bytes:
            yield Skipped(where, f"line {number}: too large for one article ({size / 1e6:.1f} MB; {_limit(max_bytes)})")
            continue
        item_id = record.get("id")
        if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, str | int)):
            yield Skipped(where, f'line {number}: "id" must be text or a number')
            continue
        # an id that is nothing once cleaned ("   ", an escape character) is no id: the article
        # would be stored under an empty source that no command can name
        item_id = str(item_id) if item_id is not None and _field(str(item_id)) else ""
        url = record.get("url")
        # an id is written with file_source's reversible escapes: two ids never share a source
        # ("story 1" and "story\t1", a lone surrogate and the text "\ud83d" had been collapsed
        # into one, and ingesting one replaced the other)
        item_source = (
            text_source(item_id)
            if item_id
            else str((canonical_url(url) if isinstance(url, str) else url) or f"{source}#L{number}")
        )
        try:
            article = make_article(
                item_source, record["text"], record, fallback_title=f"{Path(source).name} line {number}"
            )
        except LoadError as exc:
            yield Skipped(where, f"line {number}: {exc}")
            continue
        if item_id:  # never a file's source, nor another line's
            article = dataclasses.replace(article, source=jsonl_source(article.source))
        elif _is_absolute_path(article.source):  # a line of this file: never the file's own source
            article = dataclasses.replace(article, source=JSONL_ID_PREFIX + article.source)
        yield dataclasses.replace(article, origin=f"{source} line {number}")
