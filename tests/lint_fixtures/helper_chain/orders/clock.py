from datetime import UTC, datetime


def now_iso():
    return datetime.now(UTC).isoformat()  # expect: DDZ001


def unused():
    return datetime.now(UTC)
