"""End to end: the built examples deployed and related in the emulator (reactive_harness).

Each hook is the generated one: it bootstraps the venv from the charm's wheelhouse (offline),
then runs charms.reactive.main() with the charm's handlers and interface layers.
"""

from __future__ import annotations

import json
import shutil

import pytest

from reactive_harness import Model

pytestmark = [pytest.mark.build, pytest.mark.e2e]


@pytest.fixture
def model(venv_cache):
    with Model(share_venv=True, cache_dir=venv_cache) as m:
        yield m


def read(unit, name):
    return (unit.charm_dir / name).read_text()


def test_install_hook_bootstraps_the_venv_offline(built, tmp_path):
    with Model(root=tmp_path / "model") as m:
        m.deploy(built["ring"])
        unit = m.unit("ring/0")
        install = next(r for r in unit.records if r.hook == "install")
        assert install.exit_code == 0, install.stderr
        venv = unit.charm_dir.parent / ".venv"
        marker = json.loads((venv / ".reactive-bootstrap.json").read_text())
        wheelhouse = sorted(p.name for p in (unit.charm_dir / "wheelhouse").iterdir())
        assert sorted(marker["wheelhouse"]) == wheelhouse
        assert list(venv.glob("lib/python3*/site-packages/charmhelpers"))
        assert all(r.exit_code == 0 for r in unit.records)


def test_webapp_gets_its_own_database_and_the_proxy_sees_every_backend(built, model):
    model.deploy(built["webapp"], num_units=2)
    model.deploy(built["db"])
    model.deploy(built["proxy"])
    model.relate("webapp:database", "db:db")
    model.relate("proxy:backend", "webapp:website")

    for name in ("webapp/0", "webapp/1"):
        unit = model.unit(name)
        assert {"webapp.configured", "database.available", "website.available"} <= unit.flags
        assert "@" in read(unit, "webapp.conf")
        assert "/webapp" in read(unit, "webapp.conf")
    proxy = model.unit("proxy/0")
    assert "backend.available" in proxy.flags
    conf = read(proxy, "proxy.conf").splitlines()
    assert conf[0] == "listen 80"
    assert conf[1] == "upstream webapp"
    assert len([line for line in conf if line.startswith("  server ")]) == 2
    assert "db.database.requested" not in model.unit("db/0").flags


def test_a_second_client_application_gets_other_credentials(built, model):
    model.deploy(built["db"])
    model.deploy(built["webapp"], "shop")
    model.deploy(built["webapp"], "blog")
    model.relate("shop:database", "db:db")
    model.relate("blog:database", "db:db")
    shop = read(model.unit("shop/0"), "webapp.conf")
    blog = read(model.unit("blog/0"), "webapp.conf")
    assert shop != blog
    assert "shop:" in shop
    assert "blog:" in blog


def test_proxy_forgets_backends_that_leave(built, model):
    model.deploy(built["webapp"])
    model.deploy(built["proxy"])
    relation = model.relate("proxy:backend", "webapp:website")
    assert "proxy.configured" in model.unit("proxy/0").flags
    model.unrelate(relation)
    proxy = model.unit("proxy/0")
    assert "backend.available" not in proxy.flags
    assert "proxy.configured" not in proxy.flags
    assert not (proxy.charm_dir / "proxy.conf").exists()


def test_ring_tracks_membership_over_the_peer_relation(built, model):
    model.deploy(built["ring"], num_units=3)
    members = read(model.unit("ring/0"), "members.txt").splitlines()
    assert members == ["ring/1 ring-1.local", "ring/2 ring-2.local"]
    model.remove_unit("ring/2")
    assert read(model.unit("ring/0"), "members.txt").splitlines() == ["ring/1 ring-1.local"]
    assert "cluster.departed" not in model.unit("ring/0").flags


def test_bash_handler_runs_through_charms_reactive_sh(built, model):
    pytest.importorskip("charms.reactive.cli", reason="the charms.reactive CLI is not written yet")
    model.deploy(built["webapp"])
    model.deploy(built["proxy"])
    model.relate("proxy:backend", "webapp:website")
    proxy = model.unit("proxy/0")
    assert "proxy.announced" in proxy.flags
    assert any("serving 1 backend application" in line.message for line in proxy.log)


def test_upgrade_charm_with_a_new_wheelhouse_rebuilds_the_venv(built, tmp_path, make_wheel):
    new = tmp_path / "ring-v2"
    shutil.copytree(built["ring"], new)
    make_wheel(new / "wheelhouse", "tinypkg")
    with Model(root=tmp_path / "model") as m:
        m.deploy(built["ring"])
        m.upgrade_charm("ring", new)
        unit = m.unit("ring/0")
        assert all(r.exit_code == 0 for r in unit.records)
        venv = unit.charm_dir.parent / ".venv"
        marker = json.loads((venv / ".reactive-bootstrap.json").read_text())
        assert "tinypkg-1.0-py3-none-any.whl" in marker["wheelhouse"]
        assert list(venv.glob("lib/python3*/site-packages/tinypkg.py"))
