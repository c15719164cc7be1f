"""A storage account that holds durable state (or the runtime's own state), secure by default."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import storage

TYPE = "durable-zero-downtime:storage:DurableStorage"


@dataclass
class DurableStorageArgs:
    resource_group_name: pulumi.Input[str]
    account_name: str
    location: pulumi.Input[str] | None = None
    # Shared keys stay on only where something needs a key (the Azure Files content
    # share of Consumption and Elastic Premium plans, or connection-string mode).
    allow_shared_key_access: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class DurableStorage(pulumi.ComponentResource):
    account_name: str
    account: storage.StorageAccount
    table_endpoint: pulumi.Output[str]

    def __init__(
        self, name: str, args: DurableStorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        self.account_name = args.account_name
        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=args.account_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=storage.SkuName.STANDARD_LRS),
            enable_https_traffic_only=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            allow_blob_public_access=False,
            allow_shared_key_access=args.allow_shared_key_access,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table_endpoint = self.account.primary_endpoints.apply(lambda e: e.table.rstrip("/"))
        self.register_outputs(
            {"accountName": self.account.name, "tableEndpoint": self.table_endpoint}
        )

    def connection_string(self, resource_group_name: pulumi.Input[str]) -> pulumi.Output[str]:
        """A key-based connection string, as a Pulumi secret."""
        keys = storage.list_storage_account_keys_output(
            account_name=self.account.name, resource_group_name=resource_group_name
        )
        return pulumi.Output.secret(
            pulumi.Output.all(self.account.name, keys.keys[0].value).apply(
                lambda v: (
                    f"DefaultEndpointsProtocol=https;AccountName={v[0]};AccountKey={v[1]};"
                    "EndpointSuffix=core.windows.net"
                )
            )
        )
