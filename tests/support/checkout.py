"""The checkout under test, and which of its packages are the toolkit."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("taskhub", "scripts", "components", "policies")
"""What the wheel holds; the stand-ins, apps and tests are not the toolkit."""
