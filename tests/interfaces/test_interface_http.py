"""interfaces/http through the emulator: provides is GLOBAL, requires is UNIT."""

from __future__ import annotations

import pytest

WEBSITE = """
from charms.reactive import when


@when("website.available")
def configure(website):
    website.configure(port=8080)
"""

WEBSITE_WITH_HOSTNAME = """
from charms.reactive import when


@when("website.available")
def configure(website):
    website.configure(port=8443, hostname="web.example")
"""

PROXY = """
from charms.reactive import when, when_not


@when("backend.available")
def backends(backend):
    record("services", backend.services())


@when_not("backend.available")
def none():
    record("services", None)
"""


@pytest.fixture
def site_and_proxy(model, make_charm):
    model.deploy(make_charm("site", WEBSITE, provides={"website": "http"}), num_units=2)
    model.deploy(make_charm("proxy", PROXY, requires={"backend": "http"}), num_units=2)
    relation = model.relate("proxy:backend", "site:website")
    return model, relation


def test_proxy_sees_every_website_unit(site_and_proxy, seen):
    model, relation = site_and_proxy
    addresses = [model.relation_data(relation, f"site/{n}")["private-address"] for n in (0, 1)]
    for unit in ("proxy/0", "proxy/1"):
        assert "backend.available" in model.unit(unit).flags
        assert seen(unit)["services"] == [
            {
                "service_name": "site",
                "hosts": [{"hostname": address, "port": "8080"} for address in addresses],
            }
        ]


def test_provides_side_is_one_global_conversation(site_and_proxy, conversations):
    model, _ = site_and_proxy
    for unit in ("site/0", "site/1"):
        assert "website.available" in model.unit(unit).flags
        assert conversations(unit) == {"website.global": ["proxy/0", "proxy/1"]}


def test_requires_side_is_one_conversation_per_website_unit(site_and_proxy, conversations):
    _, relation = site_and_proxy
    assert conversations("proxy/0") == {
        f"backend:{relation.id}.site/0": ["site/0"],
        f"backend:{relation.id}.site/1": ["site/1"],
    }


def test_configure_publishes_port_to_the_relation(site_and_proxy):
    model, relation = site_and_proxy
    assert model.relation_data(relation, "site/0")["port"] == "8080"
    assert "hostname" not in model.relation_data(relation, "site/0")


def test_a_departing_website_unit_leaves_the_services(site_and_proxy, seen, conversations):
    model, relation = site_and_proxy
    model.remove_unit("site/1")
    hosts = seen("proxy/0")["services"][0]["hosts"]
    assert len(hosts) == 1
    assert conversations("proxy/0") == {f"backend:{relation.id}.site/0": ["site/0"]}


def test_unrelating_clears_both_sides(site_and_proxy, seen):
    model, relation = site_and_proxy
    model.unrelate(relation)
    assert "backend.available" not in model.unit("proxy/0").flags
    assert seen("proxy/0")["services"] is None
    assert "website.available" not in model.unit("site/0").flags


def test_website_stays_available_while_another_proxy_remains(model, make_charm):
    model.deploy(make_charm("site", WEBSITE, provides={"website": "http"}))
    proxy = make_charm("proxy", PROXY, requires={"backend": "http"})
    model.deploy(proxy, "edge")
    model.deploy(proxy, "inner")
    first = model.relate("edge:backend", "site:website")
    model.relate("inner:backend", "site:website")
    model.unrelate(first)
    assert "website.available" in model.unit("site/0").flags


def test_explicit_hostname_is_sent(model, make_charm, seen):
    model.deploy(make_charm("site", WEBSITE_WITH_HOSTNAME, provides={"website": "http"}))
    model.deploy(make_charm("proxy", PROXY, requires={"backend": "http"}))
    model.relate("proxy:backend", "site:website")
    assert seen("proxy/0")["services"] == [
        {"service_name": "site", "hosts": [{"hostname": "web.example", "port": "8443"}]}
    ]
