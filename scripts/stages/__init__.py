"""The pipeline stages themselves, without typer: each returns results the CLI renders.

gate, watch and ramp_watch (waiting on a task hub), release, arm and app_service_errors
(slots through Azure Resource Manager), replay* (in-flight histories through new code),
lint (orchestrator code), preview and policy_check (the offline plan and the pack; the
only modules that import Pulumi), stack_outputs and target (where a hub lives), scaffold.
"""
