"""Loading the orchestrator to replay: from the app's own function_app.py, or module:attr.

The app file is loaded by its path, never by module name, so a `function_app` that happens
to be importable from sys.path or the working directory can never stand in for the app the
user named. Anything the app raises while it loads means the check cannot run (exit 2).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from scripts.stages.replay.numbering import Orchestration
from taskhub.errors import ConfigurationError

APP_FILE = "function_app.py"
T = TypeVar("T")
FIX = "run from the app's environment (its requirements installed) and check --app-dir / --function"


def load_orchestration(
    function: str | None, app_dir: Path | None, orchestrator: str | None
) -> Orchestration:
    """The orchestrator, from `module:attr` or a v2 app's registered orchestration triggers."""
    if app_dir is not None:
        # The app's own packages (e.g. apps/orders/orders) import as the host imports them.
        sys.path.insert(0, str(app_dir.resolve()))
    if function:
        module, _, attr = function.partition(":")
        target = _guarded(lambda: getattr(importlib.import_module(module), attr), function)
        return Orchestration(target)
    if app_dir is None or not orchestrator:
        raise ConfigurationError(
            "no orchestrator named",
            fix="pass --function module:attr, or --app-dir DIR --orchestrator NAME",
        )
    app = _guarded(lambda: _load_app_file(app_dir), str(app_dir / APP_FILE))
    functions = _guarded(lambda: app.get_functions(), f"{app_dir / APP_FILE} app")
    orchestrators = {
        fn.get_function_name(): fn
        for fn in functions
        if any(b.type == "orchestrationTrigger" for b in fn.get_bindings())
    }
    # The Durable extension looks orchestrators up by FunctionName, whose Equals is
    # OrdinalIgnoreCase (azure-functions-durable-extension src/WebJobs.Extensions.DurableTask/
    # FunctionName.cs), as it does an instance's Name.
    matching = [n for n in orchestrators if n.lower() == orchestrator.lower()]
    if len(matching) > 1:
        raise ConfigurationError(
            f"{app_dir / APP_FILE} has orchestrators {', '.join(sorted(matching))}, which differ "
            "only in case: the Functions host cannot tell them apart either",
            fix="rename one of them",
        )
    if matching:
        handle = orchestrators[matching[0]].get_user_function()
        return _guarded(lambda: Orchestration.from_handle(handle), orchestrator)
    names = sorted(orchestrators)
    raise ConfigurationError(
        f"{app_dir / APP_FILE} has no orchestrator {orchestrator!r}",
        fix=f"pass --orchestrator with one of: {', '.join(names) or 'none found'}",
    )


def _load_app_file(app_dir: Path) -> Any:
    path = app_dir / APP_FILE
    if not path.is_file():
        raise ConfigurationError(
            f"{app_dir} has no {APP_FILE}",
            fix="pass --app-dir the folder of the Python v2 app (the one holding function_app.py)",
        )
    spec = importlib.util.spec_from_file_location("function_app", path)
    if spec is None or spec.loader is None:
        raise ConfigurationError(f"{path} cannot be loaded as a Python module", fix=FIX)
    module = importlib.util.module_from_spec(spec)
    sys.modules["function_app"] = module  # the name the Functions host gives it
    spec.loader.exec_module(module)
    app = getattr(module, "app", None)
    if app is None or not hasattr(app, "get_functions"):
        raise ConfigurationError(
            f"{path} defines no `app` (a DFApp / FunctionApp)",
            fix="the Python v2 model needs `app = df.DFApp(...)` in function_app.py",
        )
    return app


def _guarded(load: Callable[[], T], what: str) -> T:
    """Runs user code that loads the app; whatever it raises becomes "cannot run"."""
    try:
        return load()
    except ConfigurationError:
        raise
    except (Exception, SystemExit) as exc:
        raise ConfigurationError(
            f"the orchestrator cannot be imported from {what} ({type(exc).__name__}: {exc})",
            fix=FIX,
        ) from None
