import os
import time


def elapsed():
    return [time.monotonic(), os.getenv("ZONE")]  # expect: DDZ006
