"""Orchestration versioning settings, as the Durable extension parses them."""

from __future__ import annotations

from enum import StrEnum

UNVERSIONED_LABEL = "(unversioned)"
"""How every report names the empty version (an instance started without one)."""


class MatchStrategy(StrEnum):
    """host.json `versionMatchStrategy`: which instances a worker of a version may run."""

    NONE = "None"
    STRICT = "Strict"
    CURRENT_OR_OLDER = "CurrentOrOlder"


class FailureStrategy(StrEnum):
    """host.json `versionFailureStrategy`: what happens to an instance a worker may not run."""

    REJECT = "Reject"
    FAIL = "Fail"


_INT32_MAX = 2**31 - 1
# The characters .NET's NumberStyles.Integer skips around a number.
_NUMBER_WHITE = "\t\n\v\f\r "


def _parse_component(text: str) -> int | None:
    body = text.strip(_NUMBER_WHITE)
    if body[:1] in ("+", "-"):
        sign, digits = body[0], body[1:]
    else:
        sign, digits = "+", body
    if not digits or not all("0" <= c <= "9" for c in digits):
        return None
    if len(digits.lstrip("0")) > len(str(_INT32_MAX)):
        return None  # beyond Int32 (and never handed to int(), whatever its length)
    value = int(digits)
    value = -value if sign == "-" else value
    # A negative component fails; "-0" is 0 and passes, as in .NET.
    return value if 0 <= value <= _INT32_MAX else None


def parse_dotnet_version(text: str) -> tuple[int, int, int, int] | None:
    """`System.Version.TryParse`: 2 to 4 Int32 components >= 0; a missing one is -1."""
    parts = text.split(".")
    if not 2 <= len(parts) <= 4:
        return None
    values = [_parse_component(p) for p in parts]
    if any(v is None for v in values):
        return None
    padded = [v for v in values if v is not None] + [-1] * (4 - len(values))
    return (padded[0], padded[1], padded[2], padded[3])


def _ordinal_ignore_case_key(text: str) -> list[int]:
    """UTF-16 code units after a per-character upper-case mapping (OrdinalIgnoreCase)."""
    upper = "".join(u if len(u := c.upper()) == 1 else c for c in text)
    data = upper.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def compare_versions(a: str | None, b: str | None) -> int:
    """DurableTask.Core `VersioningSettings.CompareVersions`: negative, zero or positive.

    Not `packaging`: single components never parse ("10" < "9" as strings), "1.0" < "1.0.0",
    and anything that is not a .NET version compares as an ordinal case-insensitive string.
    """
    a_empty = a is None or not a.strip()
    b_empty = b is None or not b.strip()
    if a_empty or b_empty:
        return 0 if a_empty and b_empty else (-1 if a_empty else 1)
    assert a is not None and b is not None
    parsed_a, parsed_b = parse_dotnet_version(a), parse_dotnet_version(b)
    if parsed_a is not None and parsed_b is not None:
        return _sign((parsed_a > parsed_b) - (parsed_a < parsed_b))
    key_a, key_b = _ordinal_ignore_case_key(a), _ordinal_ignore_case_key(b)
    return _sign((key_a > key_b) - (key_a < key_b))


def worker_accepts(
    instance_version: str | None, worker_version: str | None, match_strategy: MatchStrategy
) -> bool:
    """Whether a worker with `worker_version` as defaultVersion may run the instance."""
    if match_strategy is MatchStrategy.NONE:
        return True
    if match_strategy is MatchStrategy.STRICT:
        return instance_version == worker_version
    return compare_versions(instance_version, worker_version) <= 0
