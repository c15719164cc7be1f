"""The offline plan: run the Pulumi program with a stack's config under Pulumi's mocks.

No CLI, no cloud, no credentials: the program registers its resources with a mock
monitor that records them (type, logical name, parent, inputs) and answers with plausible
state (endpoints, host names, identities), so outputs that derive from that state resolve.
Secrets stay masked. The same program runs unchanged under `pulumi preview` and `pulumi up`.
"""

from __future__ import annotations

import json
import runpy
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from taskhub.errors import DurableDeployError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET = "[secret]"
_SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")
_MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
_MOCK_REGION = "westeurope"
"""Where a plan places resources when the stack names no azure-native:location."""


class PlanError(DurableDeployError):
    """The plan could not be made: unknown stack, invalid config, a failing program."""


@dataclass
class PlannedResource:
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    """Inputs with secrets masked: what may be shown."""
    raw_inputs: dict[str, Any] = field(default_factory=dict, repr=False)
    """Inputs as the engine would hand them to a policy pack (mock secrets are placeholders)."""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "parent": self.parent, "inputs": self.inputs}


@dataclass
class Plan:
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
        }


def _walk_secrets(value: Any, keep_values: bool) -> Any:
    """`value` with each secret wrapper replaced by its value, or by SECRET when masking."""
    if isinstance(value, dict):
        if value.get(_SECRET_SIG[0]) == _SECRET_SIG[1]:
            return _walk_secrets(value.get("value"), keep_values) if keep_values else SECRET
        return {k: _walk_secrets(v, keep_values) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk_secrets(v, keep_values) for v in value]
    return value


def _logical_name(urn: str) -> str | None:
    return urn.rsplit("::", 1)[-1] if urn else None


def read_stack_config(
    stack: str, root: Path = PROJECT_ROOT
) -> tuple[str, dict[str, str], list[str]]:
    """Project name, config for `set_all_config`, and the keys that hold secrets."""
    project_file, stack_file = root / "Pulumi.yaml", root / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise PlanError(
            f"no stack {stack!r}: {stack_file.name} does not exist (stacks here: "
            f"{', '.join(known) or 'none'})",
            fix=f"pass one of those stacks, or create {stack_file.name} beside Pulumi.yaml",
        )
    project = yaml.safe_load(project_file.read_text())["name"]
    raw = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full_key] = SECRET
            secret_keys.append(full_key)
        else:
            config[full_key] = value if isinstance(value, str) else json.dumps(value)
    return project, config, secret_keys


def run_plan(stack: str, root: Path = PROJECT_ROOT) -> Plan:
    """Run `root/__main__.py` for `stack` under mocks; one plan per process."""
    import pulumi
    from pulumi.runtime import mocks, set_all_config, set_mocks
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    project, config, secret_keys = read_stack_config(stack, root)
    region = config.get("azure-native:location") or _MOCK_REGION
    plan = Plan(stack=stack)

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", _mock_state(args.typ, args.name, args.inputs, region)

        def call(
            self, args: pulumi.runtime.MockCallArgs
        ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            return _mock_call(args.token), []

    class RecordingMonitor(mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:
            from google.protobuf.json_format import MessageToDict

            if request.type != "pulumi:pulumi:Stack":
                inputs = MessageToDict(request.object)
                plan.resources.append(
                    PlannedResource(
                        type=request.type,
                        name=request.name,
                        parent=_logical_name(request.parent),
                        inputs=_walk_secrets(inputs, keep_values=False),
                        raw_inputs=_walk_secrets(inputs, keep_values=True),
                    )
                )
            return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    # The Pulumi language host runs the program with its folder importable; so do we.
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    the_mocks = Mocks()
    set_mocks(
        the_mocks, project=project, stack=stack, preview=False, monitor=RecordingMonitor(the_mocks)
    )
    set_all_config(config, secret_keys)

    def program() -> None:
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")

    try:
        _sync_await(run_pulumi_func(program))
    except DurableDeployError as exc:  # a stack config value (components/config.py)
        raise PlanError(exc.message, fix=exc.fix) from exc
    except Exception as exc:
        raise PlanError(str(exc)) from exc
    stack_resource = pulumi.runtime.get_root_resource()
    for name, value in (getattr(stack_resource, "outputs", None) or {}).items():
        output = pulumi.Output.from_input(value)
        secret = _sync_await(output.is_secret())
        plan.outputs[name] = SECRET if secret else _sync_await(output.future())
    return plan


def _mock_call(token: str) -> dict[str, Any]:
    if token.endswith("listStorageAccountKeys"):
        return {"keys": [{"keyName": "key1", "value": "plan-placeholder", "permissions": "FULL"}]}
    if token.endswith("getClientConfig"):
        return {
            key: _MOCK_SUBSCRIPTION
            for key in ("subscriptionId", "tenantId", "clientId", "objectId")
        }
    return {}


def _mock_state(
    type_: str, name: str, inputs: dict[str, Any], region: str = _MOCK_REGION
) -> dict[str, Any]:
    """State a real deployment would report, for the outputs that read it (`region`: the
    stack's azure-native:location, where a resource without its own location lands)."""
    state = dict(inputs)
    if type_ == "azure-native:resources:ResourceGroup":
        state["name"] = inputs.get("resourceGroupName", name)
    elif type_ == "azure-native:storage:StorageAccount":
        account = inputs.get("accountName", name)
        state["name"] = account
        state["primaryEndpoints"] = {
            kind: f"https://{account}.{kind}.core.windows.net/"
            for kind in ("blob", "queue", "table")
        }
    elif type_ == "azure-native:durabletask:Scheduler":
        # `properties.endpoint` is read-only, set by ARM as https://<name>-<random>.<region>.
        # durabletask.io (Azure/bicep-types-az generated/durabletask/.../types.md; Microsoft's
        # quickstarts show e.g. https://mysched-dbb2f3h2f2c7bmdx.westus2.durabletask.io).
        scheduler = inputs.get("schedulerName", name)
        suffix = uuid.uuid5(uuid.NAMESPACE_URL, scheduler).hex[:12]
        where = str(inputs.get("location") or region).replace(" ", "").lower()
        state["properties"] = {
            **(inputs.get("properties") or {}),
            "endpoint": f"https://{scheduler}-{suffix}.{where}.durabletask.io",
        }
    elif type_ in ("azure-native:web:WebApp", "azure-native:web:WebAppSlot"):
        site = inputs.get("name", name)
        slot = inputs.get("slot")
        state["defaultHostName"] = (
            f"{site}-{slot}.azurewebsites.net" if slot else f"{site}.azurewebsites.net"
        )
        state["identity"] = {
            "type": "SystemAssigned",
            "principalId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/{slot}")),
        }
    state.setdefault("name", inputs.get("name", name))
    return state
