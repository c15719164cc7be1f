"""The ARM stand-in against azure-mgmt-web as the oracle: the SDK is generated from
Microsoft.Web's WebApps.json, so its request builders say which method and path each call
uses, and its models say which fields an answer may have. An SDK upgrade that changes
either fails here before the stand-in drifts from Azure."""

from __future__ import annotations

import ast
import inspect
import ssl
import typing
from pathlib import Path
from typing import Any

import azure.mgmt.web.models
import azure.mgmt.web.models._models as sdk_models
import httpx
import pytest
from azure.core.rest import HttpRequest
from azure.mgmt.web.operations import _operations as sdk_operations
from starlette.routing import Match, Route

from scripts.stages import arm
from tests.support.arm_fixtures import APP, GROUP, SUBSCRIPTION, Deployment

MODELS = {**vars(sdk_models), "_models": azure.mgmt.web.models}


def used_operations() -> list[str]:
    """Every `self.apps.<operation>(...)` scripts/stages/arm.py calls, read from its source."""
    tree = ast.parse(Path(arm.__file__).read_text())
    names = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "apps"
    }
    return sorted(names)


def built(operation: str) -> HttpRequest:
    """The request the SDK's builder makes for `operation`, on the test app's staging slot."""
    builder = getattr(sdk_operations, f"build_web_apps_{operation.removeprefix('begin_')}_request")
    values = {
        "resource_group_name": GROUP,
        "name": APP,
        "slot": "staging",
        "subscription_id": SUBSCRIPTION,
    }
    names = inspect.signature(builder).parameters
    request: HttpRequest = builder(**{k: v for k, v in values.items() if k in names})
    return request


def answered_by(operation: str) -> type | None:
    """The SDK model an operation deserialises its answer into, None when it has none."""
    hint = typing.get_type_hints(getattr(sdk_operations.WebAppsOperations, operation), MODELS)
    returned = hint.get("return")
    return returned if isinstance(returned, type) and hasattr(returned, "_is_model") else None


def unknown_fields(body: Any, model: Any, where: str | None = None) -> list[str]:
    """Fields of `body` that `model` does not have, nested models included."""
    if not (isinstance(model, type) and hasattr(model, "_is_model")) or not isinstance(body, dict):
        return []
    where = where or model.__name__
    field_map: dict[str, Any] = vars(type(model({})))["_attr_to_rest_field"]  # built on first use
    fields = {rf._rest_name: attr for attr, rf in field_map.items()}
    hints = typing.get_type_hints(model, MODELS)
    problems = []
    for key, value in body.items():
        if key not in fields:
            problems.append(f"{where}.{key}")
            continue
        nested = hints.get(fields[key])
        for candidate in typing.get_args(nested) or (nested,):
            problems += unknown_fields(value, candidate, f"{where}.{key}")
    return problems


def stand_in_client(deployment: Deployment) -> httpx.Client:
    verify = ssl.create_default_context(cafile=str(deployment.arm.certificate))
    return httpx.Client(base_url=deployment.arm.url, verify=verify)


def test_the_project_calls_the_operations_we_think() -> None:
    assert used_operations() == [
        "apply_slot_config_to_production",
        "apply_slot_configuration_slot",
        "begin_swap_slot",
        "begin_swap_slot_with_production",
        "get",
        "get_slot",
        "list_application_settings",
        "list_application_settings_slot",
        "list_slot_configuration_names",
        "reset_production_slot_config",
        "reset_slot_configuration_slot",
        "update_application_settings",
        "update_application_settings_slot",
    ]


@pytest.mark.parametrize("operation", used_operations())
def test_every_request_the_project_builds_has_a_stand_in_route(
    deployment: Deployment, operation: str
) -> None:
    request = built(operation)
    scope = {"type": "http", "path": request.url.split("?")[0], "method": request.method}
    routes = [r for r in deployment.stand_in.app.routes if isinstance(r, Route)]
    matches = [r.path for r in routes if r.matches(scope)[0] is Match.FULL]
    assert matches, f"{request.method} {request.url} has no stand-in route"


@pytest.mark.parametrize("operation", [op for op in used_operations() if answered_by(op)])
def test_every_field_the_stand_in_returns_is_a_field_of_the_sdk_model(
    deployment: Deployment, operation: str
) -> None:
    request, model = built(operation), answered_by(operation)
    body = {"properties": deployment.slot("staging").settings} if request.method == "PUT" else None
    headers = {"Authorization": f"Bearer {deployment.stand_in.token}"}
    with stand_in_client(deployment) as client:
        answer = client.request(request.method, request.url, json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert unknown_fields(answer.json(), model) == []


def test_arm_error_bodies_are_sdk_error_models(deployment: Deployment) -> None:
    with stand_in_client(deployment) as client:
        answer = client.get(built("get").url)
    assert answer.status_code == 401
    assert unknown_fields(answer.json(), sdk_models.DefaultErrorResponse) == []


def test_the_oracle_sees_a_field_the_sdk_does_not_know() -> None:
    assert unknown_fields(
        {"properties": {"defaultHostName": "x", "notAField": 1}}, sdk_models.Site
    ) == ["Site.properties.notAField"]
