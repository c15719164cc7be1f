"""The `azure.mgmt` contract sees every spelling of an import of it (tests/import_contracts.py)."""

from __future__ import annotations

import ast

import pytest

from tests.import_contracts import imported_names

FORBIDDEN = "azure.mgmt"


@pytest.mark.parametrize(
    "line",
    [
        "import azure.mgmt.web",
        "import azure.mgmt.web as web  # ARM",
        "import os, azure.mgmt.web",
        "from azure.mgmt.web import WebSiteManagementClient",
        "from azure.mgmt.web import (\n    WebSiteManagementClient,\n)",
        "if True:\n    from azure import mgmt",
        "from azure import core, mgmt as arm",
        "from azure import (\n    core,\n    mgmt,\n)",
    ],
)
def test_an_import_of_azure_mgmt_is_seen(line: str) -> None:
    assert _reaches_forbidden(line)


@pytest.mark.parametrize(
    "line",
    [
        "from azure.core.exceptions import HttpResponseError",
        "from azure.data.tables import TableServiceClient",
        "import azure.identity",
        "from azure import core  # not mgmt",
    ],
)
def test_the_rest_of_azure_is_not(line: str) -> None:
    assert not _reaches_forbidden(line)


def _reaches_forbidden(source: str) -> bool:
    """Asked at the line grimp would report: where the (only) import statement starts."""
    first = next(
        n.lineno for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import | ast.ImportFrom)
    )
    names = imported_names(source, first)
    return any(n == FORBIDDEN or n.startswith(FORBIDDEN + ".") for n in names)
