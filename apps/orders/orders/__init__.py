"""The ProcessOrder sample: a version-aware orchestrator and its activities."""
