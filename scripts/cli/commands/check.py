"""`durable-deploy check`: the offline plan judged by the policy pack, over the real protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scripts.cli.app import app
from scripts.cli.output import Answer, JsonOption, Output
from scripts.stages.exits import Exit
from scripts.stages.preview import PROJECT_ROOT
from taskhub.errors import ConfigurationError

if TYPE_CHECKING:
    from scripts.stages.policy_check import StackCheck


@app.command("check")
def check(
    stack: Annotated[str, typer.Option("--stack", help="Stack name: reads Pulumi.<stack>.yaml.")],
    json_output: JsonOption = False,
    policy_config: Annotated[
        Path | None,
        typer.Option(
            "--policy-config",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            help="Policy config JSON, as for --policy-pack-config: "
            '{"function-app-limit": {"maxFunctionApps": 50}}.',
        ),
    ] = None,
    project_dir: Annotated[
        Path,
        typer.Option(
            "--project-dir",
            file_okay=False,
            exists=True,
            help="Folder with Pulumi.yaml, __main__.py and the stack files.",
        ),
    ] = PROJECT_ROOT,
) -> None:
    """Run a stack's offline plan through the CrossGuard pack in policies/.

    The pack runs as the Pulumi CLI runs it (python -m pulumi.policy) and every resource goes
    through its Analyzer gRPC interface (Analyze, then AnalyzeStack), so what passes here passes
    `pulumi preview --policy-pack policies`.

    Exit codes: 0 no mandatory violation (advisories are listed); 1 mandatory violations; 2
    cannot run (unknown stack, invalid config, the pack failed).
    """
    # Imported here: the pack's gRPC stubs cost a third of a second other stages never need.
    from scripts.stages.policy_check import check_stack

    config = _policy_config(policy_config) if policy_config else {}
    result = check_stack(stack, project_dir.resolve(), config)
    payload = {
        "violations": [v.to_json() for v in result.violations],
        "resources": result.resources,
    }
    exit = Exit.NOT_YET if result.mandatory else Exit.OK
    Output(as_json=json_output).finish(
        Answer("check", exit, payload, lambda out: _render(out, stack, result))
    )


def _policy_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"--policy-config {path}: not JSON ({exc})",
            fix='write one object, e.g. {"function-app-limit": {"maxFunctionApps": 50}}',
        ) from None
    if not isinstance(config, dict):
        raise ConfigurationError(
            f"--policy-config {path}: not a JSON object", fix="write one object of policy names"
        )
    return config


def _render(out: Output, stack: str, result: StackCheck) -> None:
    violations, mandatory = result.violations, len(result.mandatory)
    for v in violations:
        style = "red" if v.mandatory else "yellow"
        out.text(f"{v.level.upper():10} {v.policy}  [{v.resource}]", style=style)
        out.text(f"           {v.message}")
        if v.remediation:
            out.text(f"           fix: {v.remediation}")
    verdict = f"{mandatory} mandatory violation(s)" if mandatory else "no mandatory violation"
    out.text(
        f"stack {stack}: {result.resources} resources checked, {verdict}, "
        f"{len(violations) - mandatory} advisory",
        style="bold",
    )
