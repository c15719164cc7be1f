"""Which hosts the router may forward to (and so hand a caller's function key to).

A route row names its app's base URL, and the route table is writable by whoever can
write the tracking store. Without a check, one written row would aim a version at any
host and the router would send it every matching request with its `x-functions-key` or
`code=`. So the router forwards only to hosts its own settings allow:
`RouterAllowedHosts`, a comma-separated list of `host` or `*.domain` entries (a `*.`
entry matches any host below that domain, never the domain itself), https only unless the
entry is written `http://...` (a loopback stand-in, a private network). Unset, the
default is the function apps' default domains in each Azure cloud, from the private
endpoint DNS zone table (azure-docs articles/private-link/private-endpoint-dns.md,
"Microsoft.Web/sites"): `azurewebsites.net` (Azure), `azurewebsites.us` (Azure
Government), `chinacloudsites.cn` (Azure operated by 21Vianet); private endpoint names
(`*.privatelink.azurewebsites.net`) are below the same domains.

The default still admits any app in those clouds, someone else's included: name your
own apps' hosts (and any custom domain given to `routes sync --base-url`) to narrow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from taskhub.routes import ROUTER_ALLOWED_HOSTS_SETTING

DEFAULT_ALLOWED_HOSTS = ("*.azurewebsites.net", "*.azurewebsites.us", "*.chinacloudsites.cn")


@dataclass(frozen=True)
class HostRule:
    host: str
    """A host name, or a domain when `below` is set; lower case, no trailing dot."""
    below: bool
    plain_http: bool

    def allows(self, scheme: str, host: str) -> bool:
        if scheme != "https" and not (scheme == "http" and self.plain_http):
            return False
        return host.endswith("." + self.host) if self.below else host == self.host


class AllowedHosts:
    def __init__(self, entries: tuple[str, ...] | list[str] = DEFAULT_ALLOWED_HOSTS) -> None:
        self.rules = tuple(_rule(entry) for entry in entries if entry.strip())
        if not self.rules:
            raise ValueError(f"{ROUTER_ALLOWED_HOSTS_SETTING} names no host")
        self._seen: dict[str, bool] = {}

    @classmethod
    def from_setting(cls, value: str | None) -> AllowedHosts:
        return cls(value.split(",")) if value and value.strip() else cls()

    def allows(self, base_url: str) -> bool:
        """Whether a route's base URL may be forwarded to (remembered per URL: few exist)."""
        known = self._seen.get(base_url)
        if known is None:
            url = urlsplit(base_url)
            host = (url.hostname or "").rstrip(".")
            try:
                url.port  # noqa: B018 (a port that does not parse names no host)
            except ValueError:
                host = ""
            known = bool(host) and any(r.allows(url.scheme, host) for r in self.rules)
            if len(self._seen) < 1024:
                self._seen[base_url] = known
        return known


def _rule(entry: str) -> HostRule:
    text = entry.strip().lower()
    plain_http = text.startswith("http://")
    text = text.removeprefix("http://").removeprefix("https://").rstrip("/").rstrip(".")
    below = text.startswith("*.")
    host = text.removeprefix("*.")
    if not host or "*" in host or "/" in host or ":" in host:
        raise ValueError(
            f"{ROUTER_ALLOWED_HOSTS_SETTING} entry {entry.strip()!r} is not a host or *.domain"
        )
    return HostRule(host, below, plain_http)
