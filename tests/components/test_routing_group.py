"""The routing group refuses a config that is not the routing strategy's, with a fix."""

from __future__ import annotations

import pytest

from components.config import ConfigError, Strategy, load
from components.routing import RoutingGroup, RoutingGroupArgs


def test_a_routing_group_of_a_slots_config_is_a_config_error() -> None:
    cfg = load({"appName": "orders-dev"})
    assert cfg.strategy is Strategy.SLOTS and cfg.routing is None
    with pytest.raises(ConfigError) as info:
        RoutingGroup("orders-dev", RoutingGroupArgs(cfg, "rg-orders-dev"))
    assert info.value.key == "durable-zero-downtime:strategy"
    assert "'slots'" in str(info.value) and "Fix: set strategy: routing" in str(info.value)
