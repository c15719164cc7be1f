"""`durable-deploy replay-check`: does the new orchestrator code replay the histories recorded?

Modules, one job each: `app` (loading the orchestrator the new code registers), `numbering`
(running it through the SDK and numbering what it schedules, as the SDK does), `judge` (one
history against the code, by DurableTask.Core's rules) and `hub` (a hub's in-flight
instances, and prefixes of completed ones, read through the instance source).
"""
