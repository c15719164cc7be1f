"""CrossGuard rules for durable function apps; `__main__.py` builds the pack from them."""
