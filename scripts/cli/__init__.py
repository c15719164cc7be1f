"""The `durable-deploy` command line: typer, options, output and CI annotations, no stage logic.

`app` is the root group, `main` its entry point, `boundary` the one place errors become
exit 2; `options` holds the option groups, `output` and `annotations` what a command
prints; `commands` has one module per command. What a command does lives in
`scripts.stages`.
"""
