"""Commit a bag change from outside any hook, as if its owner's hook had committed it."""

from __future__ import annotations

from reactive_harness import sequences
from reactive_harness.errors import HarnessError
from reactive_harness.state import ModelState, RelationState

__all__ = ["commit_external"]


def commit_external(
    state: ModelState, rel: RelationState, owner: str, data: dict[str, str]
) -> bool:
    """Apply ``data`` (``""`` deletes) to a unit's or app's bag and notify the other side.

    Returns:
        Whether the bag really changed (only then are hooks queued).

    Raises:
        HarnessError: The owner is not in the relation (or, for a unit, not in its scope).
    """
    if "/" in owner:
        unit = state.units.get(owner)
        if unit is None or owner not in rel.scope:
            raise HarnessError(f"unit {owner} is not in the scope of relation {rel}")
        bags, writer = rel.unit_bags, unit
    else:
        if owner not in rel.apps():
            raise HarnessError(f"application {owner} is not in relation {rel}")
        leader = state.apps[owner].leader
        if leader is None:
            raise HarnessError(f"application {owner} has no leader to write its bag")
        bags, writer = rel.app_bags, state.units[leader]
    old = dict(bags.get(owner, {}))
    new = dict(old)
    for key, value in data.items():
        if value == "":
            new.pop(key, None)
        else:
            new[key] = str(value)
    if new == old:
        return False
    bags[owner] = new
    if "/" in owner:
        sequences.notify_unit_change(state, rel, writer)
    else:
        sequences.notify_app_change(state, rel, writer)
    return True
