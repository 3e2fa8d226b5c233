"""End to end over HTTP: the real langchain-openai client (streaming) against a small
OpenAI-compatible server on a loopback port, through `tanya ask`."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli.app import app

pytestmark = pytest.mark.slow

API_KEY = "sk-test-0123456789abcdef"
QUESTION = "Berapa karyawan TikTok di Malaysia yang terkena PHK?"


class ChatServer(ThreadingHTTPServer):
    """Answers /v1/chat/completions with a scripted reply, streamed as server-sent events."""

    reply = ""
    status = 200
    delay_s = 0.0  # how long it holds a request, unless released first
    endless = False  # a streamed reply that never ends: one event's line that goes on for ever
    gone: threading.Event  # set when a client stopped reading an endless reply
    pause_s = 0.0  # between the endless reply's pieces of 64 KiB
    unfinished = False  # the stream ends (the connection closed) before its last event and [DONE]
    slow_headers = False  # its headers come a byte every 0.2 s (for 30 s at most), so no read times out
    hang_after: int | None = None  # a streamed reply stalls after this many words (until released)
    content: Any = None  # when set, every streamed piece's content is this (not text: a list, a number)
    released: threading.Event
    requests: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        self.server.released.wait(self.server.delay_s)
        if self.server.slow_headers:
            self._send(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            for _ in range(150):
                if not self._send(b"a"):
                    self.server.gone.set()
                    return
                time.sleep(0.2)
            return
        if self.server.status != 200:
            payload = json.dumps({"error": {"message": "upstream exploded", "type": "server_error"}}).encode()
            self.send_response(self.server.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        words = [w + " " for w in self.server.reply.split(" ")]
        if not body.get("stream"):
            message = {"role": "assistant", "content": self.server.reply}
            payload = json.dumps(
                {
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if self.server.endless:  # a line that never ends: no event is ever complete
            self._send(b'data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": "')
            while self._send(b"A" * 65536):
                time.sleep(self.server.pause_s)
            self.server.gone.set()
            return
        for i, word in enumerate([*words] if self.server.unfinished else [*words, None]):
            if i == self.server.hang_after:
                self.server.released.wait(60)
            delta = (
                {"content": word if self.server.content is None else self.server.content} if word is not None else {}
            )
            if i == 0:
                delta["role"] = "assistant"
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": None if word is not None else "stop"}],
            }
            if not self._send(f"data: {json.dumps(chunk)}\n\n".encode()):
                return
        if not self.server.unfinished:
            self._send(b"data: [DONE]\n\n")

    def _send(self, data: bytes) -> bool:
        """Write a server-sent event; False once the client has gone (a test's timeout)."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # BrokenPipeError, ConnectionResetError; over TLS an SSLError too
            return False
        return True


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer(("127.0.0.1", 0), Handler)
    server.requests = []
    server.released = threading.Event()
    server.gone = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.released.set()  # a request still held ends now
    server.shutdown()
    server.server_close()


@pytest.fixture
def llm_env(chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch, bundled_index: Path) -> ChatServer:
    monkeypatch.setenv("TANYA_LLM", "openai:tiny-test-model")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{chat_server.server_address[1]}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("TANYA_LLM_TIMEOUT_S", "10")
    return chat_server


def test_openai_compatible_server_streams_a_verified_answer(llm_env: ChatServer) -> None:
    first = (  # the article's sentence, quoted word for word as the default prompt asks
        "RAKYATSULSEL - TikTok baru-baru ini merumahkan sekitar 700 karyawan di Malaysia dengan mayoritas dari "
        "mereka bekerja dalam moderasi konten."
    )
    llm_env.reply = f"{first[:-1]} [1]. Jumlahnya 9.999 orang [1]."
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "llm" and data["note"] is None
    assert data["answer"] == f"{first} [1]"  # 9.999 was not in it
    assert "700" in data["citations"][0]["quote"]
    (request,) = llm_env.requests
    assert request["path"] == "/v1/chat/completions" and request["body"]["stream"] is True
    assert request["auth"] == f"Bearer {API_KEY}" and request["body"]["model"] == "tiny-test-model"
    body = request["body"]  # the reply is bounded in tokens (TANYA_LLM_MAX_TOKENS)
    assert body.get("max_completion_tokens", body.get("max_tokens")) == 600
    prompt = request["body"]["messages"][1]["content"]
    assert '<passage n="1" title="TikTok' in prompt and QUESTION in prompt


LAYOFF_SENTENCE = (  # the bundled article's sentences, quoted word for word as the default prompt asks
    "RAKYATSULSEL - TikTok baru-baru ini merumahkan sekitar 700 karyawan di Malaysia dengan mayoritas dari "
    "mereka bekerja dalam moderasi konten."
)
EMAIL_SENTENCE = "Para pekerja yang terdampak telah menerima informasi melalui email pada 12 Oktober 2024."


def test_a_stream_cut_off_before_its_end_keeps_only_the_sentences_verified_before_the_cut(
    llm_env: ChatServer,
) -> None:
    llm_env.reply = f"{LAYOFF_SENTENCE[:-1]} [1]. {EMAIL_SENTENCE[:-1]} [1]."
    llm_env.unfinished = True  # no finish_reason, no [DONE]: the connection just closes
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # before: both sentences, as though the model had finished its answer; its last sentence may
    # have been cut mid-way, so it is not checked (as at a token limit)
    assert data["mode"] == "llm" and data["answer"] == f"{LAYOFF_SENTENCE} [1]"
    llm_env.unfinished = False  # the same reply, ended as the protocol ends it
    data = json.loads(CliRunner().invoke(app, ["ask", "--json", QUESTION]).stdout)
    assert data["mode"] == "llm" and data["note"] is None and EMAIL_SENTENCE in data["answer"]


def test_a_one_sentence_stream_cut_off_before_its_end_gives_the_extractive_answer(llm_env: ChatServer) -> None:
    from bot.chain.llm import NOTES

    llm_env.reply = f"{LAYOFF_SENTENCE[:-1]} [1]."
    llm_env.unfinished = True
    data = json.loads(CliRunner().invoke(app, ["ask", "--json", QUESTION]).stdout)
    assert data["mode"] == "extractive" and data["note"] == NOTES["unsupported"] and "700" in data["answer"]


def test_cli_text_mode_streams_then_lists_sources(llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANYA_LLM_PARAPHRASE", "true")  # the model's own words, checked word by word
    llm_env.reply = "Sekitar 700 karyawan TikTok di Malaysia terkena PHK [1]."
    result = CliRunner().invoke(app, ["ask", QUESTION])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Sekitar 700 karyawan TikTok di Malaysia terkena PHK. [1]") == 1
    assert "[1] TikTok" in result.stdout


def test_cli_text_mode_prints_each_sentence_of_a_streamed_answer_once(llm_env: ChatServer) -> None:
    # the last sentence is checked once the model stops writing; the answer then began with the
    # sentences already shown, and was printed again whole below them (found by a hostile tester)
    llm_env.reply = f"{LAYOFF_SENTENCE[:-1]} [1]. {EMAIL_SENTENCE[:-1]} [1]."
    result = CliRunner().invoke(app, ["ask", QUESTION])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("TikTok baru-baru ini merumahkan") == 2, result.stdout  # the answer and its source
    assert result.stdout.count("menerima informasi melalui email") == 2, result.stdout


def test_a_key_is_sent_without_the_line_end_a_crlf_env_file_leaves(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", f" {API_KEY}\r\n")
    llm_env.reply = f"{LAYOFF_SENTENCE[:-1]} [1]."
    data = json.loads(CliRunner().invoke(app, ["ask", "--json", QUESTION]).stdout)
    assert data["mode"] == "llm" and llm_env.requests[-1]["auth"] == f"Bearer {API_KEY}"


def test_a_key_in_the_base_urls_query_is_never_logged(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Some servers take their key in the URL ("...?api-key=..."): the HTTP client's request line
    printed it with --debug (a hostile tester's, 2026-12-05)."""
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{llm_env.server_address[1]}/v1?api-key=QuerySecret42")
    llm_env.reply = "x"
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, ["--debug", "ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    assert llm_env.requests and "QuerySecret42" in llm_env.requests[-1]["path"]  # sent (the client's way)
    assert "QuerySecret42" not in caplog.text and "QuerySecret42" not in result.output


def test_a_user_and_password_in_the_base_url_are_refused_and_never_shown(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTTP client sent a URL's user:password@ as Basic auth in place of OPENAI_API_KEY, so the
    key never reached the server (a hostile tester's, left open since the thirty-ninth session):
    refused as a setting, in one line that does not show the password, before any request."""
    port = llm_env.server_address[1]
    for userinfo in ("alice:Pw0rdSecret@", "alice@"):
        monkeypatch.setenv("OPENAI_BASE_URL", f"http://{userinfo}127.0.0.1:{port}/v1")
        result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
        assert result.exit_code == 2 and not llm_env.requests
        assert "invalid OPENAI_BASE_URL" in result.output and "in place of OPENAI_API_KEY" in result.output
        assert "Pw0rdSecret" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_failing_server_gives_the_extractive_answer_and_never_logs_the_key(
    llm_env: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.chain.llm import NOTES

    llm_env.status = 500
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, ["--debug", "ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # reached, and it answered with an error: said so, not "could not be reached" (a hostile test)
    assert data["mode"] == "extractive" and data["note"] == NOTES["server_error"] and "700" in data["answer"]
    assert API_KEY not in caplog.text and API_KEY not in result.output
    assert "the chat model gave no usable answer" in caplog.text


@pytest.mark.parametrize("status", [401, 403])
def test_a_server_refusing_the_key_is_said_so_and_the_key_never_shows(llm_env: ChatServer, status: int) -> None:
    llm_env.status = status
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and "refused the request" in data["note"] and "700" in data["answer"]
    assert API_KEY not in result.output


def test_a_server_slower_than_the_timeout_gives_the_extractive_answer(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env.delay_s = 120  # far longer than a cold `tanya ask` takes on the busiest machine
    monkeypatch.setenv("TANYA_LLM_TIMEOUT_S", "1")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert time.monotonic() - started < 60  # answered long before the server would have
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and "too long" in data["note"]


def test_a_model_that_stalls_after_verified_sentences_keeps_them_in_json_as_in_text(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.chain.llm import NOTES

    # two verified sentences and the start of a third, then nothing until the deadline: `--json`
    # and `--batch` had waited for the whole draft and given the extractive answer instead
    llm_env.reply = f"{LAYOFF_SENTENCE[:-1]} [1]. {EMAIL_SENTENCE[:-1]} [1]. TikTok juga"
    llm_env.hang_after = len(llm_env.reply.split(" ")) - 1
    monkeypatch.setenv("TANYA_LLM_TIMEOUT_S", "3")
    data = json.loads(CliRunner().invoke(app, ["ask", "--json", QUESTION]).stdout)
    assert data["mode"] == "llm" and data["note"] == NOTES["stopped"], data
    assert LAYOFF_SENTENCE in data["answer"] and EMAIL_SENTENCE in data["answer"]


def test_a_reply_that_never_ends_is_cut_off_at_the_deadline_not_read_for_ever(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env.endless = True  # bytes keep coming, so no read ever times out
    llm_env.pause_s = 0.2  # 320 KB/s: the deadline comes long before the cap on bytes
    monkeypatch.setenv("TANYA_LLM_TIMEOUT_S", "2")
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and "too long" in data["note"] and "700" in data["answer"]
    # the model's client closed its connection: before the fix it read (and buffered) on for ever
    assert llm_env.gone.wait(120)


def test_a_request_whose_headers_trickle_in_ends_at_its_deadline(chat_server: ChatServer) -> None:
    from bot.chain.replies import bounded_http_client

    chat_server.slow_headers = True  # each read gets a byte: before, nothing ended it for 30 s
    url = f"http://127.0.0.1:{chat_server.server_address[1]}/v1/chat/completions"
    started = time.monotonic()
    with bounded_http_client(1.0) as client, pytest.raises(httpx.HTTPError):
        client.post(url, json={"model": "m", "stream": True})
    assert time.monotonic() - started < 3  # a bound on a hang, with room to spare, not a speed
    assert chat_server.gone.wait(10)


def test_a_request_over_tls_whose_headers_trickle_in_ends_at_its_deadline(tmp_path: Path) -> None:
    import shutil
    import ssl
    import subprocess

    from bot.chain.replies import bounded_client_options

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make the server's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
    make += ["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(make, check=True, capture_output=True)
    server = ChatServer(("127.0.0.1", 0), Handler)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    server.socket = server_tls.wrap_socket(server.socket, server_side=True)
    server.requests, server.released, server.gone = [], threading.Event(), threading.Event()
    server.slow_headers = True  # as above, over TLS: the socket httpcore opened is then wrapped
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.monotonic()
    try:
        trusting = ssl.create_default_context(cafile=cert)
        url = f"https://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
        with httpx.Client(verify=trusting, **bounded_client_options(1.0)) as client, pytest.raises(httpx.HTTPError):
            client.post(url, json={"model": "m"})
        # before: the watchdog shut down the socket TLS had taken over (a no-op), and it waited 30 s
        assert time.monotonic() - started < 3
        assert server.gone.wait(10)
    finally:
        server.shutdown()
        server.server_close()


def test_an_llm_endpoint_whose_headers_trickle_in_is_let_go_at_the_deadline(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env.slow_headers = True
    monkeypatch.setenv("TANYA_LLM_TIMEOUT_S", "1")
    data = json.loads(CliRunner().invoke(app, ["ask", "--json", QUESTION]).stdout)
    assert data["mode"] == "extractive" and "too long" in data["note"] and "700" in data["answer"]
    # the model's client closed its connection: before, a thread kept reading the headers for 30 s
    assert llm_env.gone.wait(10)


def test_a_request_that_fails_lets_its_watchdog_go_at_once() -> None:
    """A refused connection gets no response, so no hook cancels the watchdog: the failed step
    does, and its timer's thread ends now, not at the deadline (a chat server that is down would
    otherwise leave a sleeping thread for every question for a minute)."""
    import socket

    from bot.chain.replies import _WATCHDOG, bounded_client_options

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with httpx.Client(**bounded_client_options(600.0)) as client, pytest.raises(httpx.ConnectError) as failed:
        client.get(f"http://127.0.0.1:{port}/")
    timer = failed.value.request.extensions[_WATCHDOG]._timer
    timer.join(timeout=5)
    assert not timer.is_alive()

    # connected, then closed by the server before any reply: httpcore closes the response
    listener = socket.create_server(("127.0.0.1", 0))

    def hang_up() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    import threading

    threading.Thread(target=hang_up, daemon=True).start()
    with httpx.Client(**bounded_client_options(600.0)) as client, pytest.raises(httpx.RemoteProtocolError) as cut:
        client.get(f"http://127.0.0.1:{listener.getsockname()[1]}/")
    listener.close()
    timer = cut.value.request.extensions[_WATCHDOG]._timer
    timer.join(timeout=5)
    assert not timer.is_alive()


def test_a_chat_models_http_reply_is_bounded_in_bytes(chat_server: ChatServer) -> None:
    from bot.chain.replies import bounded_replies

    chat_server.endless = True
    url = f"http://127.0.0.1:{chat_server.server_address[1]}/v1/chat/completions"
    client = httpx.Client(event_hooks=bounded_replies(600, max_bytes=1_000_000), timeout=600)
    too_large = pytest.raises(httpx.ReadError, match="grew past 1000000 bytes")
    with client, client.stream("POST", url, json={"model": "m", "stream": True}) as reply, too_large:
        for _ in reply.iter_bytes():
            pass
    assert chat_server.gone.wait(120)


def test_a_reply_too_large_is_said_to_be_so(llm_env: ChatServer) -> None:
    llm_env.endless = True  # on loopback the cap on bytes comes before the deadline
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and "too large" in data["note"] and "700" in data["answer"]
    assert llm_env.gone.wait(120)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "OPENAI_PROXY"])
def test_the_chat_models_requests_go_through_the_proxy_the_environment_names(
    llm_env: ChatServer, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://api.invalid/v1")  # reached only through the proxy
    monkeypatch.setenv(variable, f"http://127.0.0.1:{llm_env.server_address[1]}")  # the test server, as a proxy
    for other in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(other, raising=False)
    llm_env.reply = (  # the article's sentence, quoted word for word
        "RAKYATSULSEL - TikTok baru-baru ini merumahkan sekitar 700 karyawan di Malaysia dengan mayoritas dari "
        "mereka bekerja dalam moderasi konten [1]."
    )
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["mode"] == "llm"  # before: OPENAI_PROXY refused, HTTP_PROXY ignored
    assert llm_env.requests[0]["path"] == "http://api.invalid/v1/chat/completions"


def test_a_missing_extra_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANYA_LLM", "ollama:qwen2.5:7b")
    result = CliRunner().invoke(app, ["ask", QUESTION])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "tanya: error: TANYA_LLM=ollama:qwen2.5:7b needs the ollama integration: pip install 'tanya[ollama]'"
    )


def test_ctrl_c_while_the_chat_model_is_awaited_ends_at_once(llm_env: ChatServer) -> None:
    """A hostile test: Ctrl-C during a model call was acted on only when the call timed out (up
    to TANYA_LLM_TIMEOUT_S, an hour at most): LangChain runs the call in a worker thread, which
    the interrupted main thread waited for."""
    import os
    import signal
    import subprocess
    import sys

    llm_env.delay_s = 600
    env = {**os.environ, "TANYA_LLM_TIMEOUT_S": "600"}
    tanya = str(Path(sys.executable).parent / "tanya")
    process = subprocess.Popen(
        [tanya, "ask", QUESTION],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    try:
        deadline = time.monotonic() + 120
        while not llm_env.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert llm_env.requests, "the model was never asked"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)  # a bound on a hang (600 s), not a speed
    finally:
        process.kill()
    assert process.returncode == 130 and err == "tanya: interrupted\n"


def test_ctrl_c_in_a_chat_abandons_the_answer_and_the_chat_goes_on(llm_env: ChatServer) -> None:
    """A hostile test: Ctrl-C during an answer ended the whole chat (and the conversation); in a
    shell it abandons what runs. The next question gets its model call, not a cancelled one."""
    import signal

    llm_env.reply = f"{LAYOFF_SENTENCE[:-1]} [1]."
    process = _chat_waiting_on_the_model(llm_env)
    try:
        process.send_signal(signal.SIGINT)
        time.sleep(1)
        llm_env.released.set()  # the model answers the next request at once
        out, err = process.communicate(QUESTION + "\n", timeout=120)  # a bound on a hang (600 s), not a speed
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "tanya: answer interrupted" in err and len(llm_env.requests) == 2
    assert "700 karyawan" in out


def test_sigterm_during_a_chat_answer_ends_the_chat_with_143(llm_env: ChatServer) -> None:
    """A second hostile test: SIGTERM during an answer was met as Ctrl-C there is, the answer
    abandoned and the chat reading the next question; a service manager's stop must end it."""
    import signal

    process = _chat_waiting_on_the_model(llm_env)
    try:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)  # a bound on a hang (600 s), not a speed
    finally:
        process.kill()
    assert process.returncode == 143, err
    assert "answer interrupted" not in err and "Traceback" not in err, err


@pytest.mark.parametrize("content", [[{"type": "text", "text": LAYOFF_SENTENCE}], 12345])
def test_a_reply_whose_content_is_no_text_warns_no_one_at_the_terminal(llm_env: ChatServer, content: Any) -> None:
    """A reply whose pieces' content is a list or a number (a hostile tester's, 2026-12-05): the
    library's warning, three lines quoting the model's text, reached stderr; a library's warnings
    go to the log, shown with --debug."""
    import os
    import subprocess
    import sys

    llm_env.reply, llm_env.content = "x", content
    tanya = str(Path(sys.executable).parent / "tanya")
    for debug in ([], ["--debug"]):
        done = subprocess.run(
            [tanya, *debug, "ask", QUESTION], env=dict(os.environ), capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0 and "RAKYATSULSEL" in done.stdout, done.stderr
        assert ("Warning" in done.stderr) is bool(debug), done.stderr


def _chat_waiting_on_the_model(llm_env: ChatServer) -> Any:
    """`tanya chat` started as at a terminal, asked ``QUESTION``, returned once its model call is
    waiting on the server (which holds its answer for 600 s)."""
    import os
    import signal
    import subprocess
    import sys

    llm_env.delay_s = 600
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tanya"), "chat"],
        env={**os.environ, "TANYA_LLM_TIMEOUT_S": "600"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    assert process.stdin is not None
    process.stdin.write(QUESTION + "\n")
    process.stdin.flush()
    deadline = time.monotonic() + 120
    while not llm_env.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    if not llm_env.requests:
        process.kill()
        raise AssertionError("the model was never asked")
    return process
