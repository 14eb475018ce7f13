"""A mirror served on 127.0.0.1 by a thread of the test, for the fetch tests."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path


class Served(str):
    """A server's base URL (``http://127.0.0.1:PORT``) that also lists the paths asked of it."""

    seen: list[str]


class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate: set[str] = set()
    seen: list[str]

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append(self.path)
        if self.path.lstrip("/") in self.truncate:  # promise the whole file, send half, hang up
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@contextlib.contextmanager
def serving():
    """Yield start(directory, truncate=()) -> :class:`Served`; every server stops at the end.

    ``truncate`` names paths (below the directory) answered with half their bytes under a
    Content-Length promising all of them.
    """
    servers = []

    def start(directory: Path, truncate: tuple[str, ...] = ()) -> Served:
        seen: list[str] = []
        handler = type("H", (_Handler,), {"truncate": set(truncate), "seen": seen})
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                              functools.partial(handler, directory=str(directory)))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        url = Served(f"http://127.0.0.1:{srv.server_address[1]}")
        url.seen = seen
        return url

    try:
        yield start
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()
