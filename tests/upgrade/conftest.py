"""Fixtures of the upgrade tests (defined in helpers.upgrade, with the helpers they use)."""

from helpers.upgrade import charms, new_model, ref_python

__all__ = ["charms", "new_model", "ref_python"]
