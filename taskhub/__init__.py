"""The shared truth of durable-zero-downtime: task hubs, their tables and what their rows mean.

Components, policies and pipeline stages all import from here, so this package imports no
Pulumi, no pulumi_policy and no azure-mgmt-*: only the data-plane client for tables.
"""

__version__ = "0.1.0"
