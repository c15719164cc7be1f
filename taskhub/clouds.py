"""Where a Microsoft Entra token may be sent: the storage endpoints of a known Azure cloud.

A pipeline's DefaultAzureCredential token opens every table and blob its identity may read.
The endpoint it goes to comes from input a pipeline does not always own: a `--stack-output`
file, a slot's `__tableServiceUri` setting. So a token goes only to a host under a known
cloud's storage suffix, or to a host the user names on the command line (`--allow-endpoint`,
which tests and the Azurite emulator use); anything else is refused before a request is made.

The suffixes are the clouds' `storage_endpoint` (azure-cli src/azure-cli-core/azure/cli/core/
cloud.py: AZURE_PUBLIC_CLOUD `core.windows.net`, AZURE_CHINA_CLOUD `core.chinacloudapi.cn`,
AZURE_US_GOV_CLOUD `core.usgovcloudapi.net`; the German cloud closed in 2021). Storage hosts
are `<account>.<service>.<suffix>`. The Durable Task Scheduler's are its own (SCHEDULER_HOSTS).

The host judged is the one the request goes to. Python's `urlsplit` and urllib3's
`parse_url` (what requests, so azure-core, connects with) read some URLs differently:
urllib3 ends the authority at a backslash as browsers do, so for
`https://127.0.0.1\\.table.core.windows.net` `urlsplit` sees an Azure host and the token goes
to 127.0.0.1. So an endpoint's authority may hold only what RFC 3986 allows a host name, an
IP literal and a port (no userinfo, backslash, whitespace or percent-encoding), both parsers
must name the same host, and anything else is refused (`malformed`), even with a SAS.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from taskhub.errors import ConfigurationError
from taskhub.secrets import redact

STORAGE_SUFFIXES = ("core.windows.net", "core.chinacloudapi.cn", "core.usgovcloudapi.net")
NOT_AZURE_FIX = (
    "check where the endpoint came from; if that host is yours (an emulator, a private "
    "endpoint alias), name it with --allow-endpoint HOST[:PORT]"
)


@dataclass(frozen=True)
class TokenHosts:
    """The hosts of one Azure service a token for it may go to."""

    service: str
    suffixes: tuple[str, ...]

    def owns(self, host: str) -> bool:
        host = host.lower().removesuffix(".")
        return any(host.endswith(f".{suffix}") for suffix in self.suffixes)


_AUTHORITY = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::[0-9]{1,5})?")
"""RFC 3986 `host [":" port]` with a registered name of unreserved characters only."""


def malformed(url: str) -> str | None:
    """Why `url` is not an endpoint a token or a signature may be sent to, or None: its
    authority must be a plain host (and port), read alike by urlsplit and urllib3."""
    text = url.strip()
    if any(not c.isascii() or not c.isprintable() or c.isspace() or c == "\\" for c in text):
        return "it holds a backslash, whitespace, a control or a non-ASCII character"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port out of range
        theirs = parse_url(text).host
    except (ValueError, LocationParseError):
        return "it is not a URL an HTTP client can parse"
    if not _AUTHORITY.fullmatch(parts.netloc):
        return (
            "its authority is not a plain host[:port] (user information, percent-encoding or "
            "another character RFC 3986 does not allow in a host)"
        )
    ours = (parts.hostname or "").lower()
    if not ours or (theirs or "").lower().strip("[]") != ours:
        return "the HTTP client would connect to a different host than the one checked"
    return None


def require_well_formed(url: str, source: str) -> None:
    """Refuses (ConfigurationError, exit 2) an endpoint `malformed` finds fault with."""
    problem = malformed(url)
    if problem is not None:
        raise ConfigurationError(
            f"{source} {redact(url)!r} is not a well-formed endpoint: {problem}",
            fix="pass the endpoint as https://<host>[:port]/<path>, exactly as Azure shows it",
        )


STORAGE_HOSTS = TokenHosts("storage", STORAGE_SUFFIXES)
SCHEDULER_HOSTS = TokenHosts("Durable Task Scheduler", ("durabletask.io",))
"""`https://<scheduler>.<region>.durabletask.io`: the scheduler resource's
`properties.endpoint` (the token's audience is https://durabletask.io)."""


def is_allowed(url: str, allowed: Collection[str], hosts: TokenHosts = STORAGE_HOSTS) -> bool:
    """An https URL on a host of `hosts`, or a host (`HOST`, any port) or endpoint
    (`HOST:PORT`) in `allowed`; never a `malformed` one."""
    if malformed(url) is not None:
        return False
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    named = {entry.strip().lower() for entry in allowed}
    if host and (host in named or (port is not None and f"{host}:{port}" in named)):
        return True
    return parts.scheme == "https" and hosts.owns(host)


def require_token_endpoint(
    url: str, allowed: Collection[str], source: str, hosts: TokenHosts = STORAGE_HOSTS
) -> None:
    """Refuses (ConfigurationError, exit 2) to send a token to `url` unless `is_allowed`."""
    require_well_formed(url, source)
    if not is_allowed(url, allowed, hosts):
        host = urlsplit(url.strip()).netloc or url
        raise ConfigurationError(
            f"{source} points at {redact(host)!r}, which is not a {hosts.service} endpoint of a "
            f"known Azure cloud (*.{', *.'.join(hosts.suffixes)}); no Entra ID token is sent "
            "there",
            fix=NOT_AZURE_FIX,
        )
