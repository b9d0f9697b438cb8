"""Hold the unit's state lock for a while in update-status (two hooks at once)."""

import time

from charms.reactive import hook


@hook("update-status")
def slow():
    time.sleep(1.0)
