"""The options naming an app in Azure, and the hub overrides of the stages that drain it."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.cli.options import shared_options
from scripts.cli.options.hub import HubOption, StackOutputOption, connection_options
from scripts.stages.arm import ARM_ENDPOINT_ENV, AppRef, AppSite
from scripts.stages.stack_outputs import StackApp, read_stack_app
from scripts.stages.target import DrainArgs
from taskhub.errors import ConfigurationError

APP_PANEL = "The app in Azure"


@dataclass(frozen=True)
class ArmArgs:
    subscription: str | None
    resource_group: str | None
    app: str | None
    stack_output: Path | None
    arm_endpoint: str | None
    arm_retries: int

    @functools.cached_property
    def stack(self) -> StackApp | None:
        """The app's entry in the stack outputs, read once per command."""
        return read_stack_app(self.stack_output, self.app) if self.stack_output else None

    def ref(self) -> AppRef:
        stack = self.stack
        app = self.app or (stack.app if stack else None)
        group = self.resource_group or (stack.resource_group if stack else None)
        missing = [
            flag
            for flag, value in (
                ("--subscription (or AZURE_SUBSCRIPTION_ID)", self.subscription),
                ("--resource-group", group),
                ("--app", app),
            )
            if not value
        ]
        if missing or not (self.subscription and group and app):
            raise ConfigurationError(
                f"the app in Azure is not fully named: {', '.join(missing)} missing",
                fix="pass them, or --stack-output FILE for the resource group and app",
            )
        return AppRef(self.subscription, group, app)

    def site(self) -> AppSite:
        return AppSite(self.ref(), self.arm_endpoint, self.arm_retries)


def _arm_options(
    subscription: Annotated[
        str | None,
        typer.Option(
            envvar="AZURE_SUBSCRIPTION_ID",
            help="Subscription id of the app.",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    resource_group: Annotated[
        str | None,
        typer.Option(
            help="Resource group of the app (taken from --stack-output if given).",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    app: Annotated[
        str | None,
        typer.Option(
            help="Function app name (taken from --stack-output when it holds one app).",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    stack_output: StackOutputOption = None,
    arm_endpoint: Annotated[
        str | None,
        typer.Option(
            envvar=ARM_ENDPOINT_ENV,
            help="Azure Resource Manager URL (sovereign clouds); default "
            "https://management.azure.com.",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    arm_retries: Annotated[
        int,
        typer.Option(
            min=0,
            help="Retries of a failed ARM request (429, 5xx, connection errors).",
            rich_help_panel=APP_PANEL,
        ),
    ] = 5,
) -> None:
    """Declares the app options once, for every stage that calls ARM."""


with_arm_options = shared_options(_arm_options, ArmArgs, name="site")


def _drain_hub(hub: HubOption = None) -> None:
    """Declares the hub overrides, for `swap --require-drained` and `release`: the hub name
    and, through `connection_options`, how it is reached."""


def _drain_args(**values: Any) -> DrainArgs:
    """The overrides, and the environment a `--connection-setting` is read from."""
    return DrainArgs(**values, environ=os.environ)


with_drain_options = shared_options((_drain_hub, connection_options), _drain_args, name="drain")
