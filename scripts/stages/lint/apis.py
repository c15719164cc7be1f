"""Which APIs each rule matches, by the dotted name an expression resolves to.

The longest matching prefix wins, so `asyncio.sleep` is waiting (DDZ003) while the rest of
`asyncio` is async work (DDZ004), and `azure.functions` is allowed while other Azure SDK
packages are I/O. The orchestration context's methods are those of the installed SDK's
`DurableOrchestrationContext` (azure-functions-durable 1.7).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Api:
    rule: str | None
    """None: allowed (an exception carved out of a wider prefix)."""
    calls_only_with: int | None = None
    """Only a call with at most this many arguments counts (`time.localtime()` is now,
    `time.localtime(ts)` is not; `random.Random(seed)` repeats, `random.Random()` does not)."""


def _all(rule: str | None, *names: str, calls_only_with: int | None = None) -> dict[str, Api]:
    return {name: Api(rule, calls_only_with) for name in names}


PATTERNS: dict[str, Api] = {
    **_all(
        "DDZ001",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "time.process_time",
        "time.process_time_ns",
    ),
    **_all("DDZ001", "time.localtime", "time.gmtime", "time.ctime", calls_only_with=0),
    **_all("DDZ001", "time.strftime", calls_only_with=1),
    **_all(
        "DDZ002",
        "uuid.uuid1",
        "uuid.uuid4",
        "random",
        "secrets",
        "os.urandom",
        "os.getrandom",
        "numpy.random",
    ),
    **_all("DDZ002", "random.Random", "numpy.random.default_rng", calls_only_with=0),
    **_all("DDZ003", "time.sleep", "asyncio.sleep"),
    **_all("DDZ004", "threading", "concurrent.futures", "multiprocessing", "asyncio"),
    **_all(
        "DDZ005",
        "builtins.open",
        "io.open",
        "os.system",
        "os.popen",
        "requests",
        "httpx",
        "urllib",
        "urllib3",
        "aiohttp",
        "http.client",
        "socket",
        "subprocess",
        "ftplib",
        "smtplib",
        "sqlite3",
        "shutil",
        "boto3",
        "pymongo",
        "redis",
        "psycopg",
        "psycopg2",
        "pyodbc",
        "azure",
    ),
    **_all(None, "azure.functions", "azure.durable_functions", "azure.core.exceptions"),
    **_all("DDZ006", "os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv"),
}

REFERENCE_RULES = frozenset({"DDZ006"})
"""Rules a mere reference breaks (`os.environ["X"]` calls nothing); for the others only a
call counts, so `except requests.HTTPError:` or an annotation is not I/O."""
YIELDABLE = frozenset(
    {
        "call_activity",
        "call_activity_with_retry",
        "call_sub_orchestrator",
        "call_sub_orchestrator_with_retry",
        "call_entity",
        "call_http",
        "create_timer",
        "wait_for_external_event",
        "task_all",
        "task_any",
    }
)
"""Context methods that return a task the orchestrator must yield. `signal_entity` and
`continue_as_new` record their action when called and are rightly used as statements."""
HISTORY_GROWING = YIELDABLE | {"signal_entity"}
TARGETS = {
    "call_activity": ("activity", "name"),
    "call_activity_with_retry": ("activity", "name"),
    "call_sub_orchestrator": ("orchestrator", "name"),
    "call_sub_orchestrator_with_retry": ("orchestrator", "name"),
    "call_entity": ("entity", "entityId"),
    "signal_entity": ("entity", "entityId"),
}
"""Context method -> (kind of function it names, keyword of that first argument)."""
ENTITY_ID = frozenset(
    {
        "azure.durable_functions.EntityId",
        "azure.durable_functions.models.utils.entity_utils.EntityId",
    }
)
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)
LOGGER_FACTORY = "logging.getLogger"
MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "popitem",
        "remove",
        "clear",
        "update",
        "setdefault",
        "add",
        "discard",
        "sort",
        "reverse",
        "appendleft",
        "extendleft",
        "__setitem__",
    }
)
UNBOUNDED_ITERATORS = frozenset({"itertools.count", "itertools.cycle"})


def match(dotted: str | None) -> Api | None:
    """The pattern for the longest prefix of `dotted`, if any."""
    if not dotted:
        return None
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        found = PATTERNS.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None
