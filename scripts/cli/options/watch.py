"""The options of `versions --watch --until-drained`, built into the stage's `WatchSettings`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scripts.cli.options import IntervalOption, StableForOption, duration_option, shared_options
from scripts.stages.watch import WatchSettings

PANEL = "Watching a rollout"


def _watch_options(
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Follow a rollout: re-read the hub every --interval (needs --until-drained).",
            rich_help_panel=PANEL,
        ),
    ] = False,
    until_drained: Annotated[
        str | None,
        typer.Option(
            "--until-drained",
            metavar="VERSION",
            help="With --watch: exit 0 once no unfinished instance of VERSION or older "
            "(unversioned included) is left.",
            rich_help_panel=PANEL,
        ),
    ] = None,
    interval: IntervalOption = 15.0,
    timeout: Annotated[
        float,
        duration_option(
            "How long to wait before giving up with exit 1", bare="s", rich_help_panel=PANEL
        ),
    ] = 3600.0,
    stable_for: StableForOption = 2,
    allow_missing_hub: Annotated[
        bool,
        typer.Option(
            "--allow-missing-hub",
            help="Treat a missing Instances table as drained (a hub that never ran).",
            rich_help_panel=PANEL,
        ),
    ] = False,
) -> None:
    """Declares the watch options once, for `with_watch_options`."""


def _watch_settings(watch: bool, **values: Any) -> WatchSettings:
    return WatchSettings(enabled=watch, **values)


with_watch_options = shared_options(_watch_options, _watch_settings, name="watching")
