import os

BATCH_SIZE = int(os.environ.get("BATCH_SIZE", "10"))
PRICE_URL = os.environ["PRICE_URL"]
RETRIES = 3
