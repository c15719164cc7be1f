"""What ships behind `durable-deploy`: `cli` (the command line) and `stages` (the work)."""
