"""What the router reads from a request's headers, in one pass, and what it forwards.

Dropped before forwarding:
- hop-by-hop headers (RFC 9110 7.6.1) and `Host` (the target is the route's host);
- `X-Forwarded-*`, `Forwarded` and `X-MS-CLIENT-PRINCIPAL*`: a version app may trust them
  as its platform's (App Service authentication puts the signed-in principal in
  `X-MS-CLIENT-PRINCIPAL*`), and from the router's caller they are only claims.

Refused (400, nothing forwarded): a request with both Content-Length and
Transfer-Encoding. RFC 9112 6.1: such a message "ought to be handled as an error"; two
readers may frame its body differently (request smuggling), and relayed with its
Content-Length over a body of another length it pins an upstream connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
CLAIMED_BY_PLATFORMS = (b"x-forwarded-", b"x-ms-client-principal")
MAX_HEADERS = 100
"""More header fields than this is 431 (the Functions host and Kestrel allow 100)."""


@dataclass
class Incoming:
    forward: list[tuple[str, str]] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    client_id: str = ""
    client_address: str = ""
    """The platform's client address header, when the router trusts one."""
    content_length: bool = False
    transfer_encoding: bool = False
    count: int = 0


def read_headers(
    headers: list[tuple[bytes, bytes]], client_address_header: bytes | None = None
) -> Incoming:
    seen = Incoming(count=len(headers))
    forward = seen.forward
    for raw_name, raw_value in headers:
        name = raw_name.lower()
        if name in HOP_BY_HOP:
            if name == b"transfer-encoding":
                seen.transfer_encoding = True
            continue
        if name.startswith(CLAIMED_BY_PLATFORMS) or name == b"forwarded":
            continue
        value = raw_value.decode("latin-1")
        if name == b"x-app-version":
            seen.versions.append(value)
        elif name == b"x-client-id":
            seen.client_id = value
        elif name == b"content-length":
            seen.content_length = True
        if name == client_address_header:
            seen.client_address = _address_only(value)
        forward.append((name.decode("latin-1"), value))
    return seen


def _address_only(value: str) -> str:
    """`1.2.3.4:5678` or `[2001:db8::1]:5678` -> the address: the port changes per
    connection, the client does not."""
    value = value.strip()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value
