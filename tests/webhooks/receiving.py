"""A real HTTP receiver on 127.0.0.1 (the test settings alone allow loopback), answering from a
script: the webhook tests' `receiver` fixture, and the browser test's."""

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # What to answer next, in order: a status code, or (status, Location) for a redirect. 200 after.
    script: list[int | tuple[int, str]] = field(default_factory=list)


@contextmanager
def receiving() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            box.received.append(Received(self.path, dict(self.headers.items()), body))
            answer = box.script.pop(0) if box.script else 200
            status, location = answer if isinstance(answer, tuple) else (answer, None)
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/relicensing"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
