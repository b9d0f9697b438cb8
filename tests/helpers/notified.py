"""The notified view's ground truth in the emulator (issue 15), for the fuzzer and others."""

from __future__ import annotations

from reactive_harness import Model


def notified_view_errors(model: Model, unit_name: str) -> list[str]:
    """Where the unit's stored notified view (#15) differs from the emulator's ground truth.

    Checked when the model is settled: every notification has run, so each stored remote bag
    must be the bag Juju holds, each stored membership the units the unit has run ``-joined``
    for and not ``-departed`` (the emulator's view), each stored id list the relations it
    has not seen broken; and nothing may be kept of a relation or unit that is gone.
    """
    unit = model.state.units[unit_name]
    app = unit_name.split("/")[0]
    live = {
        model.state.relations[rid].key(app): (model.state.relations[rid], view)
        for rid, view in unit.views.items()
        if not view.broken and not model.state.relations[rid].removed
    }
    errors = []
    for key, value in model.unit_kv(unit_name, "reactive.notified.").items():
        rest = key[len("reactive.notified.") :]
        if rest.startswith("units."):
            rid = rest[len("units.") :]
            if rid not in live:
                errors.append(f"{key}: relation gone, still kept")
            elif sorted(value) != sorted(live[rid][1].members):
                errors.append(f"{key}: {sorted(value)} != {sorted(live[rid][1].members)}")
        elif rest.startswith("bag."):
            rid, owner = rest[len("bag.") :].rsplit(".", 1)
            if rid not in live:
                errors.append(f"{key}: relation gone, still kept")
                continue
            rel, view = live[rid]
            if "/" in owner:
                if owner not in view.members:
                    errors.append(f"{key}: unit not a member, still kept")
                elif value != rel.unit_bags.get(owner, {}):
                    errors.append(f"{key}: {value} != {rel.unit_bags.get(owner, {})}")
            elif value != rel.app_bags.get(owner, {}):
                errors.append(f"{key}: {value} != {rel.app_bags.get(owner, {})}")
        elif rest.startswith("ids."):
            name = rest[len("ids.") :]
            want = sorted(rid for rid in live if rid.split(":")[0] == name)
            if sorted(value) != want:
                errors.append(f"{key}: {sorted(value)} != {want}")
    return errors
