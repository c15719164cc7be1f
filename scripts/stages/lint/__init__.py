"""`durable-deploy lint`: orchestrator code that cannot replay, found without importing the app.

Modules, one job each: `rules` (the catalogue), `apis` (what each rule matches), `source`
(the app's own modules and their imports), `discovery` (which functions are orchestrators,
activities and entities), `scope` (what a function binds), `checks` (what one function body
does wrong), `names` (is a called name registered), `walk`
(orchestrators and the helpers they reach), `config`, `suppression`, `engine` (all of it
for a set of paths), `sarif`, `stage` (the release stage) and `flake8_plugin`.
"""
