import importlib

import azure.durable_functions as df

app = df.DFApp()
for name in ("orders", "shipping"):
    app.register_functions(importlib.import_module(f"blueprints.{name}").bp)
