"""A real HTTP receiver on 127.0.0.1 (the test settings alone allow loopback), answering from a
script, and the people of the webhook tests: Acme's administrator and a teammate who is not one."""

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.factories import UserFactory


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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
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
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def customer_admin(customer):
    """Acme's administrator (the `customer` user, as in the demo)."""
    customer.is_organization_admin = True
    customer.save(update_fields=["is_organization_admin"])
    return customer


@pytest.fixture
def teammate(acme):
    """Another Acme user, not an administrator."""
    return UserFactory(username="teammate", organization=acme, role="customer")


@pytest.fixture
def partner_admin(partner):
    partner.is_organization_admin = True
    partner.save(update_fields=["is_organization_admin"])
    return partner
