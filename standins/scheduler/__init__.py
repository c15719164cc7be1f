"""The Durable Task Scheduler stand-in: Microsoft's in-memory backend, a real durabletask
worker, and the orchestrations it runs (with their azure-functions-durable equivalents)."""
