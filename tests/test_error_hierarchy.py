"""Every exception class the toolkit defines derives from `DurableDeployError`, as drawn in the
docstring of taskhub/errors.py: the CLI boundary and the JSON `type` rely on it."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import taskhub.errors
from taskhub.errors import DurableDeployError
from tests.support.checkout import ROOT, SHIPPED
from tests.support.helpers import toolkit_errors

_TREE_LINE = re.compile(r"^(?P<indent> *)[*+-] (?P<name>\w+)(?: \(also \w+\))? +(?P<path>\S+\.py)")


def _sources() -> Iterator[Path]:
    for package in SHIPPED:
        yield from (ROOT / package).rglob("*.py")


def test_every_exception_of_the_toolkit_derives_from_the_base() -> None:
    outside = [
        f"{cls.__module__}.{name}"
        for name, cls in toolkit_errors().items()
        if not issubclass(cls, DurableDeployError)
    ]
    assert not outside
    assert len(toolkit_errors()) >= 15  # the walk found the packages' modules


def test_no_exception_class_is_defined_where_the_walk_cannot_see_it() -> None:
    """A class inside a function or another class escapes `toolkit_errors`."""
    hidden = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and id(node) not in top_level:
                bases = [ast.unparse(base) for base in node.bases]
                if any(re.search(r"(Error|Exception)$", base) for base in bases):
                    hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not hidden


def test_the_docstring_draws_the_whole_tree_with_parents_and_modules() -> None:
    doc = taskhub.errors.__doc__ or ""
    drawn: dict[str, tuple[str, str | None]] = {}
    parents: list[tuple[int, str]] = []
    for line in doc.splitlines():
        if not (match := _TREE_LINE.match(line)):
            continue
        indent, name = len(match["indent"]), match["name"]
        while parents and parents[-1][0] >= indent:
            parents.pop()
        drawn[name] = (match["path"], parents[-1][1] if parents else None)
        parents.append((indent, name))
    actual = {
        name: (
            str(Path(inspect.getfile(cls)).relative_to(ROOT)),
            next((b.__name__ for b in cls.__bases__ if issubclass(b, DurableDeployError)), None),
        )
        for name, cls in toolkit_errors().items()
    }
    assert drawn == actual
