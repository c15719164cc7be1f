"""What App Service does to two slots' settings and content in a swap, for the ARM stand-in.

No HTTP here: the stand-in's routes call these steps. Each follows a documented behaviour:

- "Set up staging environments in Azure App Service" (deploy-staging-slots.md), "What
  happens during a swap": phase 1 applies the **target's** slot-specific settings to every
  instance of the **source** and restarts the source only; if it cannot start or warm up,
  "the swap operation reverts all changes to the source slot"; then the routing switches,
  and the source (now holding the target's old app) gets its own settings back and
  restarts. The target is not restarted.
- same page, "Swap with preview": phase 1 alone (`applySlotConfig`), then the swap that
  completes it, or `resetSlotConfig` that cancels it; "Cancel swap": the source gets its
  settings back.
- includes/app-service-deployment-slots-settings.md, "which settings are swapped": app
  settings swap unless marked as slot settings (slotConfigNames); "Settings ending with the
  suffix _EXTENSION_VERSION" are not swapped, nor "Diagnostic log settings", and with them
  "related app settings like WEBSITE_HTTPLOGGING_RETENTION_DAYS and
  DIAGNOSTICS_AZUREBLOBRETENTIONDAYS ... even if they don't show up as slot settings".
"""

from __future__ import annotations

from dataclasses import dataclass, field

NEVER_SWAPPED = frozenset(
    {"WEBSITE_HTTPLOGGING_RETENTION_DAYS", "DIAGNOSTICS_AZUREBLOBRETENTIONDAYS"}
)
NEVER_SWAPPED_SUFFIX = "_EXTENSION_VERSION"


@dataclass
class SlotState:
    settings: dict[str, str]
    content: str
    """What is deployed there (stands for the package); served on the slot's content path."""
    healthy: bool = True
    restarts: int = 0
    before_preview: dict[str, str] | None = None
    """The slot's settings before phase 1 lent it the target's, so a reset or a failed swap
    can put them back."""


@dataclass
class SiteState:
    subscription: str
    resource_group: str
    name: str
    slots: dict[str, SlotState]
    sticky: list[str] = field(default_factory=list)
    location: str = "West Europe"
    preview: tuple[str, str] | None = None
    """(source, target) of a swap with preview whose phase 1 ran and that is neither
    completed nor reset: App Service locks the slots' settings meanwhile."""

    def stays(self, name: str) -> bool:
        """True for a setting that stays with its slot in a swap."""
        return name in self.sticky or name in NEVER_SWAPPED or name.endswith(NEVER_SWAPPED_SUFFIX)

    def _split(self, settings: dict[str, str], staying: bool) -> dict[str, str]:
        return {k: v for k, v in settings.items() if self.stays(k) is staying}

    def apply_target_settings(self, source: str, target: str) -> None:
        """Phase 1: the target's slot-specific settings on the source, which restarts."""
        s, t = self.slots[source], self.slots[target]
        if s.before_preview is None:
            s.before_preview = dict(s.settings)
        s.settings = {**self._split(s.settings, False), **self._split(t.settings, True)}
        s.restarts += 1

    def restore(self, slot: str) -> bool:
        """The slot's own settings back after a reset or a failed swap; True when it changed."""
        state = self.slots[slot]
        if state.before_preview is None:
            return False
        state.settings, state.before_preview = state.before_preview, None
        state.restarts += 1
        return True

    def complete(self, source: str, target: str) -> None:
        """The routing switch: content and swappable settings change places; each slot keeps
        its own slot-specific settings; the source restarts with them, the target does not."""
        s, t = self.slots[source], self.slots[target]
        own = s.before_preview if s.before_preview is not None else s.settings
        t.settings, s.settings = (
            {**self._split(s.settings, False), **self._split(t.settings, True)},
            {**self._split(t.settings, False), **self._split(own, True)},
        )
        s.content, t.content = t.content, s.content
        s.healthy, t.healthy = t.healthy, s.healthy
        s.before_preview = None
        s.restarts += 1
        self.preview = None
