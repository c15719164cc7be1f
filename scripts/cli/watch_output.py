"""The `versions --watch` stage: connect, follow the rollout, report it (text, JSON, CI).

The loop itself is `scripts.stages.watch.RolloutWatch`; this module only turns its reads into
progress lines and its result into the one answer a pipeline step gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scripts.cli.annotations import Annotator
from scripts.cli.options.hub import HubArgs
from scripts.cli.output import (
    Output,
    error_json,
    instance_json,
    instance_line,
    unreadable_json,
)
from scripts.stages.exits import Exit
from scripts.stages.watch import RolloutWatch, WatchRead, WatchResult, WatchSettings
from taskhub.errors import ConfigurationError, DurableDeployError
from taskhub.instances import InstanceStore
from taskhub.versions import UNVERSIONED_LABEL


def _counts(read: WatchRead) -> str:
    return (
        "; ".join(
            f"{v or UNVERSIONED_LABEL} " + ", ".join(f"{s} {n}" for s, n in statuses.items())
            for v, statuses in read.by_version.items()
        )
        or "none"
    )


def _progress(version: str) -> Callable[[WatchRead, float], str]:
    def line(read: WatchRead, wait: float) -> str:
        minutes, seconds = divmod(int(read.elapsed), 60)
        changed = ", ".join(c.text for c in read.changes) or "nothing"
        return (
            f"[{minutes}:{seconds:02d}] read {read.read}: {len(read.blocking)} unfinished at "
            f"{version} or older · unfinished by version: {_counts(read)} · since last read: "
            f"{changed} · next read in {wait:.0f}s"
        )

    return line


def watch_rollout(
    where: HubArgs,
    settings: WatchSettings,
    *,
    include_entities: bool,
    show: int,
    out: Output,
    annotator: Annotator,
    conflicting: Iterable[str] = (),
) -> Exit:
    """The whole `versions --watch` stage: connect, follow, report; returns the exit code."""
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
        target = where.target()
    except DurableDeployError as exc:
        return _report(out, annotator, version or "?", None, WatchResult(error=exc), show)
    out.secrets = target.connection.secrets
    with target.connection.service_client(where.retry) as service:
        store = InstanceStore(service, target.hub, secrets=target.connection.secrets)
        out.progress(
            f"versions --watch: hub {target.hub.name!r}, table {target.hub.instances_table!r}; "
            f"until nothing at {version} or older is unfinished for {settings.stable_for} "
            f"read(s), every {settings.interval:g}s for up to {settings.timeout:g}s"
        )
        line = _progress(version)
        result = RolloutWatch(
            store,
            settings,
            include_entities=include_entities,
            on_read=lambda read, wait: out.progress(line(read, wait)),
        ).run()
    return _report(out, annotator, version, target.hub.name, result, show)


def _report(
    out: Output,
    annotator: Annotator,
    version: str,
    hub: str | None,
    result: WatchResult,
    show: int,
) -> Exit:
    last = result.last
    blocking = last.blocking if last else ()
    if out.as_json:
        out.json(
            {
                "command": "versions",
                "watch": True,
                "until_drained": version,
                "hub": hub,
                "drained": result.exit is Exit.OK,
                "outcome": result.outcome,
                "exit_code": int(result.exit),
                "not_finished": len(blocking),
                "by_version": last.by_version if last else {},
                "instances": [instance_json(r) for r in blocking[:show]],
                "unreadable": unreadable_json(blocking, show),
                "reads": result.reads,
                "stable_reads": result.stable_reads,
                "elapsed_seconds": round(result.elapsed, 3),
                "timeline": [read.to_json() for read in result.timeline],
                "warnings": result.warnings,
                "error": error_json(result.error) if result.error else None,
            }
        )
    elif result.error:
        out.cannot_decide(result.error)
    elif result.exit is Exit.OK:
        out.text(
            f"DRAINED  hub {hub!r}: no unfinished instance of {version} or older for "
            f"{result.stable_reads} read(s) in a row ({result.reads} read(s), "
            f"{result.elapsed:.1f}s)",
            style="bold green",
        )
    else:
        out.text(
            f"NOT DRAINED  hub {hub!r}: {len(blocking)} unfinished instance(s) of {version} or "
            f"older after {result.elapsed:.1f}s (--timeout)",
            style="bold yellow",
        )
        for record in blocking[:show]:
            out.text(f"    {instance_line(record)}")
        if unreadable := [r for r in blocking if not r.readable]:
            out.text(f"  unreadable: {len(unreadable)} row(s) hold the watch (see above or --json)")
    if last and not out.as_json:
        out.text(f"  unfinished by version: {_counts(last)}")
    for warning in result.warnings:
        out.text(f"  warning: {warning}", style="yellow")
    title = f"rollout watch ({hub or '?'}, {version} or older)"
    if result.error:
        annotator.message("error", title, f"cannot decide: {result.error}")
    elif result.exit is Exit.OK:
        annotator.message("notice", title, "drained")
    else:
        annotator.message("error", title, f"{len(blocking)} unfinished at the timeout")
    annotator.outputs(
        {"drained": str(result.exit is Exit.OK).lower(), "not_finished": str(len(blocking))}
    )
    return result.exit
