"""`uvicorn router.local:app` (from apps/router): the router on a laptop or in a test."""

import os

from router.settings import app_from_settings

app = app_from_settings(os.environ)
