"""Scaffolding the next classic version of an orchestrator module in a Python v2 app.

Like the docs' migration script for C#: copy the newest `<module>_v<N>.py` to
`<module>_v<N+1>.py`, renaming the module's own versioned names (`process_order_v<N>` and
`ProcessOrder_V<N>`, whole words only, so V1 never touches V10; calls to other functions
keep their versions), and register the copy next to the original in function_app.py. The
old version stays, for the instances still running it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from taskhub.classic import classic_settings
from taskhub.classic import split_version as split
from taskhub.errors import ConfigurationError

_MODULE = re.compile(r"^(?P<stem>.+)_v(?P<number>\d+)\.py$")


@dataclass(frozen=True)
class Scaffolded:
    source: Path
    created: Path
    old_version: int
    new_version: int
    registrations: int
    functions: tuple[str, ...]
    """Versioned function names in the new module, e.g. ProcessOrder_V3."""

    @property
    def settings(self) -> dict[str, str]:
        """The classic settings that send new instances to the new version."""
        bases = {f: parts[0] for f in self.functions if (parts := split(f))}
        return classic_settings({base: function for function, base in bases.items()})


def _camel(stem: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in stem.split("_"))


def _bump(text: str, stem: str, old: int, new: int) -> str:
    text = re.sub(rf"\b{re.escape(stem)}_v{old}\b", f"{stem}_v{new}", text)
    return re.sub(rf"\b{re.escape(_camel(stem))}_V{old}\b", f"{_camel(stem)}_V{new}", text)


def newest_module(module: Path) -> tuple[Path, int]:
    match = _MODULE.match(module.name)
    if not match:
        raise ConfigurationError(
            f"{module.name} does not end in _v<N>.py",
            fix="name the first version e.g. process_order_v1.py (function ProcessOrder_V1)",
        )
    stem = match["stem"]
    versions = {
        int(m["number"]): p
        for p in module.parent.glob(f"{stem}_v*.py")
        if (m := _MODULE.match(p.name)) and m["stem"] == stem
    }
    newest = max(versions)
    return versions[newest], newest


def scaffold_next_version(app_dir: Path, module: Path) -> Scaffolded:
    module = module if module.is_absolute() else app_dir / module
    if not module.exists():
        raise ConfigurationError(f"{module} does not exist", fix="pass an existing module")
    source, old = newest_module(module)
    new = old + 1
    stem = source.stem.rsplit("_v", 1)[0]
    created = source.with_name(source.name.replace(f"_v{old}.py", f"_v{new}.py"))
    created.write_text(_bump(source.read_text(), stem, old, new))
    registrations = 0
    app_file = app_dir / "function_app.py"
    if app_file.exists():
        module_name = source.stem
        lines = app_file.read_text().splitlines(keepends=True)
        out: list[str] = []
        for line in lines:
            out.append(line)
            if module_name in line:
                out.append(_bump(line, stem, old, new))
                registrations += 1
        app_file.write_text("".join(out))
    return Scaffolded(source, created, old, new, registrations, (f"{_camel(stem)}_V{new}",))
