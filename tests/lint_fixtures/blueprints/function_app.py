import azure.durable_functions as df
from orders_bp import bp

app = df.DFApp()
app.register_functions(bp)
