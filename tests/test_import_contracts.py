"""The `azure.mgmt` contract sees every spelling of an import of it (tests/import_contracts.py)."""

from __future__ import annotations

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
        "from azure.mgmt.web import (",
        "    from azure import mgmt",
        "from azure import core, mgmt as arm",
    ],
)
def test_an_import_of_azure_mgmt_is_seen(line: str) -> None:
    assert any(n == FORBIDDEN or n.startswith(FORBIDDEN + ".") for n in imported_names(line))


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
    assert not any(n == FORBIDDEN or n.startswith(FORBIDDEN + ".") for n in imported_names(line))
