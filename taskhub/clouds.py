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
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

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


STORAGE_HOSTS = TokenHosts("storage", STORAGE_SUFFIXES)
SCHEDULER_HOSTS = TokenHosts("Durable Task Scheduler", ("durabletask.io",))
"""`https://<scheduler>.<region>.durabletask.io`: the scheduler resource's
`properties.endpoint` (the token's audience is https://durabletask.io)."""


def is_allowed(url: str, allowed: Collection[str], hosts: TokenHosts = STORAGE_HOSTS) -> bool:
    """An https URL on a host of `hosts`, or a host (`HOST`, any port) or endpoint
    (`HOST:PORT`) in `allowed`."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return False
    named = {entry.strip().lower() for entry in allowed}
    if host and (host in named or (port is not None and f"{host}:{port}" in named)):
        return True
    return parts.scheme == "https" and hosts.owns(host)


def require_token_endpoint(
    url: str, allowed: Collection[str], source: str, hosts: TokenHosts = STORAGE_HOSTS
) -> None:
    """Refuses (ConfigurationError, exit 2) to send a token to `url` unless `is_allowed`."""
    if not is_allowed(url, allowed, hosts):
        host = urlsplit(url.strip()).netloc or url
        raise ConfigurationError(
            f"{source} points at {redact(host)!r}, which is not a {hosts.service} endpoint of a "
            f"known Azure cloud (*.{', *.'.join(hosts.suffixes)}); no Entra ID token is sent "
            "there",
            fix=NOT_AZURE_FIX,
        )
