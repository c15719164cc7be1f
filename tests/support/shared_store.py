"""Several task hubs writing to one shared tracking store, as version apps do under routing.

With a tracking prefix every hub's rows go to the same `<prefix>Instances` and
`<prefix>History` tables, told apart by TaskHubName (docs/domain.md, "Instances table");
the tables are made once, by whichever host comes first.
"""

from __future__ import annotations

from azure.data.tables import TableServiceClient

from standins.host_simulator import DurableHostSimulator
from taskhub.hubs import TaskHub


def shared_store(
    service: TableServiceClient, prefix: str, *hubs: str
) -> list[DurableHostSimulator]:
    """One host per hub name, all on the tracking store `prefix`, its tables created."""
    hosts = [DurableHostSimulator(service, TaskHub(h, tracking_prefix=prefix)) for h in hubs]
    hosts[0].create_hub()
    return hosts
