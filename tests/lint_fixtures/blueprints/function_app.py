import azure.durable_functions as df
import audit_bp  # noqa: F401  (imported, its blueprint never registered)
from orders_bp import bp

app = df.DFApp()
app.register_functions(bp)
