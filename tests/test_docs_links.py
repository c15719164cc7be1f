"""Every relative link in README.md and docs/ leads somewhere: the file or folder exists, and
a `#fragment` is a heading of the target as GitHub renders its anchor (or an explicit
`<a id>`), so moving a section breaks this test instead of a newcomer's walk."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.support.checkout import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXPLICIT = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)


def _prose(text: str) -> str:
    """The text without code blocks, where a `[x](y)` or a `# line` is code, not markdown."""
    return _FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation but `-` and `_`
    removed, each space a hyphen (github/cmark-gfm's toc filter, as github.com renders)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = _prose(page.read_text())
    seen: Counter[str] = Counter()
    found = set(_EXPLICIT.findall(text))
    for heading in _HEADING.findall(text):
        base = slug(heading)
        found.add(base if not seen[base] else f"{base}-{seen[base]}")
        seen[base] += 1
    return found


def links(page: Path) -> list[str]:
    return [
        target
        for target in _LINK.findall(_CODE_SPAN.sub("", _prose(page.read_text())))
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)  # https:, mailto: ...
    ]


def _broken(page: Path, target: str) -> str | None:
    path, _, fragment = target.partition("#")
    goal = (page.parent / unquote(path)).resolve() if path else page
    if not goal.exists():
        return f"{target}: no such file"
    if fragment and goal.suffix == ".md" and unquote(fragment) not in anchors(goal):
        return f"{target}: no heading or anchor '{fragment}' in {os.path.relpath(goal, ROOT)}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = [problem for t in links(page) if (problem := _broken(page, t))]
    assert broken == []


def test_the_slugs_are_github_s() -> None:
    assert slug("Offline plan: `durable-deploy plan --stack NAME [--json]`") == (
        "offline-plan-durable-deploy-plan---stack-name---json"
    )
    assert slug("DDZ005 I/O") == "ddz005-io"
    assert slug("What the router costs") == "what-the-router-costs"


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Top\n\n## Two words\n\n## Two words\n\n```\n[no](missing.md)\n```\n")
    assert _broken(page, "#two-words") is None and _broken(page, "#two-words-1") is None
    assert _broken(page, "#top") is None
    assert _broken(page, "#three-words") is not None
    assert _broken(page, "missing.md") is not None
    assert links(page) == []  # a link in a code block is code


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    reachable, queue = {README}, [README]
    while queue:
        page = queue.pop()
        for target in links(page):
            goal = (page.parent / unquote(target.partition("#")[0])).resolve()
            if goal.suffix == ".md" and goal.exists() and goal not in reachable:
                reachable.add(goal)
                queue.append(goal)
    assert [p.name for p in PAGES if p not in reachable] == []
