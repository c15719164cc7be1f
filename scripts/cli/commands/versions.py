"""`durable-deploy versions`: instances per version, and what a new worker version would do."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.options.watch import with_watch_options
from scripts.cli.output import JsonOption, Output, instance_json, instance_line, iso
from scripts.cli.watch_output import watch_rollout
from scripts.stages.exits import Exit
from scripts.stages.watch import WatchSettings
from taskhub.errors import ConfigurationError
from taskhub.instances import InstanceStore
from taskhub.rollout import Rollout, VersionSummary, plan_rollout, summarize
from taskhub.status import is_finished
from taskhub.versions import FailureStrategy, MatchStrategy, parse_strategy

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
        exit_code = watch_rollout(
            where,
            watching,
            include_entities=include_entities,
            show=show,
            out=out,
            annotator=annotator,
            conflicting=conflicting,
        )
        raise typer.Exit(int(exit_code))
    try:
        match = parse_strategy(MatchStrategy, match_strategy)
        failure = parse_strategy(FailureStrategy, failure_strategy)
    except ValueError as exc:
        raise ConfigurationError(str(exc), fix="see --help") from None
    if all_hubs and not where.tracking_prefix:
        raise ConfigurationError(
            "--all-hubs reads every hub of a shared tracking store",
            fix="pass --tracking-prefix (trackingStoreNamePrefix) with it",
        )
    target = where.target(default_hub=where.tracking_prefix if all_hubs else None)
    out.secrets = target.connection.secrets
    with target.connection.service_client(where.retry) as service:
        store = InstanceStore(
            service, target.hub, secrets=target.connection.secrets, all_hubs=all_hubs
        )
        records = store.instances(include_entities=include_entities)
    report = summarize(records)
    unfinished = [r for r in records if not is_finished(r.runtime_status)]
    rollout = (
        plan_rollout(unfinished, worker_version, match, failure)
        if worker_version is not None
        else None
    )
    payload = {
        "command": "versions",
        "table": target.hub.instances_table,
        "total": len(records),
        "unfinished": len(unfinished),
        "unreadable": sum(1 for r in records if not r.readable),
        "hubs": {
            hub_name or "": {v: _summary_json(s) for v, s in sorted(versions_.items())}
            for hub_name, versions_ in report.items()
        },
        "rollout": _rollout_json(rollout, show) if rollout else None,
    }
    if json_output:
        out.json(payload)
    else:
        _render(out, report, rollout, show, target.hub.instances_table)
    if rollout and not rollout.safe:
        annotator.message(
            "error",
            "rollout check",
            f"workers {worker_version} would reject {len(rollout.reject)} and fail "
            f"{len(rollout.fail)} unfinished instance(s)"
            + (
                f"; {len(rollout.unreadable)} unfinished row(s) cannot be read, so no worker "
                "can be judged for them"
                if rollout.unreadable
                else ""
            ),
        )
    annotator.outputs(
        {
            "unfinished": str(len(unfinished)),
            "rollout_safe": str(rollout.safe).lower() if rollout else "",
        }
    )
    raise typer.Exit(int(Exit.NOT_YET if rollout and not rollout.safe else Exit.OK))


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


def _render(
    out: Output,
    report: dict[str | None, dict[str, VersionSummary]],
    rollout: Rollout | None,
    show: int,
    table: str,
) -> None:
    if not report:
        out.text(f"{table}: no instances")
    for hub_name, by_version in report.items():
        out.text(f"hub {hub_name or '(unattributed)'} in {table}", style="bold")
        out.text(f"  {'version':14} {'total':>7} {'unfinished':>10}  by status")
        for version, s in sorted(by_version.items()):
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(s.by_status.items()))
            out.text(
                f"  {version or '(unversioned)':14} {s.total:7d} {s.unfinished:10d}  {statuses}"
            )
            if s.oldest_unfinished:
                out.text(f"  {'':14} oldest unfinished: {instance_line(s.oldest_unfinished)}")
    if rollout is None:
        return
    verdict = "SAFE" if rollout.safe else "UNSAFE"
    out.text(
        f"rollout to workers at {rollout.worker_version!r} ({rollout.match_strategy}, "
        f"{rollout.failure_strategy}): process {len(rollout.process)}, reject "
        f"{len(rollout.reject)}, fail {len(rollout.fail)}, unreadable {len(rollout.unreadable)}: "
        f"{verdict}",
        style="bold green" if rollout.safe else "bold red",
    )
    for name, group in _groups(rollout)[1:]:
        for record in group[:show]:
            out.text(f"  {name}: {instance_line(record)}")
