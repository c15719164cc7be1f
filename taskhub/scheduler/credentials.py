"""The azure-identity credential an `Authentication=` value names.

Mirrors durabletask-dotnet `DurableTaskSchedulerClientOptions.GetCredentialFromConnectionString`
value by value, so a pipeline authenticates the way the app's own connection string says:
`ManagedIdentity` takes `ClientID`; `WorkloadIdentity` takes `ClientID`, `TenantId` and
`AdditionallyAllowedTenants`, and here also `TokenFilePath` (the .NET parser reads it but
leaves the option to the environment; azure-identity's `WorkloadIdentityCredential` takes it
as `token_file_path`); every other value takes none of them, as in .NET. `None` is no
credential at all. `VisualStudio` has no Python credential, so it is refused with the fix.
"""

from __future__ import annotations

from azure.core.credentials import TokenCredential

from taskhub.errors import ConfigurationError
from taskhub.scheduler.connection_string import Authentication, SchedulerConnection


def credential_for(connection: SchedulerConnection) -> TokenCredential | None:
    """A new credential for `connection`, or None for `Authentication=None`."""
    # Imported late: only identity-based connections need azure-identity's machinery.
    import azure.identity as identity

    kind = connection.authentication
    if kind is Authentication.NONE:
        return None
    if kind is Authentication.MANAGED_IDENTITY:
        return identity.ManagedIdentityCredential(client_id=connection.client_id)
    if kind is Authentication.WORKLOAD_IDENTITY:
        return identity.WorkloadIdentityCredential(
            tenant_id=connection.tenant_id,
            client_id=connection.client_id,
            token_file_path=connection.token_file_path,
            additionally_allowed_tenants=list(connection.additionally_allowed_tenants),
        )
    if kind is Authentication.VISUAL_STUDIO:
        raise ConfigurationError(
            "Authentication=VisualStudio names a credential only the .NET SDK has",
            fix="use Authentication=AzureCLI (after az login) or DefaultAzure on this machine",
        )
    plain: dict[Authentication, type[TokenCredential]] = {
        Authentication.DEFAULT_AZURE: identity.DefaultAzureCredential,
        Authentication.ENVIRONMENT: identity.EnvironmentCredential,
        Authentication.AZURE_CLI: identity.AzureCliCredential,
        Authentication.AZURE_POWERSHELL: identity.AzurePowerShellCredential,
        Authentication.VISUAL_STUDIO_CODE: identity.VisualStudioCodeCredential,
        Authentication.INTERACTIVE_BROWSER: identity.InteractiveBrowserCredential,
    }
    return plain[kind]()
