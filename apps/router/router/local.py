"""`uvicorn router.local:app` (from apps/router): the router on a laptop, in a container
or in a test. Importing it also keeps function keys out of uvicorn's access log."""

import os

from router.access_log import redact_access_log
from router.settings import app_from_settings

redact_access_log()
app = app_from_settings(os.environ)
