"""`durable-deploy versions`: instances per version, and what a new worker version would do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.options.watch import with_watch_options
from scripts.cli.output import Answer, JsonOption, Output, instance_json, wait_json
from scripts.stages.exits import Exit
from scripts.stages.text import instance_line, iso
from scripts.stages.versions import VersionReport, report_versions
from scripts.stages.watch import WatchResult, WatchSettings, watch_rollout
from taskhub.enums import parse_enum
from taskhub.errors import ConfigurationError, DurableDeployError, offering_allow_missing_hub
from taskhub.instance_rows import InstanceRecord
from taskhub.rollout import Rollout, VersionSummary
from taskhub.versions import FailureStrategy, MatchStrategy

ROLLOUT = "Rollout question"


@app.command("versions")
@with_hub_options
@with_watch_options
def versions(
    where: HubArgs,
    watching: WatchSettings,
    all_hubs: Annotated[
        bool, typer.Option("--all-hubs", help="With --tracking-prefix: every hub in the store.")
    ] = False,
    include_entities: Annotated[
        bool, typer.Option("--include-entities", help="Count durable entities too.")
    ] = False,
    worker_version: Annotated[
        str | None,
        typer.Option(
            "--worker-version",
            help="defaultVersion of the workers being rolled out.",
            rich_help_panel=ROLLOUT,
        ),
    ] = None,
    match_strategy: Annotated[
        str,
        typer.Option(
            "--match-strategy", help="None, Strict or CurrentOrOlder.", rich_help_panel=ROLLOUT
        ),
    ] = "CurrentOrOlder",
    failure_strategy: Annotated[
        str, typer.Option("--failure-strategy", help="Reject or Fail.", rich_help_panel=ROLLOUT)
    ] = "Reject",
    show: Annotated[int, typer.Option(min=0, help="Examples listed per outcome.")] = 5,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Count instances per version and status, and answer the rollout question.

    Reads the Instances table (all rows, a few columns); with --tracking-prefix and --all-hubs,
    every hub of a shared tracking store, grouped by TaskHubName. With --worker-version W, says
    which unfinished instances workers of version W would process, reject (left waiting;
    orphaned once every worker is W) or fail, by the runtime's own rules (DurableTask's
    CompareVersions, not semantic versioning).

    Exit codes: 0 report printed, or the rollout orphans and fails nothing; 1 the rollout would
    reject or fail unfinished instances, or some cannot be read; 2 cannot decide.

    With --watch --until-drained VERSION it follows an in-place rollout instead: exit 0 once no
    unfinished instance of VERSION or older is left, 1 at --timeout, 2 cannot decide.
    """
    out = Output(as_json=json_output)
    annotator = Annotator(ci)
    if watching.enabled or watching.until_drained is not None:
        conflicting = ["--worker-version" if worker_version else "", "--all-hubs" * all_hubs]
        out.finish(_watch(where, watching, include_entities, show, out, conflicting), annotator)
    try:
        match = parse_enum(MatchStrategy, match_strategy)
        failure = parse_enum(FailureStrategy, failure_strategy)
    except ValueError as exc:
        raise ConfigurationError(str(exc), fix="see --help") from None
    if all_hubs and not where.tracking_prefix:
        raise ConfigurationError(
            "--all-hubs reads every hub of a shared tracking store",
            fix="pass --tracking-prefix (trackingStoreNamePrefix) with it",
        )
    address = where.address(default_hub=where.tracking_prefix if all_hubs else None)
    out.secrets = address.connection.secrets
    report = report_versions(
        address,
        where.retry,
        all_hubs=all_hubs,
        include_entities=include_entities,
        worker_version=worker_version,
        strategies=(match, failure),
    )
    out.finish(_versions_answer(report, show), annotator)


def _versions_answer(report: VersionReport, show: int) -> Answer:
    rollout = report.rollout
    payload = {
        "table": report.hub.table,
        "total": len(report.records),
        "unfinished": len(report.unfinished),
        "unreadable": report.unreadable,
        "version_sources": dict(
            sorted(Counter(str(r.version_source) for r in report.records).items())
        ),
        "hubs": {
            hub_name or "": {v: _summary_json(s) for v, s in sorted(versions_.items())}
            for hub_name, versions_ in report.by_hub.items()
        },
        "rollout": _rollout_json(rollout, show) if rollout else None,
    }
    return Answer(
        "versions",
        Exit.NOT_YET if rollout and not rollout.safe else Exit.OK,
        payload,
        lambda out: _render_report(out, report, show),
        lambda annotator: _annotate_report(annotator, report),
    )


def _render_report(out: Output, report: VersionReport, show: int) -> None:
    read = report.hub.table or report.hub.listing
    if not report.by_hub:
        out.text(f"{read}: no instances")
    for hub_name, by_version in report.by_hub.items():
        out.text(f"hub {hub_name or '(unattributed)'} in {read}", style="bold")
        out.text(f"  {'version':14} {'total':>7} {'unfinished':>10}  by status")
        for version, s in sorted(by_version.items()):
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(s.by_status.items()))
            out.text(
                f"  {version or '(unversioned)':14} {s.total:7d} {s.unfinished:10d}  {statuses}"
            )
            if s.oldest_unfinished:
                out.text(f"  {'':14} oldest unfinished: {instance_line(s.oldest_unfinished)}")
    if report.unreadable:
        out.text(
            f"  unreadable: {report.unreadable} instance(s) cannot be read in full; those "
            "whose version cannot be read are in no row above (see --json)",
            style="yellow",
        )
    rollout = report.rollout
    if rollout is None:
        return
    verdict = "SAFE" if rollout.safe else "UNSAFE"
    out.text(
        f"rollout to workers at {rollout.worker_version!r} ({rollout.match_strategy}, "
        f"{rollout.failure_strategy}): process {len(rollout.process)}, reject "
        f"{len(rollout.reject)}, fail {len(rollout.fail)}, unreadable "
        f"{len(rollout.unreadable)}: {verdict}",
        style="bold green" if rollout.safe else "bold red",
    )
    for name, group in _groups(rollout)[1:]:
        for record in group[:show]:
            out.text(f"  {name}: {instance_line(record)}")


def _annotate_report(annotator: Annotator, report: VersionReport) -> None:
    rollout = report.rollout
    if rollout and not rollout.safe:
        unreadable = (
            f"; {len(rollout.unreadable)} unfinished row(s) cannot be read, so no worker "
            "can be judged for them"
            if rollout.unreadable
            else ""
        )
        annotator.message(
            "error",
            "rollout check",
            f"workers {rollout.worker_version} would reject {len(rollout.reject)} and fail "
            f"{len(rollout.fail)} unfinished instance(s){unreadable}",
        )
    annotator.outputs(
        {
            "unfinished": str(len(report.unfinished)),
            "rollout_safe": str(rollout.safe).lower() if rollout else "",
        }
    )


def _summary_json(summary: VersionSummary) -> dict[str, Any]:
    return {
        "total": summary.total,
        "unfinished": summary.unfinished,
        "by_status": dict(sorted(summary.by_status.items())),
        "oldest_unfinished": (
            instance_json(summary.oldest_unfinished) if summary.oldest_unfinished else None
        ),
        "newest_created": iso(summary.newest_created),
    }


def _rollout_json(rollout: Rollout, show: int) -> dict[str, Any]:
    return {
        "worker_version": rollout.worker_version,
        "match_strategy": str(rollout.match_strategy),
        "failure_strategy": str(rollout.failure_strategy),
        "safe": rollout.safe,
        **{name: len(group) for name, group in _groups(rollout)},
        "examples": {
            name: [instance_json(r) for r in group[:show]] for name, group in _groups(rollout)
        },
    }


def _groups(rollout: Rollout) -> list[tuple[str, tuple[Any, ...]]]:
    return [
        ("process", rollout.process),
        ("reject", rollout.reject),
        ("fail", rollout.fail),
        ("unreadable", rollout.unreadable),
    ]


def _watch(
    where: HubArgs,
    settings: WatchSettings,
    include_entities: bool,
    show: int,
    out: Output,
    conflicting: Iterable[str],
) -> Answer:
    """`versions --watch`: check the options, then follow the rollout."""
    version = settings.until_drained
    try:
        if not settings.enabled:
            raise ConfigurationError("--until-drained follows a rollout", fix="add --watch")
        if version is None:
            raise ConfigurationError(
                "--watch needs the version to wait for", fix="pass --until-drained VERSION"
            )
        if clash := [c for c in conflicting if c]:
            raise ConfigurationError(
                f"--watch does not combine with {', '.join(clash)}",
                fix="run the rollout check first, then the watch as its own step",
            )
        address = where.address()
    except DurableDeployError as exc:
        return _watch_answer(WatchResult(error=exc), version or "?", None, show)
    out.secrets = address.connection.secrets
    out.progress(
        f"versions --watch: hub {address.hub.name!r}, {address.hub.listing}; "
        f"until nothing at {version} or older is unfinished for {settings.stable_for} "
        f"read(s), every {settings.interval:g}s for up to {settings.timeout:g}s"
    )
    result = watch_rollout(
        address,
        where.retry,
        settings,
        include_entities=include_entities,
        on_read=lambda read, wait: out.progress(read.line(version, wait)),
    )
    return _watch_answer(result, version, address.hub.name, show)


def _watch_answer(result: WatchResult, version: str, hub: str | None, show: int) -> Answer:
    if result.error:
        result = replace(result, error=offering_allow_missing_hub(result.error))
    last = result.last
    blocking = last.blocking if last else ()
    payload = {
        "watch": True,
        "until_drained": version,
        "hub": hub,
        "drained": result.exit is Exit.OK,
        "outcome": result.outcome,
        "not_finished": len(blocking),
        "by_version": last.by_version if last else {},
        "timeline": [read.to_json() for read in result.timeline],
        **wait_json(result, blocking, show),
    }
    title = f"rollout watch ({hub or '?'}, {version} or older)"
    return Answer(
        "versions",
        result.exit,
        payload,
        lambda out: _render_watch(out, result, blocking, f"hub {hub!r}", version, show),
        lambda annotator: _annotate_watch(annotator, result, len(blocking), title),
    )


def _render_watch(
    out: Output,
    result: WatchResult,
    blocking: tuple[InstanceRecord, ...],
    hub: str,
    version: str,
    show: int,
) -> None:
    if result.error:
        out.cannot_decide(result.error)
    elif result.exit is Exit.OK:
        out.text(
            f"DRAINED  {hub}: no unfinished instance of {version} or older for "
            f"{result.stable_reads} read(s) in a row ({result.reads} read(s), "
            f"{result.elapsed:.1f}s)",
            style="bold green",
        )
    else:
        out.text(
            f"NOT DRAINED  {hub}: {len(blocking)} unfinished instance(s) of {version} or older "
            f"after {result.elapsed:.1f}s (--timeout)",
            style="bold yellow",
        )
        for record in blocking[:show]:
            out.text(f"    {instance_line(record)}")
        if unreadable := [r for r in blocking if not r.readable]:
            out.text(f"  unreadable: {len(unreadable)} row(s) hold the watch (see above or --json)")
    if result.last:
        out.text(f"  unfinished by version: {result.last.counts}")
    for warning in result.warnings:
        out.text(f"  warning: {warning}", style="yellow")


def _annotate_watch(annotator: Annotator, result: WatchResult, blocking: int, title: str) -> None:
    if result.error:
        annotator.message("error", title, f"cannot decide: {result.error}")
    elif result.exit is Exit.OK:
        annotator.message("notice", title, "drained")
    else:
        annotator.message("error", title, f"{blocking} unfinished at the timeout")
    annotator.outputs(
        {"drained": str(result.exit is Exit.OK).lower(), "not_finished": str(blocking)}
    )
