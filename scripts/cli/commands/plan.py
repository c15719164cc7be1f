"""`durable-deploy plan`: the offline preview of what a stack declares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.cli.app import app
from scripts.cli.output import Answer, JsonOption, Output
from scripts.stages.exits import Exit
from scripts.stages.preview import PROJECT_ROOT, Plan, PlannedResource, run_plan

# The inputs worth a line in the human summary, per resource type.
_SHOWN = {
    "azure-native:storage:StorageAccount": (
        "accountName",
        "allowSharedKeyAccess",
        "minimumTlsVersion",
        "allowBlobPublicAccess",
    ),
    "azure-native:web:AppServicePlan": ("name", "sku", "kind"),
    "azure-native:web:WebApp": ("name", "httpsOnly"),
    "azure-native:web:WebAppSlot": ("name", "slot", "httpsOnly"),
    "azure-native:web:WebAppSlotConfigurationNames": ("appSettingNames",),
}


@app.command("plan")
def plan(
    stack: Annotated[str, typer.Option("--stack", help="Stack name: reads Pulumi.<stack>.yaml.")],
    json_output: JsonOption = False,
    project_dir: Annotated[
        Path,
        typer.Option(
            "--project-dir",
            help="Folder with Pulumi.yaml, __main__.py and the stack files.",
            file_okay=False,
            exists=True,
        ),
    ] = PROJECT_ROOT,
) -> None:
    """Show what `pulumi up` would declare for a stack, offline.

    Runs __main__.py with Pulumi.<stack>.yaml's config under Pulumi's mock runtime: no Pulumi
    CLI, no cloud, no credentials. Prints each resource (type, logical name, parent, the inputs
    that matter; secrets masked) and the stack outputs.

    Exit codes: 0 planned; 2 cannot plan (unknown stack, invalid config: the message names the
    key, the value and the fix).
    """
    planned = run_plan(stack, project_dir.resolve())
    Output(as_json=json_output).finish(
        Answer("plan", Exit.OK, planned.to_json(), lambda out: _render(out, planned))
    )


def summary(result: Plan) -> list[str]:
    """Short lines for people: resources by parent, app settings per site, outputs."""
    lines = [f"stack {result.stack}: {len(result.resources)} resources"]
    counts: dict[str, int] = {}
    for resource in result.resources:
        counts[resource.type] = counts.get(resource.type, 0) + 1
    lines += [f"  {n:3d} x {t}" for t, n in sorted(counts.items())]
    for resource in result.resources:
        shown = {
            k: resource.inputs[k] for k in _SHOWN.get(resource.type, ()) if k in resource.inputs
        }
        if shown:
            lines.append(f"{resource.type.rsplit(':', 1)[-1]} {resource.name}: {_inline(shown)}")
        for setting in _app_settings(resource):
            lines.append(f"    {setting['name']} = {setting['value']}")
    return lines


def _render(out: Output, planned: Plan) -> None:
    for line in summary(planned):
        out.text(line)
    out.text("outputs:")
    for line in json.dumps(planned.outputs, indent=2, default=str).splitlines():
        out.text(line)


def _app_settings(resource: PlannedResource) -> list[dict[str, Any]]:
    site_config = resource.inputs.get("siteConfig")
    if not isinstance(site_config, dict):
        return []
    settings = site_config.get("appSettings")
    return settings if isinstance(settings, list) else []


def _inline(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
