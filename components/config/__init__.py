"""Stack config (namespace `durable-zero-downtime`): one validator per key, one model.

`load` reads the keys in `keys.STACK_KEYS`; each key's rules live in the module named after
it (`app` for the app's own keys); `model` is what the components are built from.
"""

from components.config.app import RUNTIME_VERSIONS
from components.config.keys import FIELDS, STACK_KEYS, accepted_keys
from components.config.loader import from_pulumi, load
from components.config.model import (
    NAMESPACE,
    AppConfig,
    ConfigError,
    Connection,
    FlexConfig,
    RoutingConfig,
    SchedulerConfig,
    SlotConfig,
    SlotMode,
    Strategy,
    VersioningConfig,
)

__all__ = [
    "FIELDS",
    "NAMESPACE",
    "RUNTIME_VERSIONS",
    "STACK_KEYS",
    "AppConfig",
    "ConfigError",
    "Connection",
    "FlexConfig",
    "RoutingConfig",
    "SchedulerConfig",
    "SlotConfig",
    "SlotMode",
    "Strategy",
    "VersioningConfig",
    "accepted_keys",
    "from_pulumi",
    "load",
]
