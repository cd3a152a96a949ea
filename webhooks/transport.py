"""Posting a delivery without letting a webhook reach inside our network (SSRF).

Every address a URL's host resolves to is checked before connecting, and the connection goes to
the checked address itself (the Host header and TLS name stay the URL's), so a name that
resolves elsewhere a moment later (DNS rebinding) cannot switch it. Redirects are not followed
by a library: up to MAX_REDIRECTS are followed here, each target checked the same way. Loopback
is allowed only where settings.WEBHOOKS_ALLOW_LOOPBACK is on (the test settings), and there plain
http as well.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from common.errors import DomainError

TIMEOUT = 5  # seconds, for connecting and for each read
MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
ANSWER_READ = 64 * 1024  # bytes of an answer read, to free the connection; the rest is ignored


class UrlRefused(DomainError):
    """400 `url_not_public` (or `url_invalid`): the address may not receive webhooks."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


@dataclass(frozen=True)
class PostResult:
    response_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


def url_check(url: str) -> Target:
    """The URL's target with a public address to connect to; UrlRefused otherwise."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if _loopback_allowed() else {"https"}
    if parts.scheme not in allowed_schemes:
        raise UrlRefused("A webhook address must start with https://.", code="url_invalid")
    if not parts.hostname or parts.username or parts.password:
        raise UrlRefused(
            "A webhook address needs a host name and no user name or password.", code="url_invalid"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UrlRefused("The address's port is not a number from 1 to 65535.", code="url_invalid") from exc
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(
            f"{parts.hostname} does not resolve to an address.", code="url_unresolvable"
        ) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise UrlRefused(f"{parts.hostname} does not resolve to an address.", code="url_unresolvable")
    for address in addresses:
        if not address_public(address):
            where = address if address == parts.hostname else f"{parts.hostname} resolves to {address}, which"
            raise UrlRefused(
                f"{where} is a loopback, private or link-local address; webhooks go only to public addresses.",
                code="url_not_public",
            )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path, address=addresses[0])


def address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return _loopback_allowed()
    return not (
        ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the certificate checked against the URL's host name."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def webhook_post(*, url: str, body: str, headers: dict[str, str]) -> PostResult:
    """POST the body; the answer's status code, or the reason there was none. Never raises."""
    payload = body.encode()
    for _ in range(MAX_REDIRECTS + 1):
        try:
            target = url_check(url)
        except UrlRefused as exc:
            return PostResult(None, exc.detail)
        connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(target)
        try:
            connection.request(
                "POST",
                target.path,
                body=payload,
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": "Relicensing-Webhooks/1",
                },
            )
            answer = connection.getresponse()
            answer.read(ANSWER_READ)
            status, location = answer.status, answer.getheader("Location")
        except (OSError, http.client.HTTPException) as exc:  # refused, timed out, TLS, a bad answer
            return PostResult(None, f"{type(exc).__name__}: {exc}"[:500])
        finally:
            connection.close()
        if status in REDIRECTS and location:
            url = urljoin(url, location)
            continue
        return PostResult(status, "" if 200 <= status < 300 else f"Answered {status}")
    return PostResult(status, f"More than {MAX_REDIRECTS} redirects")
