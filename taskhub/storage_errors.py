"""What a storage failure means for a decision, decided from the service's error code.

A 404 is not one thing: the Table service says `TableNotFound` when the table is missing,
`ResourceNotFound` for a missing entity or an account the endpoint does not serve, and a
proxy or a wrong endpoint can answer 404 with no service code at all. Only the first may
read as "this hub has never run here"; the others mean we did not reach the hub's storage,
which is "cannot decide", never "nothing to wait for".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from taskhub.errors import (
    AccessDeniedError,
    AccountNotFoundError,
    HubNotFoundError,
    StoreUnavailableError,
    TaskHubError,
)
from taskhub.hubs import TaskHub
from taskhub.secrets import redact

TABLE_NOT_FOUND = "TableNotFound"
ENTITY_NOT_FOUND = "ResourceNotFound"


def _code(exc: BaseException) -> str:
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def _is_404(exc: BaseException) -> bool:
    return isinstance(exc, ResourceNotFoundError) or (
        isinstance(exc, HttpResponseError) and exc.status_code == 404
    )


def is_table_missing(exc: BaseException) -> bool:
    """True only for the service's own table-not-found answer (a batch's included)."""
    return _is_404(exc) and _code(exc) == TABLE_NOT_FOUND


def is_entity_missing(exc: BaseException) -> bool:
    """A point read of a row that does not exist (the table and account do)."""
    return _is_404(exc) and _code(exc) == ENTITY_NOT_FOUND


def account_of(exc: BaseException) -> str:
    """The account a failed request went to: the host's first label, or, for path-style
    endpoints (Azurite, a proxy on an IP address), the first path segment."""
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None)
    url = str(getattr(request, "url", "") or "")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host and not host.replace(".", "").isdigit() and host != "localhost":
        return host.split(".")[0]
    segment = parts.path.strip("/").split("/")[0]
    return segment.split("(")[0] or host or "?"


def translate_storage_error(
    exc: Exception, hub: TaskHub, secrets: tuple[str, ...] = ()
) -> TaskHubError:
    """Map an azure-core failure to one of our "cannot decide" errors, secrets removed."""
    detail = redact(_first_line(exc), secrets)
    if is_table_missing(exc):
        return HubNotFoundError(
            f"table {hub.instances_table!r} does not exist in this storage account, so "
            f"task hub {hub.name!r} has never run here",
            fix="check the hub name (host.json hubName, or the site name for the default hub) "
            "and the storage account; pass --allow-missing-hub if the hub may not exist yet",
        )
    if isinstance(exc, HttpResponseError) and exc.status_code == 404:
        account = redact(account_of(exc), secrets)
        return AccountNotFoundError(
            f"storage account {account!r} answered 404 without saying the table is missing "
            f"({detail}): the account, the endpoint or a proxy in between is wrong",
            fix="check the account name and table endpoint of the connection (and any proxy); "
            "--allow-missing-hub does not cover this",
        )
    if isinstance(exc, ClientAuthenticationError) or (
        isinstance(exc, HttpResponseError) and exc.status_code in (401, 403)
    ):
        return AccessDeniedError(
            f"storage refused access: {detail}",
            fix="sign in (az login / a federated pipeline identity) and grant "
            "'Storage Table Data Reader' on the account, or check the key or SAS",
        )
    if isinstance(exc, ServiceRequestError | ServiceResponseError | HttpResponseError):
        return StoreUnavailableError(
            f"storage could not be read after retries: {detail}",
            fix="check the endpoint and network access, then run again",
        )
    return StoreUnavailableError(
        f"unexpected answer from storage ({type(exc).__name__}): {detail}",
        fix="check the endpoint (and any proxy in between), then run again",
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
