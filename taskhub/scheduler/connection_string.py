"""A Durable Task Scheduler connection string, read exactly as the .NET SDK reads it.

The Functions extension and every .NET client parse `DURABLE_TASK_SCHEDULER_CONNECTION_STRING`
with durabletask-dotnet `src/Shared/AzureManaged/DurableTaskSchedulerConnectionString.cs`: a
`System.Data.Common.DbConnectionStringBuilder`, so keys are case-insensitive, surrounding
whitespace is ignored, a value may be quoted ('...' or "...", the quote doubled inside), `==`
in a key is a literal `=`, and a key given twice keeps its last value. `Endpoint` and
`Authentication` are required; `ClientID`, `TenantId`, `TokenFilePath`,
`AdditionallyAllowedTenants` and `TaskHub` are optional here (the .NET client requires
`TaskHub`, but the Functions host takes the hub from host.json `hubName`, which wins:
extension `AzureManagedScalabilityProviderFactory`, so a caller's hub wins here too).

`DurableTaskSchedulerClientOptions.CreateChannel` prefixes an endpoint without `://` with
`https://`, and sends call credentials only over TLS unless the credential is null
(`UnsafeUseInsecureChannelCallCredentials = AllowInsecureCredentials`, true only for
`Authentication=None`). Both rules hold here: `None` only with `http://`, a token only over
`https://`, so a bearer token never travels in clear text.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from enum import StrEnum
from urllib.parse import urlsplit

from taskhub.clouds import SCHEDULER_HOSTS, malformed, require_token_endpoint
from taskhub.errors import ConfigurationError
from taskhub.secrets import redact

FORMS = (
    "a Durable Task Scheduler connection string 'Endpoint=https://<scheduler>.<region>."
    "durabletask.io;Authentication=ManagedIdentity[;ClientID=...][;TaskHub=...]' "
    "(local emulator: 'Endpoint=http://localhost:8080;Authentication=None;TaskHub=default'), "
    "or a storage connection string 'DefaultEndpointsProtocol=https;AccountName=...;"
    "AccountKey=...;EndpointSuffix=core.windows.net' ('UseDevelopmentStorage=true' for Azurite)"
)
"""Both accepted forms, for every message that refuses a connection string."""


class Authentication(StrEnum):
    """The `Authentication` values durabletask-dotnet accepts
    (`DurableTaskSchedulerClientOptions.GetCredentialFromConnectionString`, compared
    case-insensitively)."""

    DEFAULT_AZURE = "DefaultAzure"
    MANAGED_IDENTITY = "ManagedIdentity"
    WORKLOAD_IDENTITY = "WorkloadIdentity"
    ENVIRONMENT = "Environment"
    AZURE_CLI = "AzureCLI"
    AZURE_POWERSHELL = "AzurePowerShell"
    VISUAL_STUDIO = "VisualStudio"
    VISUAL_STUDIO_CODE = "VisualStudioCode"
    INTERACTIVE_BROWSER = "InteractiveBrowser"
    NONE = "None"

    @classmethod
    def parse(cls, text: str) -> Authentication:
        wanted = text.strip().lower()
        for member in cls:
            if member.value.lower() == wanted:
                return member
        raise ConfigurationError(
            f"the connection string's Authentication={text!r} is not one the Durable Task "
            "Scheduler SDKs accept",
            fix=f"use one of: {', '.join(m.value for m in cls)}",
        )


@dataclass(frozen=True)
class SchedulerConnection:
    """A parsed connection string: where the scheduler is and how to authenticate."""

    endpoint: str
    """Scheme, host and port only: `https://x.westus2.durabletask.io:443`."""
    authentication: Authentication
    task_hub: str | None = None
    client_id: str | None = None
    tenant_id: str | None = None
    token_file_path: str | None = None
    additionally_allowed_tenants: tuple[str, ...] = ()
    source: str = field(default="connection string", compare=False)

    @property
    def secure(self) -> bool:
        return self.endpoint.startswith("https://")

    @property
    def target(self) -> str:
        """The gRPC target, `host:port`."""
        parts = urlsplit(self.endpoint)
        return f"{_host_for_target(parts.hostname or '')}:{parts.port}"

    @property
    def description(self) -> str:
        """Safe to print: the endpoint and the kind of credential, never a secret."""
        how = (
            "no authentication"
            if self.authentication is Authentication.NONE
            else (f"Microsoft Entra ID via {self.authentication.value}")
        )
        return f"scheduler {self.endpoint} ({how}, from the {self.source})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Nothing to mask: the string names an identity (ClientID, a token file's path),
        never a key, and tokens stay inside the channel (`call_metadata`)."""
        return ()

    def for_pipeline(self, allowed_endpoints: Collection[str] = ()) -> SchedulerConnection:
        """The same scheduler, read with the identity of whoever runs the toolkit.

        An app's own string names the app's identity (`ManagedIdentity`, its `ClientID`),
        which a pipeline does not have, so a string taken from an app's settings or a stack's
        outputs is read with `DefaultAzure` (az login, workload or managed identity of the
        agent); an `http://` emulator stays unauthenticated (the SDK's rule, above). Such an
        endpoint is input the pipeline does not own, so a token goes only to a scheduler
        host of Azure's or one named with --allow-endpoint (taskhub/clouds.py).
        """
        if self.authentication is Authentication.NONE:
            return self
        require_token_endpoint(self.endpoint, allowed_endpoints, self.source, SCHEDULER_HOSTS)
        return SchedulerConnection(
            endpoint=self.endpoint,
            authentication=Authentication.DEFAULT_AZURE,
            task_hub=self.task_hub,
            source=self.source,
        )

    def hub(self, override: str | None = None) -> str:
        """The task hub to read: `override` (--hub, host.json hubName) wins over `TaskHub=`."""
        chosen = (override or "").strip() or (self.task_hub or "").strip()
        if not chosen:
            raise ConfigurationError(
                "no task hub was named: the connection string has no TaskHub= and no hub was given",
                fix="pass --hub (the app's host.json hubName, usually %TASKHUB_NAME%), or add "
                ";TaskHub=<name> to the connection string",
            )
        if not chosen.isascii() or not chosen.isprintable() or " " in chosen:
            raise ConfigurationError(
                f"task hub {chosen!r} cannot be sent as gRPC metadata: it must be printable "
                "ASCII without spaces",
                fix="pass the hub name exactly as the scheduler's task hub resource names it",
            )
        return chosen


def parse_pairs(text: str) -> dict[str, str]:
    """The key/value pairs of a connection string, keys lower-cased, as
    `DbConnectionStringBuilder` reads them; ValueError (without the text) when malformed."""
    pairs: dict[str, str] = {}
    position, length = 0, len(text)
    while position < length:
        while position < length and (text[position].isspace() or text[position] == ";"):
            position += 1
        if position >= length:
            break
        key, position = _key(text, position)
        value, position = _value(text, position)
        if not key:
            raise ValueError("a pair has an empty key")
        pairs[key.lower()] = value
    return pairs


def _key(text: str, position: int) -> tuple[str, int]:
    chars: list[str] = []
    while position < len(text):
        char = text[position]
        if char == "=":
            if text.startswith("==", position):
                chars.append("=")
                position += 2
                continue
            return "".join(chars).strip(), position + 1
        if char == ";":
            break
        chars.append(char)
        position += 1
    raise ValueError(f"the pair starting {''.join(chars).strip()[:20]!r} has no '='")


def _value(text: str, position: int) -> tuple[str, int]:
    while position < len(text) and text[position].isspace() and text[position] != ";":
        position += 1
    if position < len(text) and text[position] in "'\"":
        quote, chars = text[position], []
        position += 1
        while position < len(text):
            if text[position] == quote:
                if text.startswith(quote * 2, position):
                    chars.append(quote)
                    position += 2
                    continue
                position += 1
                while position < len(text) and text[position] != ";":
                    if not text[position].isspace():
                        raise ValueError("text follows a quoted value before the next ';'")
                    position += 1
                return "".join(chars), position + 1
            chars.append(text[position])
            position += 1
        raise ValueError("a quoted value is not closed")
    end = text.find(";", position)
    end = len(text) if end < 0 else end
    return text[position:end].strip(), end + 1


def parse_scheduler_connection_string(
    text: str, *, source: str = "connection string"
) -> SchedulerConnection:
    """The scheduler connection in `text`; ConfigurationError naming what is wrong (never
    echoing the string itself: it may be a storage key pasted in the wrong place)."""
    try:
        pairs = parse_pairs(text)
    except ValueError as exc:
        raise ConfigurationError(
            f"the {source} cannot be read as a connection string ({exc})",
            fix=f"pass {FORMS}",
        ) from None
    missing = [key for key in ("Endpoint", "Authentication") if not pairs.get(key.lower())]
    if missing:
        raise ConfigurationError(
            f"the {source} has no {' and no '.join(missing)}, which a Durable Task Scheduler "
            "connection string requires",
            fix=f"pass {FORMS}",
        )
    authentication = Authentication.parse(pairs["authentication"])
    endpoint = _endpoint(pairs["endpoint"], source)
    if authentication is Authentication.NONE and endpoint.startswith("https://"):
        raise ConfigurationError(
            f"the {source} says Authentication=None for {endpoint}: only a local emulator "
            "over http:// takes unauthenticated calls",
            fix="name the identity to use (e.g. Authentication=DefaultAzure, or ManagedIdentity"
            ";ClientID=<id>) or point Endpoint at the emulator's http:// address",
        )
    if authentication is not Authentication.NONE and not endpoint.startswith("https://"):
        raise ConfigurationError(
            f"the {source} sends a bearer token (Authentication={authentication.value}) to "
            f"{endpoint}, which is not https: the token would travel in clear text",
            fix="use the scheduler's https:// endpoint, or Authentication=None for a local "
            "emulator",
        )
    tenants = pairs.get("additionallyallowedtenants") or ""
    return SchedulerConnection(
        endpoint=endpoint,
        authentication=authentication,
        task_hub=pairs.get("taskhub") or None,
        client_id=pairs.get("clientid") or None,
        tenant_id=pairs.get("tenantid") or None,
        token_file_path=pairs.get("tokenfilepath") or None,
        additionally_allowed_tenants=tuple(t.strip() for t in tenants.split(",") if t.strip()),
        source=source,
    )


def endpoint_connection(
    endpoint: str, *, task_hub: str | None = None, source: str
) -> SchedulerConnection:
    """A connection to the scheduler at `endpoint` (a stack output's `schedulerEndpoint`):
    unauthenticated for an `http://` emulator, else still to be given the pipeline's identity
    (`SchedulerConnection.for_pipeline`)."""
    text = endpoint.strip()
    how = (
        Authentication.NONE if text.lower().startswith("http://") else Authentication.DEFAULT_AZURE
    )
    parsed = parse_scheduler_connection_string(
        f'Endpoint="{text.replace(chr(34), chr(34) * 2)}";Authentication={how.value}',
        source=source,
    )
    return replace(parsed, task_hub=task_hub)


def _endpoint(value: str, source: str) -> str:
    """Scheme, host and port; https when no scheme is given (`CreateChannel`)."""
    text = value if "://" in value else f"https://{value}"
    parts = None if malformed(text) else urlsplit(text)
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.path.strip("/")
        or parts.query
        or parts.username
    ):
        raise ConfigurationError(
            f"the {source}'s Endpoint {redact(value)!r} is not a scheduler address",
            fix="use https://<scheduler>.<region>.durabletask.io (or http://localhost:<port> "
            "for a local emulator)",
        )
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{_host_for_target(parts.hostname)}:{port}"


def _host_for_target(host: str) -> str:
    return f"[{host}]" if ":" in host else host
