"""Fixtures of the upgrade tests (defined in upgrade_support, with the helpers they use)."""

from upgrade_support import charms, new_model, ref_python

__all__ = ["charms", "new_model", "ref_python"]
