"""The pack's catalogue: each rule with its name, level, description and remediation.

Rule functions stay plain (testable without the policy SDK); this module adapts them to
pulumi_policy's ResourceValidationPolicy and StackValidationPolicy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies import flex, resources, routing, scheduler, slots, task_hubs
from policies.model import Finding, Resource, Stack, build_apps, observe
from taskhub.scheduler_settings import SchedulerRole

PACK_NAME = "durable-zero-downtime"
MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY


@dataclass(frozen=True)
class StackRule:
    name: str
    description: str
    level: EnforcementLevel
    remediation: str
    check: Callable[[Stack, Mapping[str, Any]], Iterable[Finding]]
    config_schema: PolicyConfigSchema | None = None


@dataclass(frozen=True)
class ResourceRule:
    name: str
    description: str
    level: EnforcementLevel
    remediation: str
    check: Callable[[Resource], Iterable[str]]


STACK_RULES = (
    StackRule(
        "durable-setting-not-sticky",
        "No setting a slot's durable storage, scheduler or task hub comes from is a slot "
        "(sticky) setting: not the connection, not hubName, not a setting hubName names.",
        MANDATORY,
        "Remove the durable connection family (or the scheduler's connection setting), "
        "AzureFunctionsJobHost__extensions__durableTask__* and the settings hubName refers "
        "to (%TASKHUB_NAME% -> TASKHUB_NAME) from WebAppSlotConfigurationNames.",
        slots.durable_setting_not_sticky,
    ),
    StackRule(
        "hub-name-resolves",
        "A hubName written as %NAME% resolves from the site's app settings, as the host "
        "resolves it.",
        MANDATORY,
        "Add the app setting hubName names (a `__` in a setting's name is `:` in %NAME%), "
        "or write the hub name itself.",
        task_hubs.hub_name_resolves,
    ),
    StackRule(
        "slots-distinct-task-hubs",
        "The slots of one app resolve to distinct (durable account, task hub) pairs.",
        MANDATORY,
        "Give each slot its own durable storage account, or a distinct hub name.",
        slots.slots_distinct_hubs,
    ),
    StackRule(
        "runtime-storage-shared",
        "AzureWebJobsStorage points every slot of an app at the same account.",
        ADVISORY,
        "Point AzureWebJobsStorage (or AzureWebJobsStorage__accountName) of every slot "
        "at one runtime account; durable state goes in its own setting.",
        slots.runtime_storage_shared,
    ),
    StackRule(
        "plan-supports-slots",
        "The app's plan has deployment slots, and enough of them.",
        MANDATORY,
        "Use Elastic Premium (3 slots), Consumption (2) or a Dedicated tier with slots; "
        "Flex Consumption has none: use versioning (in place) or routing (app per version).",
        slots.plan_supports_slots,
    ),
    StackRule(
        "content-share-distinct",
        "Each slot has its own WEBSITE_CONTENTSHARE (Flex Consumption has no content share).",
        MANDATORY,
        "Set WEBSITE_CONTENTSHARE to a distinct value per slot, e.g. <app>-<slot>.",
        slots.content_share_distinct,
    ),
    StackRule(
        "scheduler-distinct-task-hubs",
        "Slots and apps on one Durable Task Scheduler use distinct task hubs.",
        MANDATORY,
        "Give each slot (and app) its own task hub: a TaskHub resource per slot and a "
        "distinct hubName (or TASKHUB_NAME) per slot, never sticky.",
        scheduler.distinct_task_hubs,
    ),
    StackRule(
        "scheduler-connection-secure",
        "A deployed app reaches its scheduler over https with an Entra token.",
        MANDATORY,
        "Use Endpoint=https://<scheduler endpoint>;Authentication=ManagedIdentity (ClientID=... "
        "for a user-assigned identity); Authentication=None and http:// are for the emulator.",
        scheduler.secure_connection,
    ),
    StackRule(
        "scheduler-hub-data-role",
        "Each slot's identity holds Durable Task Data Contributor (or Worker) on every task hub "
        "of its app that this stack declares.",
        MANDATORY,
        f"Assign Durable Task Data Contributor ({SchedulerRole.DATA_CONTRIBUTOR.value}) to each "
        "slot's identity at each hub's scope (hubs move on a swap, identities stay). If the "
        "roles are assigned outside this stack, disable this policy in the pack's config.",
        scheduler.hub_data_role,
    ),
    StackRule(
        "routing-tracking-store",
        "Apps of a routing group share one tracking store and prefix, and nothing else.",
        MANDATORY,
        "Set trackingStoreConnectionName with the prefix on every app of the group, one "
        "tracking account and prefix for all, and a distinct durable account per app.",
        routing.tracking_store,
    ),
    StackRule(
        "function-app-limit",
        "The stack stays under the subscription's function app limit.",
        ADVISORY,
        "Retire drained versions' apps, or raise maxFunctionApps after a quota increase.",
        routing.function_app_limit,
        PolicyConfigSchema(properties={"maxFunctionApps": {"type": "integer", "default": 100}}),
    ),
    StackRule(
        "flex-rolling-update-versioning",
        "A Durable app on Flex Consumption with RollingUpdate sets defaultVersion and a "
        "versionMatchStrategy other than None.",
        MANDATORY,
        "Set AzureFunctionsJobHost__extensions__durableTask__defaultVersion and "
        "...__versionMatchStrategy (CurrentOrOlder) as app settings, or set "
        "functionAppConfig.siteUpdateStrategy.type to Recreate.",
        flex.rolling_update_versioning,
    ),
    StackRule(
        "flex-rolling-update-strict",
        "Strict version matching on a Flex rolling update strands old in-flight instances.",
        ADVISORY,
        "Prefer CurrentOrOlder: new workers then carry on the old versions' instances.",
        flex.rolling_update_strict,
    ),
    StackRule(
        "flex-settings-ignored",
        "A Flex Consumption app sets no app setting that Flex replaces or ignores.",
        ADVISORY,
        "Remove FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION, WEBSITE_CONTENTSHARE, "
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING, WEBSITE_RUN_FROM_PACKAGE and the like; "
        "runtime and scale go in functionAppConfig.",
        flex.settings_ignored,
    ),
)

RESOURCE_RULES = (
    ResourceRule(
        "hub-name-valid",
        "Task hub names are 3-45 letters and digits, starting with a letter (on the "
        "scheduler: 3-64 letters, digits and hyphens), after %NAME% is resolved.",
        MANDATORY,
        "Fix the AzureFunctionsJobHost__extensions__durableTask__hubName value (or the setting "
        "it names).",
        resources.hub_name_valid,
    ),
    ResourceRule(
        "versioning-values-valid",
        "Versioning settings hold values the runtime accepts.",
        MANDATORY,
        "versionMatchStrategy: None|Strict|CurrentOrOlder; "
        "versionFailureStrategy: Reject|Fail; defaultVersion a literal.",
        resources.versioning_valid,
    ),
    ResourceRule(
        "versioning-strategy-caution",
        "versionMatchStrategy None or Strict changes which workers run in-flight instances.",
        ADVISORY,
        "Prefer CurrentOrOlder unless you route old versions elsewhere.",
        resources.versioning_caution,
    ),
    ResourceRule(
        "scheduler-ip-allowlist",
        "A Durable Task Scheduler's ipAllowlist is not empty.",
        ADVISORY,
        "List the addresses or ranges allowed to reach the scheduler (0.0.0.0/0 for any, an "
        "Entra token is still needed), or reach it through a private endpoint.",
        scheduler.ip_allowlist_open,
    ),
    ResourceRule(
        "security-baseline",
        "HTTPS only, TLS 1.2, FTPS disabled, no public blob access.",
        MANDATORY,
        "Set httpsOnly, minTlsVersion 1.2, ftpsState Disabled; on storage "
        "enableHttpsTrafficOnly, minimumTlsVersion TLS1_2, allowBlobPublicAccess false.",
        resources.security_baseline,
    ),
    ResourceRule(
        "no-keys-in-app-settings",
        "No storage key or SAS written in plain text into an app setting.",
        ADVISORY,
        "Use identity-based connections (<Setting>__accountName) or Key Vault references.",
        resources.no_keys_in_settings,
    ),
)


def _stack_validate(rule: StackRule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        stack = [
            observe(
                r.resource_type,
                r.name,
                r.props,
                r.urn,
                {k: tuple(d.urn for d in v) for k, v in r.property_dependencies.items()},
            )
            for r in args.resources
        ]
        for message, urn in rule.check(build_apps(stack), args.get_config()):
            report(message, urn or None)

    return validate


def _resource_validate(
    rule: ResourceRule,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in rule.check(observe(args.resource_type, args.name, args.props, args.urn)):
            report(message, None)

    return validate


def _metadata(rule: StackRule | ResourceRule) -> dict[str, Any]:
    """What a policy says about itself, whichever kind of validation it does."""
    return {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": rule.level,
        "remediation_steps": rule.remediation,
    }


def build_policies() -> list[Policy]:
    built: list[Policy] = [
        StackValidationPolicy(
            validate=_stack_validate(r), config_schema=r.config_schema, **_metadata(r)
        )
        for r in STACK_RULES
    ]
    built += [
        ResourceValidationPolicy(validate=_resource_validate(r), **_metadata(r))
        for r in RESOURCE_RULES
    ]
    return built
