"""Pipeline stages behind one CLI, `durable-deploy`."""
