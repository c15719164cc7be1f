"""Errors that mean "cannot decide": each carries the fix a user should try.

Every error the toolkit raises derives from `DurableDeployError`, so the CLI's one error boundary
(`scripts/cli/boundary.py`) maps any of them to exit 2 and one JSON shape, because a gate that
does not know must never say "safe". The classes live beside the code that raises them; the
tree below is the whole family (a test keeps it complete, parents and modules):

* DurableDeployError                 taskhub/errors.py
  + ConfigurationError               taskhub/errors.py: arguments or settings unusable
  + HubNotFoundError                 taskhub/errors.py: the hub's table (or DTS task hub) is missing
  + AccountNotFoundError             taskhub/errors.py: a 404 that is not "table not found"
  + AccessDeniedError                taskhub/errors.py: authentication or authorisation
  + StoreUnavailableError            taskhub/errors.py: storage or scheduler unreadable
  + UnreadableHistory                taskhub/history.py: one instance's history rows
  + TableNotFoundError               taskhub/errors.py: a table beside the hub does not exist
  + ConfigError (also ValueError)    components/config/model.py: a stack config value
  + ArmError                         scripts/stages/arm.py: ARM refused or failed a call
    - SwapMayHaveStarted             scripts/stages/arm.py: a retried swap POST got 409
  + CannotJudge                      scripts/stages/ramp_watch.py: a ramp window unreadable
  + StageFailed                      scripts/stages/exits.py: a stage's "no" (exit 1 or 2)
  + PlanError                        scripts/stages/preview.py: the offline plan failed
  + AnalyzerError                    scripts/stages/policy_check.py: the policy pack failed
  + UsageError                       scripts/cli/boundary.py: a bad option or command
  + UnexpectedError                  scripts/cli/boundary.py: an exception nobody anticipated

The core's parsers (versions, plans, starters, host.json, routes) raise `ValueError` for a
bad value and never let it out: their callers know which key or option held the value and
raise `ConfigurationError` or `ConfigError` naming it.

The Durable Task Scheduler's gRPC failures map to the same classes (taskhub/scheduler/
grpc_errors.py), so a pipeline sees one `type` for one situation whichever backend holds it.

Storage failures are mapped here as well (`map_storage_errors`, a context manager in the
shape of httpx's `map_httpcore_exceptions`): every reader and writer of a table runs inside
it, and the error it raises keeps the Azure exception as its cause (`--debug` shows both;
`redact` masks the whole chain). The mapping reads the service's error code
(`azure.data.tables.TableErrorCode`), because a 404 is not one thing: the Table service says
`TableNotFound` when the table is missing, `ResourceNotFound` for a missing entity or an
account the endpoint does not serve, and a proxy or a wrong endpoint can answer 404 with no
service code at all. Only the first may read as "this hub has never run here"; the others
mean we did not reach the hub's storage, which is "cannot decide", never "nothing to wait
for".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.data.tables import TableErrorCode

from taskhub.secrets import redact


class DurableDeployError(Exception):
    """The base of every error the toolkit raises; `fix` tells the user what to do next."""

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class ConfigurationError(DurableDeployError):
    """The arguments or settings describe no usable hub or connection."""


class HubNotFoundError(DurableDeployError):
    """The hub's Instances table (or the scheduler's task hub) does not exist: often a
    mistyped hub name."""


class AccountNotFoundError(DurableDeployError):
    """A 404 that is not the service's "table not found": wrong account, endpoint or proxy.

    Never a missing hub: `--allow-missing-hub` must not pass on it.
    """


class AccessDeniedError(DurableDeployError):
    """Authentication or authorisation to the storage account or the scheduler failed."""


class StoreUnavailableError(DurableDeployError):
    """The storage account or the scheduler could not be read, even after retries."""


class TableNotFoundError(DurableDeployError):
    """The service said `TableNotFound` for a table beside the hub, not one of the hub's own:
    the route table or the ledger, which read as empty then (their writers create them)."""


ALLOW_MISSING_HUB = "--allow-missing-hub"


def offering_allow_missing_hub(error: DurableDeployError) -> DurableDeployError:
    """`error` as a command that takes --allow-missing-hub (gate, release, versions --watch)
    reports it: a missing hub's fix offers the option, a 404 of another kind says it does not
    help. The errors themselves never name it, as most commands have no such option."""
    if isinstance(error, HubNotFoundError):
        return HubNotFoundError(
            error.message, fix=f"{error.fix}; pass {ALLOW_MISSING_HUB} if the hub may not exist yet"
        )
    if isinstance(error, AccountNotFoundError):
        return AccountNotFoundError(
            error.message, fix=f"{error.fix}; {ALLOW_MISSING_HUB} does not cover this"
        )
    return error


def _service_code(exc: BaseException) -> TableErrorCode | None:
    """The Table service's error code (azure-data-tables `_decode_error` sets `error_code`
    from `x-ms-error-code` or the body); None when the answer carried none we know."""
    code = getattr(exc, "error_code", None)
    try:
        return TableErrorCode(code) if code else None
    except ValueError:
        return None


def _is_404(exc: BaseException) -> bool:
    return isinstance(exc, ResourceNotFoundError) or (
        isinstance(exc, HttpResponseError) and exc.status_code == 404
    )


def is_table_missing(exc: BaseException) -> bool:
    """True only for the service's own table-not-found answer (a batch's included)."""
    return _is_404(exc) and _service_code(exc) is TableErrorCode.TABLE_NOT_FOUND


def is_entity_missing(exc: BaseException) -> bool:
    """A point read of a row that does not exist (the table and account do)."""
    return _is_404(exc) and _service_code(exc) is TableErrorCode.RESOURCE_NOT_FOUND


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


def first_line(exc: BaseException) -> str:
    """The first line of what `exc` says (its class name when it says nothing)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@contextmanager
def map_storage_errors(
    table: str, *, hub: str | None = None, secrets: Iterable[str] = ()
) -> Iterator[None]:
    """Runs a read or write of `table` (of task hub `hub`, when it is one of a hub's tables)
    and raises the most specific error of ours for whatever storage answered, `from` the
    Azure exception, secrets removed from the message. Our own errors pass through."""
    try:
        yield
    except DurableDeployError:
        raise
    except Exception as exc:
        raise _mapped(exc, table, hub, tuple(secrets)) from exc


def _mapped(
    exc: Exception, table: str, hub: str | None, secrets: tuple[str, ...]
) -> DurableDeployError:
    detail = redact(first_line(exc), secrets)
    if is_table_missing(exc):
        if hub is None:
            return TableNotFoundError(
                f"table {table!r} does not exist in this storage account",
                fix="check the storage account the connection points at",
            )
        return HubNotFoundError(
            f"table {table!r} does not exist in this storage account, so task hub {hub!r} "
            "has never run here",
            fix="check the hub name (host.json hubName, or the site name for the default hub) "
            "and the storage account",
        )
    if _is_404(exc):
        account = redact(account_of(exc), secrets)
        return AccountNotFoundError(
            f"storage account {account!r} answered 404 without saying the table is missing "
            f"({detail}): the account, the endpoint or a proxy in between is wrong",
            fix="check the account name and table endpoint of the connection (and any proxy)",
        )
    if isinstance(exc, ClientAuthenticationError) or (
        isinstance(exc, HttpResponseError) and exc.status_code in (401, 403)
    ):
        return AccessDeniedError(
            f"storage refused access: {detail}",
            fix="sign in (az login / a federated pipeline identity) and grant "
            "'Storage Table Data Reader' on the account, or check the key or SAS",
        )
    if isinstance(exc, AzureError):
        return StoreUnavailableError(
            f"storage could not be read after retries: {detail}",
            fix="check the endpoint and network access, then run again",
        )
    return StoreUnavailableError(
        f"unexpected answer from storage ({type(exc).__name__}): {detail}",
        fix="check the endpoint (and any proxy in between), then run again",
    )
