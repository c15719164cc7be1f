"""`durable-deploy routes`: keep the router's route table right, from sync to retirement."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options import IntervalOption, duration_option
from scripts.cli.options.hub import StoreArgs, with_store_options
from scripts.cli.output import Answer, JsonOption, Output, fields_json
from scripts.stages.exits import Exit
from scripts.stages.ramp_watch import Limits, RampVerdict, watch_ramp
from scripts.stages.routes import Retirement as RouteRetirement
from scripts.stages.routes import (
    active_route,
    change_routes,
    draining,
    making_current,
    ramped,
    retire,
    routes_from_stack,
    warnings,
)
from scripts.stages.text import instance_line
from taskhub.routes import Route, RouteTable

routes = typer.Typer(
    help="Register the stack's version apps, pick the current version, drain and retire "
    "versions. Exit codes: 0 done; 1 not yet (retire with unfinished instances); 2 cannot "
    "decide.",
    no_args_is_help=True,
)
app.add_typer(routes, name="routes")
MinorArg = Annotated[str, typer.Argument(metavar="MAJOR.MINOR", help="e.g. 1.1")]


def _route_json(route: Route) -> dict[str, Any]:
    return fields_json(
        route, ("minor", "app", "version", "hub", "base_url", "state", "current", "ramp")
    )


def _table(command: str, table: RouteTable) -> Answer:
    """The route table as stored (after the change, for the commands that make one)."""
    payload = {
        "routes": [_route_json(r) for _, r in sorted(table.routes.items())],
        "warnings": warnings(table),
    }
    return Answer(command, Exit.OK, payload, lambda out: _render_table(out, table))


def _render_table(out: Output, table: RouteTable) -> None:
    if not table.routes:
        out.text("no routes registered")
    for minor, r in sorted(table.routes.items()):
        mark = "*" if r.current else " "
        ramp = f"  ramp {r.ramp}%" if r.ramp and not r.current else ""
        out.text(
            f"{mark} {minor:6} {r.state:9} {r.version:10} {r.app:24} hub {r.hub}  "
            f"{r.base_url}{ramp}"
        )
    for warning in warnings(table):
        out.text(f"  warning: {warning}", style="yellow")


def _changed(
    command: str,
    where: StoreArgs,
    json_output: bool,
    change: Callable[[RouteTable], Iterable[Route]],
) -> None:
    """Writes the rows `change` derives from the table, then shows the table as stored."""
    out = Output(as_json=json_output)
    tracking = where.tracking()
    out.secrets = tracking.connection.secrets
    out.finish(_table(command, change_routes(tracking, change)))


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
    _changed(
        "routes sync",
        where,
        json_output,
        lambda table: routes_from_stack(where.stack, table, overrides),
    )


@routes.command("list")
@with_store_options
def list_routes(
    where: StoreArgs, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Show the route table (* marks the current version)."""
    out = Output(as_json=json_output)
    tracking = where.tracking()
    out.secrets = tracking.connection.secrets
    out.finish(_table("routes list", tracking.read()))


@routes.command("set-current")
@with_store_options
def set_current(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Send requests that name no version to MAJOR.MINOR."""
    _changed(
        "routes set-current",
        where,
        json_output,
        lambda table: making_current(table, active_route(table, minor, "pick")),
    )


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
    _changed("routes ramp", where, json_output, lambda table: ramped(table, minor, percent))


@routes.command("drain")
@with_store_options
def drain(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Stop new orchestrations to MAJOR.MINOR; requests about its existing instances still
    reach it."""
    _changed("routes drain", where, json_output, lambda table: draining(table, minor))


def _retired(minor: str, done: RouteRetirement) -> Answer:
    payload: dict[str, Any] = {"retired": done.retired, "unfinished": len(done.unfinished)}
    if not done.retired:
        payload["unreadable"] = sum(1 for r in done.unfinished if not r.readable)
    payload["hub"] = done.route.hub
    if done.retired:
        payload["config_change"] = done.config_change
    exit = Exit.OK if done.retired else Exit.NOT_YET
    return Answer("routes retire", exit, payload, lambda out: _render_retired(out, minor, done))


def _render_retired(out: Output, minor: str, done: RouteRetirement) -> None:
    route, unfinished = done.route, done.unfinished
    if done.retired:
        out.text(f"RETIRED  {minor} ({route.app}): no unfinished instance in hub {route.hub}")
        out.text("  remove its app on the next `pulumi up`:")
        out.text(f"  {done.config_change}")
    else:
        out.text(f"NOT YET  {len(unfinished)} unfinished instance(s) in hub {route.hub}")
        for record in unfinished[:10]:
            out.text(f"  {instance_line(record)}")


@routes.command("retire")
@with_store_options
def retire_route(
    where: StoreArgs, minor: MinorArg, json_output: JsonOption = False, ci: CiOption = CiSystem.AUTO
) -> None:
    """Retire MAJOR.MINOR once the tracking store shows no unfinished instance of its hub,
    and print the stack config change that removes its app. Exit 2 when its hub never
    recorded an instance there (the app writes under another hub)."""
    out = Output(as_json=json_output)
    tracking = where.tracking()
    out.secrets = tracking.connection.secrets
    out.finish(_retired(minor, retire(tracking, minor)))


def _ramp(minor: str, verdict: RampVerdict) -> Answer:
    return Answer(
        "routes ramp-watch",
        Exit.NOT_YET if verdict.halted else Exit.OK,
        verdict.to_json(),
        lambda out: _render_ramp(out, minor, verdict),
        lambda annotator: _annotate_ramp(annotator, minor, verdict),
    )


def _annotate_ramp(annotator: Annotator, minor: str, verdict: RampVerdict) -> None:
    if verdict.halted:
        annotator.message("error", f"ramp of {minor} halted", verdict.reason)


def _render_ramp(out: Output, minor: str, verdict: RampVerdict) -> None:
    reason = verdict.reason
    out.text(f"HALTED   ramp of {minor} set to 0: {reason}" if reason else "PASSED")
    for side in (verdict.ramping, verdict.current):
        rate = "n/a" if side.rate is None else f"{side.rate:.1%}"
        out.text(f"  {side.minor}: {side.failed} failed of {side.finished} finished ({rate})")


@routes.command("ramp-watch")
@with_store_options
def ramp_watch(
    where: StoreArgs,
    minor: MinorArg,
    max_failure_rate: Annotated[
        float, typer.Option("--max-failure-rate", min=0.0, max=1.0, help="e.g. 0.05.")
    ] = 0.05,
    window: Annotated[
        float,
        duration_option(
            "Count instances created this long ago", bare=None, minimum=1.0, show_default="15m"
        ),
    ] = 900.0,
    margin: Annotated[
        float,
        typer.Option("--margin", min=0.0, max=1.0, help="How much worse than the current."),
    ] = 0.02,
    min_finished: Annotated[
        int,
        typer.Option("--min-finished", min=1, help="Finished instances needed for a pass."),
    ] = 10,
    interval: IntervalOption = 30.0,
    duration: Annotated[
        float | None,
        duration_option("How long to watch (default: --window)", bare=None, minimum=1.0),
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

    out = Output(as_json=json_output)
    tracking = where.tracking()
    out.secrets = tracking.connection.secrets
    verdict = watch_ramp(
        tracking,
        minor,
        Limits(max_failure_rate, margin, min_finished),
        window=timedelta(seconds=window),
        duration=timedelta(seconds=duration or window),
        interval=interval,
    )
    out.finish(_ramp(minor, verdict), Annotator(ci))
