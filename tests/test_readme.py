"""The docs' promises that code can check: the config reference (docs/config.md) names
exactly the keys the components accept, so a key added, renamed or removed in one place
fails here."""

from __future__ import annotations

import re

import pytest

from components.config import ConfigError, accepted_keys, load
from tests.helpers import ROOT

CONFIG = (ROOT / "docs" / "config.md").read_text()


def _config_table() -> list[str]:
    section = CONFIG.split("## Keys (namespace `durable-zero-downtime`)", 1)[1]
    table = section.split("\n\n", 2)[1]
    return re.findall(r"^\| `([\w.]+)` \|", table, flags=re.MULTILINE)


def test_the_config_table_lists_exactly_the_accepted_keys() -> None:
    documented = _config_table()
    assert len(documented) == len(set(documented)), "a key is listed twice"
    assert sorted(documented) == sorted(accepted_keys())


def test_a_misspelt_field_is_refused_naming_the_fields_the_table_lists() -> None:
    with pytest.raises(ConfigError, match=r"unknown field\(s\) \['name'\].*names, mode"):
        load({"appName": "orders-dev", "slots": {"name": ["staging"]}})
