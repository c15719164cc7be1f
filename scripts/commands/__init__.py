"""One module per `durable-deploy` sub-command: options, output, exit code."""
