"""Which APIs each rule matches, by the dotted name an expression resolves to.

The longest matching prefix wins, so `asyncio.sleep` is waiting (DDZ003) while the rest of
`asyncio` is async work (DDZ004), and `azure.functions` is allowed while other Azure SDK
packages are I/O. The orchestration context's methods are those of the installed SDK's
`DurableOrchestrationContext` (azure-functions-durable 1.7).

I/O (DDZ005) is a list of known I/O and known pure APIs, not module names alone: parsing
and quoting URLs (`urllib.parse`), making SAS tokens (`generate_*_sas` sign locally with the
account key, azure-storage-blob `_shared_access_signature.py`), building retry policies,
sessions and requests, or constructing an SDK client sends nothing. What a client sends,
it sends when a method is called on it, so those calls are the I/O (`CLIENTS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scripts.stages.lint.rules import RuleId


@dataclass(frozen=True)
class Api:
    rule: RuleId | None
    """None: allowed (an exception carved out of a wider prefix)."""
    calls_only_with: int | None = None
    """Only a call with at most this many arguments counts (`time.localtime()` is now,
    `time.localtime(ts)` is not; `random.Random(seed)` repeats, `random.Random()` does not)."""


def _all(rule: RuleId | None, *names: str, calls_only_with: int | None = None) -> dict[str, Api]:
    return {name: Api(rule, calls_only_with) for name in names}


PANDAS_READERS = (
    "csv", "excel", "json", "parquet", "sql", "sql_query", "sql_table", "html", "table",
    "feather", "pickle", "xml", "fwf", "orc", "sas", "spss", "stata", "hdf", "clipboard",
)  # fmt: skip
"""pandas.read_* take a path, URL or connection and read it (pandas/io)."""
SAS_PACKAGES = ("blob", "queue", "fileshare", "filedatalake")
SAS_FUNCTIONS = (
    ("azure.storage.blob", "generate_blob_sas"),
    ("azure.storage.blob", "generate_container_sas"),
    ("azure.storage.blob", "generate_account_sas"),
    ("azure.storage.queue", "generate_queue_sas"),
    ("azure.storage.queue", "generate_account_sas"),
    ("azure.storage.fileshare", "generate_file_sas"),
    ("azure.storage.fileshare", "generate_share_sas"),
    ("azure.storage.fileshare", "generate_account_sas"),
    ("azure.storage.filedatalake", "generate_file_system_sas"),
    ("azure.storage.filedatalake", "generate_directory_sas"),
    ("azure.storage.filedatalake", "generate_file_sas"),
    ("azure.storage.filedatalake", "generate_account_sas"),
    ("azure.data.tables", "generate_table_sas"),
    ("azure.data.tables", "generate_account_sas"),
)
SAS_TYPES = (
    "BlobSasPermissions",
    "ContainerSasPermissions",
    "AccountSasPermissions",
    "QueueSasPermissions",
    "FileSasPermissions",
    "ShareSasPermissions",
    "FileSystemSasPermissions",
    "DirectorySasPermissions",
    "ResourceTypes",
    "Services",
    "ContentSettings",
)

PATTERNS: dict[str, Api] = {
    **_all(
        RuleId.WALL_CLOCK,
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
    **_all(RuleId.WALL_CLOCK, "time.localtime", "time.gmtime", "time.ctime", calls_only_with=0),
    **_all(RuleId.WALL_CLOCK, "time.strftime", calls_only_with=1),
    **_all(
        RuleId.RANDOMNESS,
        "uuid.uuid1",
        "uuid.uuid4",
        "random",
        "secrets",
        "os.urandom",
        "os.getrandom",
        "numpy.random",
    ),
    **_all(RuleId.RANDOMNESS, "random.Random", "numpy.random.default_rng", calls_only_with=0),
    **_all(RuleId.WAITING, "time.sleep", "asyncio.sleep"),
    **_all(
        RuleId.THREADS_AND_ASYNC, "threading", "concurrent.futures", "multiprocessing", "asyncio"
    ),
    **_all(
        RuleId.IO,
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
    **_all(
        RuleId.IO,
        *(f"pandas.read_{kind}" for kind in PANDAS_READERS),
        "pandas.ExcelFile",
    ),
    **_all(None, "azure.functions", "azure.durable_functions", "azure.core.exceptions"),
    **_all(
        None,
        "urllib.parse",
        "urllib.error",
        "urllib3.util",
        "urllib3.Retry",
        "urllib3.exceptions",
        "requests.Request",
        "requests.PreparedRequest",
        "requests.adapters",
        "requests.auth",
        "requests.exceptions",
        "requests.structures",
        "requests.codes",
        "httpx.URL",
        "httpx.Timeout",
        "httpx.Limits",
        "httpx.Headers",
        "httpx.Request",
        "azure.core.credentials",
        "azure.core.pipeline.policies",
        *(f"{package}.{sas}" for package, sas in SAS_FUNCTIONS),
        *(f"azure.storage.{package}.{cls}" for package in SAS_PACKAGES for cls in SAS_TYPES),
    ),
    **_all(RuleId.ENVIRONMENT, "os.environ", "os.environb", "os.getenv", "os.getenvb", "os.putenv"),
}

CLIENT_FACTORIES = frozenset({"requests.Session", "requests.session", "httpx.Client"})
"""Constructors of objects that send only when their methods are called."""
_AZURE_CLIENT = re.compile(r"^azure\.[\w.]*\.[A-Z]\w*(Client|Credential)(\.from_\w+)?$")
SUB_CLIENT_METHODS = frozenset(
    {
        "get_blob_client",
        "get_container_client",
        "get_queue_client",
        "get_table_client",
        "get_share_client",
        "get_file_client",
        "get_directory_client",
        "get_subdirectory_client",
        "get_file_system_client",
        "get_database_client",
        "mount",
    }
)
"""Client methods that build another client and send nothing (a sub-client's calls do)."""


def client_factory(dotted: str | None) -> bool:
    """`dotted` builds a client: `azure.storage.blob.BlobServiceClient(.from_...)`, a
    credential, a requests or httpx session (a known pure API is not one)."""
    if not dotted:
        return False
    if dotted in CLIENT_FACTORIES:
        return True
    known = match(dotted)
    return bool(_AZURE_CLIENT.match(dotted)) and (known is None or known.rule is not None)


REFERENCE_RULES = frozenset({RuleId.ENVIRONMENT})
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
PRINT = "builtins.print"
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
