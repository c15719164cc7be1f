"""`durable-deploy routes`: keep the router's route table right, from sync to retirement."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.hub import StoreArgs, with_store_options
from scripts.cli.output import JsonOption, Output, instance_line
from scripts.stages.exits import Exit
from scripts.stages.ramp_watch import CannotJudge, Limits, breach, parse_duration, tally
from scripts.stages.stack_outputs import typed
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.errors import ConfigurationError, is_table_missing, translate_storage_error
from taskhub.hubs import TaskHub
from taskhub.instances import InstanceStore
from taskhub.routes import ROUTES_TABLE, Route, RouteState, RouteStore, RouteTable

routes = typer.Typer(
    help="Register the stack's version apps, pick the current version, drain and retire "
    "versions. Exit codes: 0 done; 1 not yet (retire with unfinished instances); 2 cannot "
    "decide.",
    no_args_is_help=True,
)
app.add_typer(routes, name="routes")
MinorArg = Annotated[str, typer.Argument(metavar="MAJOR.MINOR", help="e.g. 1.1")]


def _route_json(route: Route) -> dict[str, Any]:
    return {
        "minor": route.minor,
        "app": route.app,
        "version": route.version,
        "hub": route.hub,
        "base_url": route.base_url,
        "state": str(route.state),
        "current": route.current,
        "ramp": route.ramp,
    }


def _warnings(table: RouteTable) -> list[str]:
    """What is wrong with the table as stored: skipped rows, a half-done current change."""
    warnings = list(table.skipped)
    if len(table.ramping) > 1:
        marked = ", ".join(r.minor for r in table.ramping)
        warnings.append(
            f"several versions are ramping ({marked}): the router applies none of these ramps "
            "until `routes ramp <one> --percent 0` leaves one"
        )
    if len(table.currents) > 1:
        marked = ", ".join(r.minor for r in table.currents)
        warnings.append(
            f"several versions are marked current ({marked}): a half-done change; the router "
            "answers 503 to requests that name no version until `routes set-current` repairs it"
        )
    return warnings


def _show(out: Output, table: RouteTable, **extra: Any) -> None:
    if out.as_json:
        out.json(
            {
                "routes": [_route_json(r) for _, r in sorted(table.routes.items())],
                "warnings": _warnings(table),
                **extra,
            }
        )
        return
    if not table.routes:
        out.text("no routes registered")
    for minor, r in sorted(table.routes.items()):
        mark = "*" if r.current else " "
        ramp = f"ramp {r.ramp}%" if r.ramp and not r.current else ""
        out.text(
            f"{mark} {minor:6} {r.state:9} {r.version:10} {r.app:24} hub {r.hub}  {r.base_url}"
            + (f"  {ramp}" if ramp else "")
        )
    for warning in _warnings(table):
        out.text(f"  warning: {warning}", style="yellow")


def _load(store: RouteStore, hub: TaskHub) -> RouteTable:
    try:
        return store.load()
    except Exception as exc:
        if is_table_missing(exc):
            return RouteTable()
        raise translate_storage_error(exc, hub) from None


def _save(store: RouteStore, hub: TaskHub, *routes: Route) -> None:
    try:
        store.save(*routes)
    except Exception as exc:
        raise translate_storage_error(exc, hub) from None


def _route(table: RouteTable, minor: str, *, replaceable: bool = False) -> Route:
    """The route for `minor`; `replaceable` refuses the current one (it takes new work)."""
    if minor not in table.routes:
        raise ConfigurationError(
            f"no route for {minor}", fix=f"known: {', '.join(sorted(table.routes)) or 'none'}"
        )
    route = table.routes[minor]
    if replaceable and route.current:
        raise ConfigurationError(
            f"{minor} is the current version", fix="routes set-current <another> first"
        )
    return route


def _run(where: StoreArgs, json_output: bool, act: Any) -> None:
    """Open the tracking store, run `act(store, table, out)`; its exit code is the command's."""
    out = Output(as_json=json_output)
    connection = where.connection()
    out.secrets = connection.secrets
    with connection.service_client(where.retry) as service:
        store = RouteStore(service)
        hub = TaskHub(where.prefix, tracking_prefix=where.prefix)
        code = act(service, store, _load(store, hub), out, hub)
    raise typer.Exit(int(code))


@routes.command(
    "sync",
    help="Register every version app of --stack-output (state and current "
    "version are kept; a first sync makes the newest version current).",
)
@with_store_options
def sync(
    where: StoreArgs,
    base_url: Annotated[
        list[str] | None,
        typer.Option(
            "--base-url",
            metavar="MAJOR.MINOR=URL",
            help="Reach a version somewhere else than https://<hostName> (a custom "
            "domain, a private endpoint); repeatable.",
        ),
    ] = None,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    overrides = dict(item.split("=", 1) for item in base_url or [] if "=" in item)

    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        apps = typed(where.stack, "apps", dict, "--stack-output", required=False) or {}
        if not apps:
            raise ConfigurationError(
                "--stack-output has no apps", fix="pass a routing stack's outputs"
            )
        fresh = []
        for name in apps:
            entry = typed(apps, name, dict, "apps")
            slots = typed(entry, "slots", dict, f"apps.{name}")
            production = typed(slots, PRODUCTION_SLOT, dict, f"apps.{name}.slots")
            minor = typed(entry, "minor", str, f"apps.{name}")
            old = table.routes.get(minor)
            host = typed(production, "hostName", str, f"apps.{name}.slots.production")
            fresh.append(
                Route(
                    minor,
                    name,
                    overrides.get(minor, f"https://{host}"),
                    typed(entry, "version", str, f"apps.{name}"),
                    typed(production, "taskHub", str, f"apps.{name}.slots.production"),
                    old.state if old else RouteState.ACTIVE,
                    old.current if old else False,
                )
            )
        if not any(r.current for r in fresh) and not table.current:
            newest = max(fresh, key=lambda r: tuple(int(p) for p in r.minor.split(".")))
            fresh = [replace(r, current=r is newest) for r in fresh]
        _save(store, hub, *fresh)
        _show(out, _load(store, hub))
        return Exit.OK

    _run(where, json_output, act)


@routes.command("list", help=f"Show the {ROUTES_TABLE} table (* marks the current version).")
@with_store_options
def list_routes(
    where: StoreArgs, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        _show(out, table)
        return Exit.OK

    _run(where, json_output, act)


@routes.command("set-current", help="Send requests that name no version to MAJOR.MINOR.")
@with_store_options
def set_current(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        target = _route(table, minor)
        if target.state is not RouteState.ACTIVE:
            raise ConfigurationError(f"{minor} is {target.state}", fix="pick an active version")
        _save(store, hub, *_making_current(table, target))
        _show(out, _load(store, hub))
        return Exit.OK

    _run(where, json_output, act)


def _making_current(table: RouteTable, target: Route) -> list[Route]:
    """The rows that change when `target` becomes current, for one batch: the old current
    and the new one change together or not at all, a table left with several current
    routes (a half-done change) is repaired, and the target's ramp ends (it takes all)."""
    return [
        replace(route, current=route is target, ramp=0)
        for route in table.routes.values()
        if route.current != (route is target) or (route is target and route.ramp)
    ]


@routes.command(
    "ramp",
    help="Send --percent of new starts (requests with no instance id and no version named) "
    "to MAJOR.MINOR, chosen by a stable hash of the client key (x-client-id header, else the "
    "client address); instance-affine and explicit-version requests are unaffected. 0 ends "
    "the ramp, 100 makes MAJOR.MINOR current. The router applies it on its next refresh.",
)
@with_store_options
def ramp(
    where: StoreArgs,
    minor: MinorArg,
    percent: Annotated[
        int, typer.Option("--percent", min=0, max=100, help="0-100 (whole percent).")
    ],
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        target = _route(table, minor)
        if target.state is not RouteState.ACTIVE:
            raise ConfigurationError(f"{minor} is {target.state}", fix="ramp an active version")
        if percent == 100:
            _save(store, hub, *_making_current(table, target))
        else:
            if target.current:
                raise ConfigurationError(
                    f"{minor} is the current version: it already takes every new start",
                    fix="ramp the version you are releasing",
                )
            others = [r.minor for r in table.ramping if r.minor != minor]
            if others and percent:
                raise ConfigurationError(
                    f"{', '.join(others)} is ramping already",
                    fix=f"routes ramp {others[0]} --percent 0 (or 100) first",
                )
            _save(store, hub, replace(target, ramp=percent))
        _show(out, _load(store, hub))
        return Exit.OK

    _run(where, json_output, act)


@routes.command(
    "drain",
    help="Stop new orchestrations to MAJOR.MINOR; requests about its "
    "existing instances still reach it.",
)
@with_store_options
def drain(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        route = _route(table, minor, replaceable=True)
        _save(store, hub, replace(route, state=RouteState.DRAINING))
        _show(out, _load(store, hub))
        return Exit.OK

    _run(where, json_output, act)


@routes.command(
    "retire",
    help="Retire MAJOR.MINOR once the tracking store shows no unfinished "
    "instance of its hub, and print the stack config change that removes its app. Exit 2 "
    "when its hub never recorded an instance there (the app writes under another hub).",
)
@with_store_options
def retire_route(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        route = _route(table, minor, replaceable=True)
        owner = TaskHub(route.hub, tracking_prefix=where.prefix)
        instances = InstanceStore(service, owner)
        if not instances.has_any_instance():
            seen = ", ".join(instances.hub_names()) or "none"
            raise ConfigurationError(
                f"hub {route.hub!r} of {minor} never recorded an instance in "
                f"{owner.instances_table}, so its app may write under another hub name; "
                f"hubs recorded there: {seen}",
                fix="check the hub the app really runs (its hubName setting) and "
                "`routes sync` it, or check the tracking store connection",
            )
        unfinished = instances.unfinished(include_entities=True)
        if unfinished:
            unreadable = sum(1 for r in unfinished if not r.readable)
            if out.as_json:
                out.json(
                    {
                        "retired": False,
                        "unfinished": len(unfinished),
                        "unreadable": unreadable,
                        "hub": route.hub,
                    }
                )
            else:
                out.text(f"NOT YET  {len(unfinished)} unfinished instance(s) in hub {route.hub}")
                for record in unfinished[:10]:
                    out.text(f"  {instance_line(record)}")
            return Exit.NOT_YET
        _save(store, hub, replace(route, state=RouteState.RETIRED, current=False))
        remaining = [
            r.version
            for m, r in sorted(table.routes.items())
            if m != minor and r.state is not RouteState.RETIRED
        ]
        change = (
            "pulumi config set --path 'durable-zero-downtime:routing.versions' "
            f"'{json.dumps(remaining)}'"
        )
        if out.as_json:
            out.json({"retired": True, "unfinished": 0, "hub": route.hub, "config_change": change})
        else:
            out.text(f"RETIRED  {minor} ({route.app}): no unfinished instance in hub {route.hub}")
            out.text(f"  remove its app on the next `pulumi up`:\n  {change}")
        return Exit.OK

    _run(where, json_output, act)


@routes.command(
    "ramp-watch",
    help="Watch a ramping MAJOR.MINOR for --duration (default: --window): every --interval, "
    "count the orchestrations of it and of the current version created in the last --window "
    "(failed vs finished) in the shared tracking store. When its failure rate exceeds "
    "--max-failure-rate and the current one's by --margin, set its ramp to 0 and exit 1. "
    "Exit 0 when the window passes cleanly with at least --min-finished finished; exit 2 "
    "when it cannot decide (unreadable or unattributable rows, a missing table, no ramp).",
)
@with_store_options
def ramp_watch(
    where: StoreArgs,
    minor: MinorArg,
    max_failure_rate: Annotated[
        float, typer.Option("--max-failure-rate", min=0.0, max=1.0, help="e.g. 0.05.")
    ] = 0.05,
    window: Annotated[
        str, typer.Option("--window", help="Count instances created this long ago: 90s, 15m, 1h.")
    ] = "15m",
    margin: Annotated[
        float,
        typer.Option("--margin", min=0.0, max=1.0, help="How much worse than the current."),
    ] = 0.02,
    min_finished: Annotated[
        int,
        typer.Option("--min-finished", min=1, help="Finished instances needed for a pass."),
    ] = 10,
    interval: Annotated[str, typer.Option("--interval", help="Time between reads.")] = "30s",
    duration: Annotated[
        str | None, typer.Option("--duration", help="How long to watch (default: --window).")
    ] = None,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    def act(service: Any, store: RouteStore, table: RouteTable, out: Output, hub: TaskHub) -> Exit:
        span = parse_duration(window, "--window")
        watched = parse_duration(duration, "--duration") if duration else span
        pause = parse_duration(interval, "--interval").total_seconds()
        limits = Limits(max_failure_rate, margin, min_finished)
        target, current = _ramp_and_current(table, minor)
        hubs = {target.hub: target.minor, current.hub: current.minor}
        reader = InstanceStore(
            service, TaskHub(target.hub, tracking_prefix=where.prefix), all_hubs=True
        )
        ends = time.monotonic() + watched.total_seconds()
        while True:
            tallies = tally(reader.instances(), hubs, datetime.now(UTC) - span)
            ramping, baseline = tallies[target.minor], tallies[current.minor]
            reason = breach(ramping, baseline, limits)
            if reason or time.monotonic() >= ends:
                break
            time.sleep(max(0.0, min(pause, ends - time.monotonic())))
        if reason:
            fresh = _load(store, hub).routes.get(minor, target)
            _save(store, hub, replace(fresh, ramp=0))
            Annotator(ci).message("error", f"ramp of {minor} halted", reason)
        elif ramping.finished < limits.min_finished:
            raise CannotJudge(
                f"only {ramping.finished} orchestration(s) of {minor} finished in the window, "
                f"fewer than --min-finished {limits.min_finished}: no evidence either way",
                fix="watch longer (--window), ramp more traffic, or lower --min-finished",
            )
        verdict = {
            "halted": bool(reason),
            "reason": reason or "",
            "window_seconds": span.total_seconds(),
            "ramping": ramping.to_json(),
            "current": baseline.to_json(),
        }
        if out.as_json:
            out.json(verdict)
        else:
            word = f"HALTED   ramp of {minor} set to 0: {reason}" if reason else "PASSED"
            out.text(word)
            for side in (ramping, baseline):
                rate = "n/a" if side.rate is None else f"{side.rate:.1%}"
                out.text(
                    f"  {side.minor}: {side.failed} failed of {side.finished} finished ({rate})"
                )
        return Exit.NOT_YET if reason else Exit.OK

    _run(where, json_output, act)


def _ramp_and_current(table: RouteTable, minor: str) -> tuple[Route, Route]:
    """The one ramping route named `minor` and the one current route, or why not."""
    target, current = _route(table, minor), table.current
    if target not in table.ramping:
        raise ConfigurationError(
            f"{minor} is not ramping (ramp {target.ramp}%, {target.state}"
            f"{', current' if target.current else ''})",
            fix=f"routes ramp {minor} --percent <1-99> first",
        )
    if len(table.ramping) > 1 or current is None:
        raise ConfigurationError(
            "the route table has several ramping or not exactly one current version",
            fix="routes list, then routes set-current / routes ramp --percent 0 to repair it",
        )
    if current.hub.lower() == target.hub.lower():
        raise ConfigurationError(
            f"{minor} and the current {current.minor} share hub {target.hub!r}: their "
            "instances cannot be told apart",
            fix="give each version app its own hub name and `routes sync`",
        )
    return target, current
