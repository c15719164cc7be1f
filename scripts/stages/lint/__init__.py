"""`durable-deploy lint`: orchestrator code that cannot replay, found without importing the app.

Modules, one job each: `rules` (the catalogue and `RuleId`), `apis` (what each rule
matches), `source` (the app's own modules and their imports), `function_json` and
`funcignore` (files read as the host and Core Tools read them), `app_model` (an app's
durable functions and which the host indexes), `discovery` and `function_folders` (finding
them in the v2 and v1 models), `scope` (what a function binds), `values` (what a name
holds), `flow` (which statements run only once), `guards` (`is_replaying` branches),
`loops` (loops only durable results end), `checks` (what one function body does wrong),
`names` (is a called name registered), `walk` (orchestrators and the helpers they reach),
`config`, `suppression`, `engine` (all of it for a set of paths), `sarif`, `stage` (the
release stage) and `flake8_plugin`.
"""
