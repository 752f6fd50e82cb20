"""A real, scriptable HTTP server for tests: stdlib ThreadingHTTPServer on 127.0.0.1, port 0.

    with FaultServer() as server:
        server.routes["/data"] = [error(503), reset(), ok(b"payload")]
        client.get(server.url + "/data", source="test")

Each route is a list of scripted replies consumed in order; the last one repeats.
Unknown paths answer 404. Every request received is logged in ``server.requests``.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    b"<body><h1>We are down for maintenance</h1></body></html>"
)


@dataclass(frozen=True)
class Reply:
    kind: str = "normal"  # normal | reset | slow | truncated
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # slow: seconds between the headers and the body
    missing: int = 0  # truncated: bytes promised by Content-Length but never sent


# ---- the scripted reply kinds


def ok(body: bytes = b"ok", status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status=status, body=body, headers=headers or {})


def error(status: int = 500, body: bytes = b"error") -> Reply:
    return Reply(status=status, body=body)


def retry_after(value: str | float, status: int = 429) -> Reply:
    """429 (or 503) with a Retry-After header: seconds or an HTTP-date."""
    header = value if isinstance(value, str) else f"{value:g}"
    return Reply(status=status, body=b"slow down", headers={"Retry-After": header})


def reset() -> Reply:
    """Close the socket (with a TCP RST) without sending anything."""
    return Reply(kind="reset")


def slow(delay: float, body: bytes = b"late") -> Reply:
    """Send status and headers, then stall ``delay`` seconds before the body."""
    return Reply(kind="slow", body=body, delay=delay)


def truncated(body: bytes = b"partial", missing: int = 100) -> Reply:
    """Promise ``len(body) + missing`` bytes in Content-Length, send ``body``, then close."""
    return Reply(kind="truncated", body=body, missing=missing)


def redirect(location: str, status: int = 302) -> Reply:
    """Redirect to ``location``; redirecting a path to itself makes a loop."""
    return Reply(status=status, body=b"", headers={"Location": location})


def html_error_page() -> Reply:
    """An HTML error page served with status 200, as some portals do."""
    return Reply(body=HTML_ERROR_PAGE, headers={"Content-Type": "text/html; charset=utf-8"})


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case keys


# ---- the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        parts = urlsplit(self.path)
        self.server.owner._log(
            ReceivedRequest(
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
            )
        )
        reply = self.server.owner._next_reply(parts.path)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. it timed out)

    def _send(self, reply: Reply) -> None:
        if reply.kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "content-type" not in {k.lower() for k in reply.headers}:
            self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(reply.body) + reply.missing))
        if reply.kind == "truncated":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.flush()
        if reply.kind == "slow":
            time.sleep(reply.delay)
        self.wfile.write(reply.body)
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FaultServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client hanging up mid-reply is expected here


class FaultServer:
    """Context manager running a scriptable HTTP server in a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests_to(self, path: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _log(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            script = self.routes.get(path)
            if not script:
                return error(404, b"not found")
            return script.pop(0) if len(script) > 1 else script[0]
