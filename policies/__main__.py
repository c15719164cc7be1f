"""Builds the CrossGuard pack; the rules live in importable modules beside it."""

from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

import policies
from policies.pack import PACK_NAME, build_policies

# The rules that answer are the ones beside this file, never another checkout's reached
# through an editable install of the same virtualenv.
if Path(policies.__file__).resolve().parent != Path(__file__).resolve().parent:
    raise ImportError(
        f"the pack in {Path(__file__).parent} imported its rules from "
        f"{Path(policies.__file__).parent}; start it with its checkout first on PYTHONPATH"
    )

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build_policies(),
)
