"""`durable-deploy routes`: keep the router's route table right, from sync to retirement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options import parse_duration
from scripts.cli.options.hub import StoreArgs, with_store_options
from scripts.cli.output import JsonOption, Output, instance_line
from scripts.stages.exits import Exit
from scripts.stages.ramp_watch import Limits, watch_ramp
from scripts.stages.routes import (
    RouteBook,
    active_route,
    making_current,
    ramped,
    retire,
    route_for,
    routes_from_stack,
    warnings,
)
from taskhub.routes import Route, RouteState, RouteTable

routes = typer.Typer(
    help="Register the stack's version apps, pick the current version, drain and retire "
    "versions. Exit codes: 0 done; 1 not yet (retire with unfinished instances); 2 cannot "
    "decide.",
    no_args_is_help=True,
)
app.add_typer(routes, name="routes")
MinorArg = Annotated[str, typer.Argument(metavar="MAJOR.MINOR", help="e.g. 1.1")]
Act = Callable[[RouteBook, RouteTable, Output], Exit]


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


def _show(out: Output, table: RouteTable) -> Exit:
    if out.as_json:
        out.json(
            {
                "routes": [_route_json(r) for _, r in sorted(table.routes.items())],
                "warnings": warnings(table),
            }
        )
        return Exit.OK
    if not table.routes:
        out.text("no routes registered")
    for minor, r in sorted(table.routes.items()):
        mark = "*" if r.current else " "
        ramp = f"ramp {r.ramp}%" if r.ramp and not r.current else ""
        out.text(
            f"{mark} {minor:6} {r.state:9} {r.version:10} {r.app:24} hub {r.hub}  {r.base_url}"
            + (f"  {ramp}" if ramp else "")
        )
    for warning in warnings(table):
        out.text(f"  warning: {warning}", style="yellow")
    return Exit.OK


def _run(where: StoreArgs, json_output: bool, act: Act) -> None:
    """Open the tracking store, run `act(book, table, out)`; its exit code is the command's."""
    out = Output(as_json=json_output)
    connection = where.connection()
    out.secrets = connection.secrets
    with connection.service_client(where.retry) as service:
        book = RouteBook(service, where.prefix)
        code = act(book, book.load(), out)
    raise typer.Exit(int(code))


@routes.command("sync")
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
    """Register every version app of --stack-output (state and current version are kept; a
    first sync makes the newest version current)."""
    overrides = dict(item.split("=", 1) for item in base_url or [] if "=" in item)

    def act(book: RouteBook, table: RouteTable, out: Output) -> Exit:
        return _show(out, book.save(*routes_from_stack(where.stack, table, overrides)))

    _run(where, json_output, act)


@routes.command("list")
@with_store_options
def list_routes(
    where: StoreArgs, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Show the route table (* marks the current version)."""
    _run(where, json_output, lambda _book, table, out: _show(out, table))


@routes.command("set-current")
@with_store_options
def set_current(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Send requests that name no version to MAJOR.MINOR."""

    def act(book: RouteBook, table: RouteTable, out: Output) -> Exit:
        target = active_route(table, minor, "pick")
        return _show(out, book.save(*making_current(table, target)))

    _run(where, json_output, act)


@routes.command("ramp")
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
    """Send --percent of new starts (requests with no instance id and no version named) to
    MAJOR.MINOR, chosen by a stable hash of the client key (x-client-id header, else the
    client address); instance-affine and explicit-version requests are unaffected. 0 ends
    the ramp, 100 makes MAJOR.MINOR current. The router applies it on its next refresh."""
    _run(
        where,
        json_output,
        lambda book, table, out: _show(out, book.save(*ramped(table, minor, percent))),
    )


@routes.command("drain")
@with_store_options
def drain(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Stop new orchestrations to MAJOR.MINOR; requests about its existing instances still
    reach it."""

    def act(book: RouteBook, table: RouteTable, out: Output) -> Exit:
        route = route_for(table, minor, replaceable=True)
        return _show(out, book.save(replace(route, state=RouteState.DRAINING)))

    _run(where, json_output, act)


@routes.command("retire")
@with_store_options
def retire_route(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Retire MAJOR.MINOR once the tracking store shows no unfinished instance of its hub,
    and print the stack config change that removes its app. Exit 2 when its hub never
    recorded an instance there (the app writes under another hub)."""

    def act(book: RouteBook, table: RouteTable, out: Output) -> Exit:
        done = retire(book, table, minor)
        route, unfinished = done.route, done.unfinished
        if out.as_json:
            result: dict[str, Any] = {"retired": done.retired, "unfinished": len(unfinished)}
            if not done.retired:
                result["unreadable"] = sum(1 for r in unfinished if not r.readable)
            result["hub"] = route.hub
            if done.retired:
                result["config_change"] = done.config_change
            out.json(result)
        elif done.retired:
            out.text(f"RETIRED  {minor} ({route.app}): no unfinished instance in hub {route.hub}")
            out.text(f"  remove its app on the next `pulumi up`:\n  {done.config_change}")
        else:
            out.text(f"NOT YET  {len(unfinished)} unfinished instance(s) in hub {route.hub}")
            for record in unfinished[:10]:
                out.text(f"  {instance_line(record)}")
        return Exit.OK if done.retired else Exit.NOT_YET

    _run(where, json_output, act)


@routes.command("ramp-watch")
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
    """Watch a ramping MAJOR.MINOR for --duration (default: --window): every --interval,
    count the orchestrations of it and of the current version created in the last --window
    (failed vs finished) in the shared tracking store. When its failure rate exceeds
    --max-failure-rate and the current one's by --margin, set its ramp to 0 and exit 1.
    Exit 0 when the window passes cleanly with at least --min-finished finished; exit 2
    when it cannot decide (unreadable or unattributable rows, a missing table, no ramp)."""

    def act(book: RouteBook, table: RouteTable, out: Output) -> Exit:
        span = parse_duration(window, "--window")
        verdict = watch_ramp(
            book,
            table,
            minor,
            Limits(max_failure_rate, margin, min_finished),
            window=span,
            duration=parse_duration(duration, "--duration") if duration else span,
            interval=parse_duration(interval, "--interval").total_seconds(),
        )
        if verdict.halted:
            Annotator(ci).message("error", f"ramp of {minor} halted", verdict.reason)
        if out.as_json:
            out.json(verdict.to_json())
        else:
            reason = verdict.reason
            out.text(f"HALTED   ramp of {minor} set to 0: {reason}" if reason else "PASSED")
            for side in (verdict.ramping, verdict.current):
                rate = "n/a" if side.rate is None else f"{side.rate:.1%}"
                out.text(
                    f"  {side.minor}: {side.failed} failed of {side.finished} finished ({rate})"
                )
        return Exit.NOT_YET if verdict.halted else Exit.OK

    _run(where, json_output, act)
