"""Subordinate charms: container-scoped relations, the implicit ``juju-info`` endpoint, and
subordinate units that come and go with their principals (juju ``hook.md``, state rules)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from helpers.harness import run
from reactive_harness import Model
from reactive_harness.errors import CharmError, HarnessError, InterfaceMismatchError


def subordinate(make_charm: Callable[..., Path], name: str = "sub", **eps: object) -> Path:
    """A hook-less subordinate charm requiring ``juju-info`` with container scope."""
    charm = make_charm(name, **eps)
    meta = yaml.safe_load((charm / "metadata.yaml").read_text())
    meta["subordinate"] = True
    meta.setdefault("requires", {})["juju-info"] = {
        "interface": "juju-info",
        "scope": "container",
    }
    (charm / "metadata.yaml").write_text(yaml.safe_dump(meta))
    return charm


def hooks_of(model: Model, unit: str, since: int = 0) -> list[str]:
    return [r.hook for r in model.records[since:] if r.unit == unit]


@pytest.fixture
def principal_and_sub(model: Model, make_charm: Callable[..., Path]) -> Model:
    model.deploy(make_charm("web", peers={"cluster": "web-peer"}), num_units=2)
    model.deploy(subordinate(make_charm))
    return model


def test_a_subordinate_has_no_unit_until_related(principal_and_sub):
    model = principal_and_sub
    assert model.app("sub").units == []
    assert not any(r.unit.startswith("sub/") for r in model.records)


def test_relating_gives_one_subordinate_unit_per_principal_unit(principal_and_sub):
    model = principal_and_sub
    rel = model.relate("sub:juju-info", "web:juju-info")

    assert [u.name for u in model.app("sub").units] == ["sub/0", "sub/1"]
    principals = {u.name: u.principal.name for u in model.app("sub").units if u.principal}
    assert principals == {"sub/0": "web/0", "sub/1": "web/1"}
    assert [s.name for s in model.unit("web/1").subordinates] == ["sub/1"]
    assert model.unit("sub/0").is_leader
    assert rel.interface == "juju-info"
    # The subordinate unit is created once its principal entered the relation's scope.
    seq = [(r.unit, r.hook) for r in model.records]
    assert seq.index(("web/0", "juju-info-relation-created")) < seq.index(("sub/0", "install"))
    assert hooks_of(model, "sub/0") == [
        "install",
        "juju-info-relation-created",
        "leader-elected",
        "config-changed",
        "start",
        "juju-info-relation-joined",
        "juju-info-relation-changed",
    ]
    assert hooks_of(model, "sub/1")[2] == "leader-settings-changed"


def test_container_relation_hooks_only_between_co_located_units(principal_and_sub):
    model = principal_and_sub
    model.relate("sub", "web")  # the implicit juju-info endpoint is the only fit

    joined = [
        (r.unit, r.env["JUJU_REMOTE_UNIT"])
        for r in model.records
        if r.hook == "juju-info-relation-joined"
    ]
    assert sorted(joined) == [
        ("sub/0", "web/0"),
        ("sub/1", "web/1"),
        ("web/0", "sub/0"),
        ("web/1", "sub/1"),
    ]
    assert run(model, "web/1", "relation-list -r juju-info:1") == (0, "sub/1\n", "")
    assert run(model, "sub/0", "relation-list -r juju-info:1") == (0, "web/0\n", "")
    assert run(model, "web/0", "relation-get -r juju-info:1 - sub/1")[0:3:2] == (
        1,
        "ERROR permission denied\n",
    )
    assert run(model, "web/0", "relation-get -r 1 ingress-address sub/0")[1] == "10.1.0.2\n"


def test_subordinate_environment(principal_and_sub):
    model = principal_and_sub
    model.relate("sub:juju-info", "web:juju-info")
    env = model.exec("sub/1", "true").env
    assert env["JUJU_PRINCIPAL_UNIT"] == "web/1"
    assert env["JUJU_MACHINE_ID"] == model.exec("web/1", "true").env["JUJU_MACHINE_ID"]
    assert model.exec("web/1", "true").env["JUJU_PRINCIPAL_UNIT"] == ""
    assert run(model, "sub/1", "unit-get private-address") == (0, "10.1.0.3\n", "")


def test_adding_a_principal_unit_adds_its_subordinate(principal_and_sub):
    model = principal_and_sub
    model.relate("sub:juju-info", "web:juju-info")
    model.add_unit("web")
    assert model.unit("web/2").subordinates == [model.unit("sub/2")]
    assert run(model, "web/2", "relation-list -r 1") == (0, "sub/2\n", "")


def test_removing_the_principal_removes_its_subordinate(principal_and_sub):
    model = principal_and_sub
    model.relate("sub:juju-info", "web:juju-info")
    start = len(model.records)
    model.remove_unit("web/0")

    assert hooks_of(model, "sub/0", start) == [
        "juju-info-relation-departed",
        "juju-info-relation-broken",
        "stop",
        "remove",
    ]
    assert [h for h in hooks_of(model, "web/0", start) if "cluster" not in h] == [
        "juju-info-relation-departed",
        "juju-info-relation-broken",
        "stop",
        "remove",
    ]
    departed = [r for r in model.records[start:] if r.hook.endswith("-departed")]
    assert {(r.unit, r.env["JUJU_REMOTE_UNIT"]) for r in departed} >= {
        ("sub/0", "web/0"),
        ("web/0", "sub/0"),
    }
    assert model.unit("sub/1").subordinates == []
    assert [u.name for u in model.app("sub").units] == ["sub/1"]
    assert model.unit("sub/1").is_leader  # the old leader went with web/0
    assert not any(r.unit == "web/1" for r in departed if "juju-info" in r.hook)


def test_unrelating_the_last_container_relation_removes_the_subordinates(principal_and_sub):
    model = principal_and_sub
    model.relate("sub:juju-info", "web:juju-info")
    start = len(model.records)
    model.unrelate("sub web")

    for unit in ("sub/0", "sub/1"):
        assert hooks_of(model, unit, start) == [
            "juju-info-relation-departed",
            "juju-info-relation-broken",
            "stop",
            "remove",
        ]
    assert hooks_of(model, "web/0", start) == [
        "juju-info-relation-departed",
        "juju-info-relation-broken",
    ]
    assert model.app("sub").units == []
    # Relating again brings new units.
    model.relate("sub:juju-info", "web:juju-info")
    assert [u.name for u in model.app("sub").units] == ["sub/2", "sub/3"]


def test_a_subordinate_with_two_principals(principal_and_sub, make_charm):
    model = principal_and_sub
    model.deploy(make_charm("db"))
    model.relate("sub:juju-info", "web:juju-info")
    model.relate("sub:juju-info", "db:juju-info")

    assert model.unit("db/0").subordinates == [model.unit("sub/2")]
    # sub/0 (on web/0) takes no part in the db relation at all.
    assert run(model, "sub/0", "relation-ids juju-info") == (0, "juju-info:1\n", "")
    assert run(model, "sub/2", "relation-ids juju-info") == (0, "juju-info:2\n", "")
    model.unrelate("sub db")
    assert [u.name for u in model.app("sub").units] == ["sub/0", "sub/1"]


def test_explicit_endpoints_win_over_juju_info(model, make_charm):
    model.deploy(make_charm("web", provides={"logs": "juju-info"}))
    model.deploy(subordinate(make_charm))
    rel = model.relate("sub", "web")
    assert rel.endpoints == ["sub:juju-info", "web:logs"]


def test_a_global_relation_with_a_subordinate_reaches_every_unit(principal_and_sub, make_charm):
    model = principal_and_sub
    model.deploy(make_charm("mon", provides={"metrics": "prom"}), num_units=1)
    charm = subordinate(make_charm, "agent", requires={"metrics": "prom"})
    model.deploy(charm)
    model.relate("agent:juju-info", "web:juju-info")
    model.relate("agent:metrics", "mon:metrics")
    assert run(model, "mon/0", "relation-list -r 2") == (0, "agent/0\nagent/1\n", "")
    assert run(model, "agent/1", "relation-list -r 2") == (0, "mon/0\n", "")


def test_bad_subordinate_use_is_refused(principal_and_sub, make_charm):
    model = principal_and_sub
    with pytest.raises(HarnessError, match="cannot use --num-units or --to with subordinate"):
        model.deploy(subordinate(make_charm, "other"), num_units=2)
    with pytest.raises(HarnessError, match="cannot directly add units to subordinate"):
        model.add_unit("sub")
    model.relate("sub:juju-info", "web:juju-info")
    with pytest.raises(HarnessError, match="is a subordinate; remove its principal"):
        model.remove_unit("sub/0")


def test_container_relation_between_principals_is_refused(model, make_charm):
    model.deploy(make_charm("web"))
    charm = make_charm("logger")
    meta = yaml.safe_load((charm / "metadata.yaml").read_text())
    meta["requires"] = {"host": {"interface": "juju-info", "scope": "container"}}
    (charm / "metadata.yaml").write_text(yaml.safe_dump(meta))
    model.deploy(charm)
    with pytest.raises(InterfaceMismatchError) as err:
        model.relate("logger:host", "web:juju-info")
    assert str(err.value) == (
        'cannot add relation "logger:host web:juju-info": container scoped relation requires '
        "at least one subordinate application"
    )


def test_subordinate_without_container_relation_is_refused(model, make_charm):
    charm = make_charm("sub")
    (charm / "metadata.yaml").write_text("name: sub\nsubordinate: true\n")
    with pytest.raises(CharmError, match='subordinate charm "sub" lacks "requires" relation'):
        model.deploy(charm)
