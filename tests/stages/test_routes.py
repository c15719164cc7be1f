"""What each `routes` change writes, decided without storage: the batch is the contract the
router reads (one current version, at most one ramp), so it is checked row by row."""

from __future__ import annotations

import pytest

from scripts.stages.routes import making_current, ramped, routes_from_stack
from taskhub.errors import ConfigurationError
from taskhub.routes import Route, RouteState, RouteTable


def _route(
    minor: str, *, state: RouteState = RouteState.ACTIVE, current: bool = False, ramp: int = 0
) -> Route:
    hub = f"Hub{minor.replace('.', '')}"
    return Route(
        minor, f"orders-v{minor}", f"https://{minor}", f"{minor}.0", hub, state, current, ramp
    )


TABLE = RouteTable.of(
    [_route("1.0", current=True), _route("1.1", ramp=20), _route("0.9", state=RouteState.DRAINING)]
)


def test_making_current_changes_the_old_and_the_new_in_one_batch_and_ends_the_ramp() -> None:
    batch = making_current(TABLE, TABLE.routes["1.1"])
    assert {(r.minor, r.current, r.ramp) for r in batch} == {("1.0", False, 0), ("1.1", True, 0)}


def test_making_current_repairs_a_half_done_change() -> None:
    table = RouteTable.of([_route("1.0", current=True), _route("1.1", current=True)])
    batch = making_current(table, table.routes["1.1"])
    assert [(r.minor, r.current) for r in batch] == [("1.0", False)]


def test_a_ramp_of_100_is_making_current_and_0_ends_it() -> None:
    assert ramped(TABLE, "1.1", 100) == making_current(TABLE, TABLE.routes["1.1"])
    assert [(r.minor, r.ramp) for r in ramped(TABLE, "1.1", 0)] == [("1.1", 0)]


@pytest.mark.parametrize(
    ("minor", "percent", "why"),
    [
        ("1.0", 10, "is the current version"),
        ("0.9", 10, "is draining"),
        ("2.0", 10, r"no route for 2\.0"),
    ],
)
def test_a_ramp_that_cannot_be_is_refused(minor: str, percent: int, why: str) -> None:
    with pytest.raises(ConfigurationError, match=why):
        ramped(TABLE, minor, percent)


def test_a_second_ramp_is_refused_while_one_runs() -> None:
    table = RouteTable.of([*TABLE.routes.values(), _route("1.2")])
    with pytest.raises(ConfigurationError, match=r"1\.1 is ramping already"):
        ramped(table, "1.2", 5)


def test_a_first_sync_makes_the_newest_version_current_and_keeps_states_after() -> None:
    def app(minor: str) -> dict[str, object]:
        production = {"hostName": f"v{minor}.example", "taskHub": f"Hub{minor[0]}{minor[2]}"}
        return {"minor": minor, "version": f"{minor}.3", "slots": {"production": production}}

    stack = {"apps": {"orders-v1-0": app("1.0"), "orders-v1-10": app("1.10")}}
    first = routes_from_stack(stack, RouteTable(), {"1.0": "https://private"})
    assert {(r.minor, r.current, r.base_url) for r in first} == {
        ("1.0", False, "https://private"),
        ("1.10", True, "https://v1.10.example"),
    }
    kept = RouteTable.of([_route("1.0", current=True, state=RouteState.DRAINING)])
    again = {r.minor: r for r in routes_from_stack(stack, kept, {})}
    assert (again["1.0"].current, again["1.0"].state) == (True, RouteState.DRAINING)
    assert again["1.10"].current is False
