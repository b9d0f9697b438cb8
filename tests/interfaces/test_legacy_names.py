"""2015-era layers: ``charmhelpers.core.reactive`` in handlers and in an interface layer."""

from __future__ import annotations

OLD_SITE = """
from charmhelpers.core.reactive import set_state, when


@when("website.available")
def configure(website):
    website.configure(port=8080)
    set_state("site.configured")
"""

OLD_PROXY = """
from charmhelpers.core.reactive import when
from charmhelpers.core.reactive.bus import get_states


@when("backend.available")
def backends(backend):
    record("services", backend.services())
    record("flags", sorted(get_states()))
"""


def test_layers_importing_charmhelpers_core_reactive_run_unchanged(model, make_charm, seen):
    proxy = make_charm("proxy", OLD_PROXY, requires={"backend": "http"})
    requires = proxy / "hooks" / "relations" / "http" / "requires.py"
    text = requires.read_text()
    assert "from charms.reactive" in text
    requires.write_text(text.replace("from charms.reactive", "from charmhelpers.core.reactive"))
    model.deploy(make_charm("site", OLD_SITE, provides={"website": "http"}))
    model.deploy(proxy)
    relation = model.relate("proxy:backend", "site:website")

    assert "site.configured" in model.unit("site/0").flags
    address = model.relation_data(relation, "site/0")["private-address"]
    assert seen("proxy/0")["services"] == [
        {"service_name": "site", "hosts": [{"hostname": address, "port": "8080"}]}
    ]
    assert "backend.available" in seen("proxy/0")["flags"]
    assert all(r.exit_code == 0 for u in ("site/0", "proxy/0") for r in model.unit(u).records)
