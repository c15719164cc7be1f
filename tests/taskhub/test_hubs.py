import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskhub.errors import ConfigurationError
from taskhub.hubs import (
    TaskHub,
    escape_instance_id,
    hub_name_problem,
    is_entity_key,
    unescape_instance_id,
)


@pytest.mark.parametrize("name", ["abc", "Orders2", "a" * 45, "DurableFunctionsHub"])
def test_valid_hub_names(name: str) -> None:
    assert hub_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("ab", "3 to 45"),
        ("a" * 46, "3 to 45"),
        ("1orders", "start with a letter"),
        ("orders-hub", "only the letters"),
        ("ordérs", "only the letters"),
        ("", "empty"),
    ],
)
def test_invalid_hub_names_say_why(name: str, says: str) -> None:
    problem = hub_name_problem(name)
    assert problem is not None and says in problem


def test_table_names_follow_the_tracking_store() -> None:
    assert TaskHub("orders").instances_table == "ordersInstances"
    assert TaskHub("orders").history_table == "ordersHistory"
    shared = TaskHub("orders", tracking_prefix="DurableTask")
    assert shared.instances_table == "DurableTaskInstances"
    assert shared.history_table == "DurableTaskHistory"
    assert shared.shares_tracking_store


def test_bad_hub_or_prefix_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="start with a letter"):
        TaskHub("9lives")
    with pytest.raises(ConfigurationError, match="prefix is empty"):
        TaskHub("orders", tracking_prefix="")


@pytest.mark.parametrize(
    ("instance_id", "key"),
    [
        ("plain-id", "plain-id"),
        ("a/b", "a^0b"),
        ("a\\b", "a^1b"),
        ("a#b", "a^2b"),
        ("a?b", "a^3b"),
        ("a^b", "a^^b"),
        ("a\x01b", "a^\u00c1b"),
        ("a\x7fb", "a^\u013fb"),
        ("@counter@k", "@counter@k"),
    ],
)
def test_escaping_matches_key_sanitation(instance_id: str, key: str) -> None:
    assert escape_instance_id(instance_id) == key
    assert unescape_instance_id(key) == instance_id


@given(st.text())
def test_escaping_round_trips(instance_id: str) -> None:
    assert unescape_instance_id(escape_instance_id(instance_id)) == instance_id


@given(st.text())
def test_escaped_keys_hold_no_forbidden_characters(instance_id: str) -> None:
    key = escape_instance_id(instance_id)
    assert not any(c in key for c in "/\\#?")
    assert not any(ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F for c in key)


def test_entity_keys() -> None:
    assert is_entity_key("@counter@k")
    assert not is_entity_key("counter")
