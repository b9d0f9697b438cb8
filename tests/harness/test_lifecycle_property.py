"""Random operation sequences keep Juju's invariants (hook-less charms: no process starts).

After every settle: nothing is pending; each unit's view of each relation lists exactly the
remote units in scope; per unit and relation, ``-created`` comes first, ``-joined`` of a unit
precedes its ``-changed``/``-departed``, nobody joins twice without departing, ``-broken`` last.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reactive_harness import Model

OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "relate", "unrelate", "leader", "config", "write"]),
        st.sampled_from(["a", "b"]),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=12,
)


def _apply(model: Model, op: str, app: str, n: int) -> None:
    units = [u.name for u in model.app(app).units if not model.state.units[u.name].dying]
    related = [r for r in model.relations if not r.is_peer]
    if op == "add":
        model.add_unit(app)
    elif op == "remove" and units:
        model.remove_unit(units[n % len(units)])
    elif op == "relate" and not related:
        model.relate("a", "b")
    elif op == "unrelate" and related:
        model.unrelate(related[0])
    elif op == "leader" and units:
        model.set_leader(units[n % len(units)])
    elif op == "config":
        model.set_config("a", {"n": n})
    elif op == "write" and units:
        unit = units[n % len(units)]
        for rid in sorted(model.state.units[unit].views):
            model.exec(unit, f"relation-set -r {rid} n={n}")


def _check(model: Model) -> None:
    assert model.pending() == {}
    state = model.state
    for unit in state.units.values():
        if unit.removed:
            continue
        for rid, view in unit.views.items():
            rel = state.relations[rid]
            expected = {
                other
                for other in rel.scope
                if other != unit.name and (rel.is_peer or other.split("/")[0] != unit.app)
            }
            assert view.members == expected, (unit.name, rid)
    for rel in state.relations.values():
        if rel.removed:
            assert not any(rel.id in u.views for u in state.units.values())
    for app in state.apps.values():
        live = [u.name for u in state.live_units(app.name)]
        assert not live or app.leader in live
    # Per unit and relation hook order.
    seen: dict[tuple[str, str], set[str]] = {}
    started: set[tuple[str, str]] = set()
    for record in model.records:
        rid = record.env.get("JUJU_RELATION_ID")
        if not rid or record.hook == "juju-exec":
            continue
        key = (record.unit, rid)
        kind = record.hook.rsplit("-", 1)[1]
        members = seen.setdefault(key, set())
        remote = record.env.get("JUJU_REMOTE_UNIT", "")
        if kind == "created":
            assert key not in started
            started.add(key)
        elif kind == "joined":
            assert key in started
            assert remote not in members
            members.add(remote)
        elif kind == "changed" and remote:
            assert remote in members
        elif kind == "departed":
            assert remote in members
            members.discard(remote)
        elif kind == "broken":
            assert not members
            seen.pop(key)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_random_lifecycles_keep_juju_invariants(tmp_path_factory, ops):
    root = tmp_path_factory.mktemp("m")
    charms = root / "charms"
    for name, role in (("a", "provides"), ("b", "requires")):
        (charms / name / "hooks").mkdir(parents=True)
        meta = f"name: {name}\n{role}:\n  x:\n    interface: i\n"
        meta += f"peers:\n  p:\n    interface: {name}-p\n"
        (charms / name / "metadata.yaml").write_text(meta)
    (charms / "a" / "config.yaml").write_text("options:\n  n:\n    type: int\n")
    with Model(root / "model") as model:
        model.deploy(charms / "a", num_units=2)
        model.deploy(charms / "b")
        _check(model)
        for op, app, n in ops:
            _apply(model, op, app, n)
            _check(model)
