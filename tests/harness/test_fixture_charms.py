"""Both sides real: a bash-hook provider (2 units) and a Python-hook requirer (3 units)."""

from __future__ import annotations

import pytest

from helpers.harness import PROVIDER, REQUIRER


def test_deploy_relate_scale_unrelate_story(model):
    web = model.deploy(PROVIDER, "web", num_units=2, config={"port": 8080})
    req = model.deploy(REQUIRER, num_units=3)
    assert [u.status.message for u in web.units] == ["serving on 8080"] * 2
    assert [u.opened_ports for u in web.units] == [["8080/tcp"]] * 2
    assert web.units[0].workload_version == "1.0"
    assert web.leader_settings == {"leader": "web/0"}
    # Peers saw each other.
    assert model.relation_data(0, "web/0")["seen-web-1"] == "yes"

    rel = model.relate("web", "requirer")
    addresses = sorted(
        f"{model.relation_data(rel, u)['hostname']}:8080" for u in ("web/0", "web/1")
    )
    for unit in req.units:
        assert unit.data(rel)["backends"] == ",".join(addresses)
        assert unit.status.message == "2 backends, service web"
    assert rel.data("web") == {"service": "web"}

    (new,) = model.add_unit("requirer")
    assert new.data(rel)["backends"] == ",".join(addresses)

    model.remove_unit("web/1")
    assert req.units[2].status.message == "1 backends, service web"
    assert "web/1" not in [u.name for u in web.units]

    model.unrelate(rel)
    assert [u.status for u in req.units] == [req.units[0].status] * 4
    assert req.units[0].status.status == "blocked"
    assert not any(r.failed for r in model.records)
    counts = sum(
        (r.tool_counts for r in model.records), start=type(model.records[0].tool_counts)()
    )
    assert counts["relation-get"] > 0
    assert counts["relation-set"] > 0


def test_failure_in_a_python_hook_is_reported_and_retried(tmp_path):
    from reactive_harness import HookFailedError, Model

    with Model(tmp_path / "m") as model:
        model.deploy(PROVIDER, "web")
        model.deploy(REQUIRER, config={"fail-hook": "website-relation-changed"})
        with pytest.raises(HookFailedError, match="failing website-relation-changed on purpose"):
            model.relate("web", "requirer")
        unit = model.unit("requirer/0")
        assert "backends" not in model.relation_data(1, "requirer/0")
        model.set_config("requirer", {"fail-hook": None}, settle=False)
        model.retry(unit)
        assert model.relation_data(1, "requirer/0")["backends"].endswith(":80")
