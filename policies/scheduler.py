"""Durable Task Scheduler rules: one hub per slot or app, a secure connection, a data role.

Each slot needs its own task hub on the scheduler, exactly as on storage: two workers on
one hub take each other's work items, and the runtime does not notice. A deployed app
must reach a real scheduler: over TLS, with an Entra token (`Authentication=None` and
`http://` are the local emulator's settings), as an identity holding a Durable Task data
role on its hub. Role ids and names: taskhub/scheduler_settings.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from policies.model import (
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SCHEDULER,
    TASK_HUB,
    Finding,
    Resource,
    Site,
    Stack,
)
from policies.scheduler_sites import connection_of, scheduler_of, scheduler_sites
from policies.task_hubs import shared_hubs, task_hub
from taskhub.name_resolver import Resolved
from taskhub.scheduler_settings import RUNNING_ROLES

_HUB_PATH = ("providers", "microsoft.durabletask", "schedulers", "{scheduler}", "taskhubs", "{hub}")


def distinct_task_hubs(stack: Stack, _config: Mapping[str, Any]) -> list[Finding]:
    placed, names = [], {}
    for site in scheduler_sites(stack):
        scheduler, hub = scheduler_of(site, stack), task_hub(site.settings)
        if scheduler is not None and isinstance(hub, Resolved):
            key = scheduler if isinstance(scheduler, str) else scheduler.urn
            names[key] = scheduler if isinstance(scheduler, str) else scheduler.name
            placed.append((site, key, hub.key, hub.value))
    return [
        (
            f"{', '.join(s.label for s in shared.sites)} share task hub {shared.hub} on "
            f"scheduler {names[str(shared.where)]}; they would take each other's work items",
            shared.sites[-1].urn,
        )
        for shared in shared_hubs(placed)
    ]


def secure_connection(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for site in scheduler_sites(stack):
        connection = connection_of(site.settings)
        if connection is None:
            continue
        problems = []
        if connection.authentication.strip().lower() == "none":
            problems.append("Authentication=None sends no token")
        if connection.scheme == "http":
            problems.append(f"the endpoint {connection.endpoint} is plain http")
        if problems:
            yield (
                f"{site.label}: {' and '.join(problems)}; that is the local emulator's "
                "connection, a deployed scheduler takes TLS and an Entra token only",
                site.urn,
            )


class _Covers(Enum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


def hub_data_role(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    """Each slot identity holds a running role on every hub of its app declared here.

    Every hub, not only its own: on a swap the hubs move with the code while identities
    stay with their slots. Judged only for system identities and hubs this stack declares,
    and only when no role assignment of the stack might grant it (unknown values count as
    "might"): roles given outside the stack are out of sight.
    """
    assignments = stack.of_type(ROLE_ASSIGNMENT)
    for app in stack.values():
        sites = [s for s in scheduler_sites(stack) if s.app == app.name]
        hubs = {h.key: h.value for s in sites if isinstance(h := task_hub(s.settings), Resolved)}
        for site in sites:
            connection = connection_of(site.settings)
            if not site.has_system_identity or (connection and connection.client_id):
                continue
            for key, shown in sorted(hubs.items()):
                for hub in _declared_hubs(stack, site, key):
                    if all(_grants(a, site, hub, stack) is _Covers.NO for a in assignments):
                        yield (
                            f"{site.label}: its identity has no Durable Task Data "
                            f"Contributor or Worker role on task hub {shown} ({hub.name}); "
                            "the app cannot take that hub's work, and on a swap the hub "
                            "comes to this slot while the identity stays",
                            site.urn,
                        )


def _declared_hubs(stack: Stack, site: Site, key: str) -> list[Resource]:
    """The TaskHub resources a site's hub may be: its name, on the site's scheduler if known."""
    named = [h for h in stack.of_type(TASK_HUB) if _name(h, "taskHubName") == key]
    scheduler = scheduler_of(site, stack)
    if isinstance(scheduler, Resource):
        name = _name(scheduler, "schedulerName")
        named = [h for h in named if _name(h, "schedulerName") == name]
    return named


def _grants(assignment: Resource, site: Site, hub: Resource, stack: Stack) -> _Covers:
    parts = (_principal(assignment, site), _role(assignment, stack), _scope(assignment, hub, stack))
    if _Covers.NO in parts:
        return _Covers.NO
    return _Covers.YES if all(p is _Covers.YES for p in parts) else _Covers.MAYBE


def _principal(assignment: Resource, site: Site) -> _Covers:
    feeds = assignment.dependencies.get("principalId", ())
    if not feeds:
        return _Covers.MAYBE  # a literal id, or unknown: no link to a site either way
    return _Covers.YES if site.urn in feeds else _Covers.NO


def _role(assignment: Resource, stack: Stack) -> _Covers:
    role = assignment.props.get("roleDefinitionId")
    feeds = assignment.dependencies.get("roleDefinitionId", ())
    if any(u in stack.by_urn and stack.by_urn[u].type == ROLE_DEFINITION for u in feeds):
        return _Covers.MAYBE  # a custom role of this stack: its data actions are not judged
    if not isinstance(role, str):
        return _Covers.MAYBE
    role_id = role.rstrip("/").rsplit("/", 1)[-1].lower()
    return _Covers.YES if role_id in RUNNING_ROLES else _Covers.NO


def _scope(assignment: Resource, hub: Resource, stack: Stack) -> _Covers:
    feeds = assignment.dependencies.get("scope", ())
    if feeds:
        scheduler = _scheduler_of(hub, stack)
        if hub.urn in feeds or (scheduler is not None and scheduler.urn in feeds):
            return _Covers.YES
        types = {stack.by_urn[u].type for u in feeds if u in stack.by_urn}
        if types and RESOURCE_GROUP not in types and len(types) == len(feeds):
            return _Covers.NO  # the scope is some other resource's id
    scope = assignment.props.get("scope")
    return _scope_path(scope, hub) if isinstance(scope, str) else _Covers.MAYBE


def _scope_path(scope: str, hub: Resource) -> _Covers:
    """Whether an ARM scope contains the hub: a prefix of its id (subscription not judged)."""
    parts = [p.lower() for p in scope.strip("/").split("/")]
    if len(parts) < 2 or parts[0] != "subscriptions":
        return _Covers.MAYBE  # a management group, or no ARM id at all
    values = {"{scheduler}": _name(hub, "schedulerName"), "{hub}": _name(hub, "taskHubName")}
    values = {k: v or "?" for k, v in values.items()}
    rg = hub.props.get("resourceGroupName")
    wanted = ["subscriptions", parts[1], "resourcegroups", str(rg).lower() if rg else "?"]
    wanted += [values.get(p, p) for p in _HUB_PATH]
    if len(parts) > len(wanted):
        return _Covers.NO
    for have, want in zip(parts, wanted, strict=False):
        if want == "?":
            return _Covers.MAYBE
        if have != want:
            return _Covers.NO
    return _Covers.YES


def _scheduler_of(hub: Resource, stack: Stack) -> Resource | None:
    name = _name(hub, "schedulerName")
    return next((s for s in stack.of_type(SCHEDULER) if _name(s, "schedulerName") == name), None)


def _name(resource: Resource, key: str) -> str:
    """A name input, lower-case (ARM names ignore case); "" when not known."""
    value = resource.props.get(key)
    return value.lower() if isinstance(value, str) else ""


def ip_allowlist_open(resource: Resource) -> list[str]:
    if resource.type != SCHEDULER:
        return []
    properties = resource.props.get("properties")
    allowed = properties.get("ipAllowlist") if isinstance(properties, Mapping) else None
    if allowed == []:
        return [
            f"{resource.name}: ipAllowlist is empty, which denies every caller (the apps too) "
            "unless they come through a private endpoint"
        ]
    return []
