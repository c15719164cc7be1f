"""`function.json` read as the Functions host reads it, not as strict JSON.

The host reads each function folder's `function.json` with Newtonsoft's `JObject.Parse`
(azure-functions-host src/WebJobs.Script/Host/HostFunctionMetadataProvider.cs,
`ReadFunctionMetadata`), whose reader skips `//` and `/* */` comments, accepts a comma
before `]` or `}`, and takes strings in single quotes as well as double. A file it still
cannot read is caught there per folder (`AddFunctionError`): that one function is left
out and the rest of the app runs, so here too it is a note, not an error for the app.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_TOKEN = re.compile(
    r"""
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<comma>,(?=(?:\s|//[^\n]*|/\*.*?\*/)*[\]}]))
    """,
    re.VERBOSE | re.DOTALL,
)


def _as_json(match: re.Match[str]) -> str:
    if match.group("comment") is not None or match.group("comma") is not None:
        return ""
    text = match.group("string")
    if text.startswith('"'):
        return text
    return json.dumps(json.loads('"' + text[1:-1].replace("\\'", "'").replace('"', '\\"') + '"'))


def loads(text: str) -> Any:
    """Parse with Newtonsoft's leniencies; ValueError for what it would refuse too."""
    return json.loads(_TOKEN.sub(_as_json, text))


def read(path: Path) -> dict[str, Any]:
    """The file's top-level object; ValueError (with the reason) when the host could not use it."""
    try:
        data = loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("bindings"), list):
        raise ValueError("it needs a `bindings` list")
    return data


def binding_value(binding: dict[str, Any], key: str) -> Any:
    """A binding property, matched ignoring case as the host binds metadata to attributes."""
    return next((v for k, v in binding.items() if k.lower() == key.lower()), None)
