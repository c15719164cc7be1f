"""App settings read the way the Functions host reads its configuration.

The host sees host.json and its app settings (environment variables) as one .NET
`IConfiguration`, and three of that configuration's rules decide what a setting name means
(dotnet/runtime, src/libraries/Microsoft.Extensions.Configuration*):
- keys are case-insensitive (`ConfigurationKeyComparer`, `StringComparer.OrdinalIgnoreCase`);
- an environment variable's `__` is the path separator `:`
  (`EnvironmentVariablesConfigurationProvider.NormalizeKey`); a name that already holds `:`
  (Windows allows it) is a path as it stands;
- App Service exports its "connection strings" as `CUSTOMCONNSTR_<name>` (and
  `SQLCONNSTR_`, `SQLAZURECONNSTR_`, `MYSQLCONNSTR_` by type), which the same provider files
  under `ConnectionStrings:<name>`.

Two names for one key with different values (`Hub` and `HUB`, possible on Linux) leave the
host's pick to the order the OS lists its variables in: such a key is ambiguous and reading
it raises, never guesses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from taskhub.errors import ConfigurationError

SEPARATOR = ":"
CONNECTION_STRINGS = "ConnectionStrings"
CONNECTION_STRING_PREFIXES = ("CUSTOMCONNSTR_", "SQLCONNSTR_", "SQLAZURECONNSTR_", "MYSQLCONNSTR_")


def config_key(name: str) -> str:
    """The configuration path an app setting or environment variable name stands for,
    lower-cased so that equal keys compare equal."""
    for prefix in CONNECTION_STRING_PREFIXES:
        if name.upper().startswith(prefix):
            name = f"{CONNECTION_STRINGS}{SEPARATOR}{name[len(prefix) :]}"
            break
    return name.replace("__", SEPARATOR).lower()


def join(*path: str) -> str:
    return SEPARATOR.join(path)


@dataclass(frozen=True)
class Section:
    """A configuration section: its own value and its descendants' (keys relative, lower)."""

    path: str
    """The path as it was asked for, for messages."""
    value: object | None = None
    children: Mapping[str, object] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        """`IConfigurationSection.Exists()`: a value (even an empty one) or any child."""
        return self.value is not None or bool(self.children)

    def child(self, name: str) -> object | None:
        return self.children.get(name.lower())


class HostConfiguration:
    """App settings (or a pipeline's environment) as one case-insensitive configuration."""

    def __init__(self, *layers: Mapping[str, object]) -> None:
        """`layers` in the order the host adds its sources: a later one overrides an earlier
        one key by key (app settings over host.json)."""
        self._values: dict[str, object] = {}
        self._names: dict[str, list[str]] = {}
        for layer in layers:
            seen: dict[str, object] = {}
            for name, value in layer.items():
                if value is None:
                    continue  # unknown (a preview's placeholder): absent, not empty
                key = config_key(str(name))
                self._names.setdefault(key, []).insert(0, str(name))
                if key in seen and seen[key] != value:
                    value = _AMBIGUOUS
                seen[key] = value
            self._values.update(seen)

    def get(self, *path: str) -> object | None:
        """The value at `path` (None when absent); ConfigurationError when ambiguous."""
        return self._value(config_key(join(*path)))

    def _value(self, key: str) -> object | None:
        value = self._values.get(key)
        if value is _AMBIGUOUS:
            names = ", ".join(sorted(self._names[key]))
            raise ConfigurationError(
                f"settings {names} name one configuration key with different values; the "
                "Functions host takes whichever the operating system lists first",
                fix="keep one of them (configuration keys are case-insensitive)",
            )
        return value

    def text(self, *path: str) -> str | None:
        """The value at `path` when it is a non-empty string; None otherwise."""
        value = self.get(*path)
        return value if isinstance(value, str) and value else None

    def written(self, *path: str) -> str | None:
        """The key at `path` as the settings spell it (the overriding layer's spelling)."""
        names = self._names.get(config_key(join(*path)))
        return names[0] if names else None

    def section(self, *path: str) -> Section:
        wanted = join(*path)
        key = config_key(wanted)
        children = {
            child[len(key) + 1 :]: self._value(child)
            for child in self._values
            if child.startswith(key + SEPARATOR)
        }
        return Section(wanted, self._value(key), children)


class _Ambiguous:
    """Marks a key set twice with different values."""


_AMBIGUOUS = _Ambiguous()
