"""The Endpoint API in hooks (main() on fake hook tools): flags, data, departures, writes."""

from __future__ import annotations

import hashlib
import json
import sys

import pytest

from charms.reactive import Endpoint, flags, main, trace
from charms.reactive.endpoints import LeadershipError

IFACE = "hooks/relations/mysql/"
REQUIRES = """
from charmhelpers.core import unitdata
from charms.reactive import Endpoint, when, when_not, set_flag

LOG = []


class MysqlRequires(Endpoint):
    @when("endpoint.{endpoint_name}.joined")
    def joined(self):
        LOG.append(("joined", self.endpoint_name))

    @when("config.never")
    def never(self):
        pass

    def manage_flags(self):
        LOG.append(("manage_flags", self.endpoint_name))

    def hosts(self):
        return [u.received_raw["host"] for u in self.all_joined_units]
"""


@pytest.fixture
def iface(write):
    write(IFACE + "interface.yaml", "name: mysql\nsummary: test\n")
    write(IFACE + "__init__.py", "")
    write(IFACE + "requires.py", REQUIRES)


def log():
    return sys.modules["relations.mysql.requires"].LOG


def hook(hook_runtime, name, rid="db:1", unit=None, app=None):
    env = {"relation": rid.split(":")[0], "relation_id": rid}
    if unit:
        env["remote_unit"] = unit
    if app or unit:
        env["remote_app"] = app or unit.split("/")[0]
    return hook_runtime(f"{rid.split(':')[0]}-relation-{name}", **env)


def counts(tools):
    out: dict[str, int] = {}
    for tool, _ in tools.calls:
        out[tool] = out.get(tool, 0) + 1
    out.pop("juju-log", None)
    return out


def set_flags(hook_runtime):
    hook_runtime("update-status")
    return set(flags.get_flags())


@pytest.fixture
def joined(iface, tools, hook_runtime):
    """db:1 with mysql/0 (host, port) joined, as Juju runs it."""
    tools.ids = {"db": ["db:1"], "db2": []}
    tools.units = {"db:1": ["mysql/0"]}
    tools.bags = {"db:1": {"mysql/0": {"host": "h0", "port": "5432"}, "local/0": {}}}
    hook(hook_runtime, "joined", unit="mysql/0")
    main()
    return tools


def test_joined_sets_the_flags_and_reads_only_the_remote_units_bag(joined, hook_runtime):
    assert counts(joined) == {"relation-ids": 1, "relation-list": 1, "relation-get": 1}
    assert set_flags(hook_runtime) >= {
        "endpoint.db.joined",
        "endpoint.db.changed",
        "endpoint.db.changed.host",
        "endpoint.db.changed.port",
    }
    assert ("joined", "db") in log()
    assert ("joined", "db2") not in log()  # a handler per relation; db2 is not joined


def test_change_hashes_keep_the_1x_keys_and_digests(joined, hook_runtime):
    rt = hook_runtime("update-status")
    digest = hashlib.md5(json.dumps("h0", sort_keys=True).encode()).hexdigest()
    assert rt.kv.get("reactive.data_changed.endpoint.db.db:1.mysql/0.host") == digest


def test_only_changed_and_removed_keys_set_changed_flags(joined, hook_runtime):
    rt = hook_runtime("update-status")
    for flag in ("endpoint.db.changed", "endpoint.db.changed.host", "endpoint.db.changed.port"):
        flags.clear_flag(flag)
    rt.commit()
    joined.bags["db:1"]["mysql/0"] = {"host": "h0", "user": "u"}  # port removed, user added
    hook(hook_runtime, "changed", unit="mysql/0")
    main()

    now = set_flags(hook_runtime)
    assert {"endpoint.db.changed.user", "endpoint.db.changed.port"} <= now  # removed: a change
    assert "endpoint.db.changed.host" not in now


def test_a_hook_of_nothing_relational_asks_juju_nothing(joined, hook_runtime):
    joined.calls.clear()
    log().clear()
    hook_runtime("update-status")
    main()

    assert counts(joined) == {}
    assert ("manage_flags", "db") in log()  # every hook (1.x skipped it once joined)


def test_departure_records_the_unit_sets_departed_and_forgets_its_hashes(joined, hook_runtime):
    joined.units["db:1"] = []  # Juju leaves the departing unit out of relation-list
    hook(hook_runtime, "departed", unit="mysql/0")
    main()

    rt = hook_runtime("update-status")
    now = set(flags.get_flags())
    assert "endpoint.db.departed" in now
    assert "endpoint.db.joined" not in now
    assert rt.kv.getrange("reactive.data_changed.endpoint.db.") == {}
    assert rt.kv.get("reactive.endpoints.departed.db") == [
        {"relation": "db:1", "unit_name": "mysql/0", "data": {"host": "h0", "port": "5432"}}
    ]
    departed = Endpoint.from_name("db").all_departed_units
    assert departed.keys() == ["mysql/0"]
    assert departed["mysql/0"].received["port"] == 5432


def test_broken_relation_is_there_in_its_broken_hook_on_juju_3_4(iface, tools, hook_runtime):
    tools.ids = {"db": [], "db2": []}  # Juju >= 3.4 leaves the broken id out
    tools.units = {"db:1": []}
    tools.bags = {"db:1": {"local/0": {}}}
    hook(hook_runtime, "broken")
    endpoint = Endpoint.from_name("db")

    assert endpoint.relations.keys() == ["db:1"]
    assert len(endpoint.relations["db:1"].joined_units) == 0
    assert not endpoint.is_joined


def test_each_relation_of_an_interface_gets_its_own_endpoint(joined, hook_runtime):
    joined.ids["db2"] = ["db2:3"]
    joined.units["db2:3"] = ["other/0"]
    joined.bags["db2:3"] = {"other/0": {"host": "o"}}
    log().clear()
    hook(hook_runtime, "joined", rid="db2:3", unit="other/0")
    main()

    assert ("joined", "db") in log()
    assert ("joined", "db2") in log()
    assert Endpoint.from_name("db") is not Endpoint.from_name("db2")
    assert Endpoint.from_name("db2").hosts() == ["o"]


def test_writes_are_sent_once_at_the_end_and_only_when_changed(joined, hook_runtime):
    hook_runtime("update-status")
    rel = Endpoint.from_name("db").relations["db:1"]
    rel.to_publish_raw["user"] = "me"
    rel.to_publish["port"] = 5432
    joined.calls.clear()
    main()
    sets = [args for tool, args in joined.calls if tool == "relation-set"]
    assert sets == [("db:1", {"port": "5432", "user": "me"}, False)]

    hook_runtime("update-status")
    rel = Endpoint.from_name("db").relations["db:1"]
    assert rel.to_publish_raw["user"] == "me"  # read: the bag is known, so no-op writes go
    rel.to_publish_raw["user"] = "me"
    joined.calls.clear()
    main()
    assert [c for c in joined.calls if c[0] == "relation-set"] == []


def test_only_the_leader_may_write_the_application_bag(joined, hook_runtime):
    joined.leader = False
    hook_runtime("update-status")
    rel = Endpoint.from_name("db").relations["db:1"]

    with pytest.raises(LeadershipError, match=r"endpoint 'db', relation db:1: only the leader"):
        rel.to_publish_app["x"] = 1


def test_an_application_bag_change_sets_the_app_flags(joined, hook_runtime):
    joined.bags["db:1"]["mysql"] = {"cluster": '{"size": 3}'}
    hook(hook_runtime, "changed", app="mysql")
    main()

    now = set_flags(hook_runtime)
    assert {"endpoint.db.app.changed", "endpoint.db.app.changed.cluster"} <= now
    hook_runtime("update-status")
    assert Endpoint.from_name("db").relations["db:1"].received_app["cluster"] == {"size": 3}


def test_from_name_works_outside_main_and_from_flag_needs_a_set_flag(joined, hook_runtime):
    hook_runtime("update-status")  # an action: no main(), nothing built beforehand
    endpoint = Endpoint.from_name("db")
    assert endpoint.hosts() == ["h0"]
    assert Endpoint.from_flag("endpoint.db.joined") is endpoint
    assert Endpoint.from_flag("endpoint.db.nope") is None
    assert Endpoint.from_name("website") is None  # not an Endpoint relation here


def test_expand_name():
    endpoint = Endpoint("db")
    assert endpoint.expand_name("changed") == "endpoint.db.changed"
    assert endpoint.expand_name("{endpoint_name}.available") == "db.available"
    assert endpoint.expand_name("x.{foo}") == "endpoint.db.x.{foo}"


def test_writes_to_a_relation_in_its_broken_hook_are_noted_not_sent(joined, hook_runtime, write):
    write(
        "reactive/bye.py",
        """
        from charms.reactive import Endpoint, hook
        @hook("db-relation-broken")
        def bye():
            Endpoint.from_name("db").relations["db:1"].to_publish_raw["bye"] = "1"
        """,
    )
    joined.units["db:1"] = []
    rt = hook(hook_runtime, "broken")
    joined.calls.clear()
    main()

    assert [c for c in joined.calls if c[0] == "relation-set"] == []
    assert "not sent to db:1 (being broken): bye" in trace.load_trace(rt)["notes"]


HTTP_PROVIDES = """
from charms.reactive import RelationBase, hook, scopes


class HttpProvides(RelationBase):
    scope = scopes.UNIT

    @hook("{provides:http}-relation-joined")
    def joined(self):
        self.conversation().set_state("{relation_name}.connected")

    def answer(self, port):
        for conv in self.conversations():
            conv.set_remote("port", port)
"""

MIXED = """
from charms.reactive import endpoint_from_flag, endpoint_from_name, when

SEEN = []


@when("endpoint.db.changed")
def first():
    db = endpoint_from_flag("endpoint.db.changed")
    SEEN.append(("db", type(db).__name__, db.hosts()))
    db.relations["db:1"].to_publish["config"] = {"a": 1}


@when("endpoint.db.changed")
def second():
    db = endpoint_from_name("db")
    SEEN.append(("again", db.hosts()))
    db.relations["db:1"].to_publish_raw["user"] = "me"
    website = endpoint_from_name("website")
    SEEN.append(("website", type(website).__name__))
    website.answer("8080")
"""


def test_one_charm_both_apis_one_read_per_bag_one_write_per_relation_id(
    iface, tools, hook_runtime, write
):
    write("hooks/relations/http/interface.yaml", "name: http\nsummary: test\n")
    write("hooks/relations/http/__init__.py", "")
    write("hooks/relations/http/provides.py", HTTP_PROVIDES)
    write("reactive/mixed.py", MIXED)
    tools.ids = {"db": ["db:1"], "db2": [], "website": ["website:2"]}
    tools.units = {"db:1": ["mysql/0"], "website:2": ["proxy/0"]}
    tools.bags = {"db:1": {"mysql/0": {"host": "h0"}}, "website:2": {"proxy/0": {}}}
    hook_runtime("website-relation-joined", relation="website", relation_id="website:2",
                 remote_unit="proxy/0", remote_app="proxy")  # fmt: skip
    main()
    tools.calls.clear()

    hook(hook_runtime, "changed", unit="mysql/0")
    main()

    seen = sys.modules["reactive.mixed"].SEEN
    assert seen == [
        ("db", "MysqlRequires", ["h0"]),
        ("again", ["h0"]),
        ("website", "HttpProvides"),
    ]
    gets = [args for tool, args in tools.calls if tool == "relation-get"]
    assert gets == [("db:1", "mysql/0")]  # the change check's read serves both handlers
    sets = [args for tool, args in tools.calls if tool == "relation-set"]
    assert sorted(sets) == [
        ("db:1", {"config": '{"a": 1}', "user": "me"}, False),  # two handlers, one write
        ("website:2", {"port": "8080"}, False),
    ]


SELF_BINDING = """
from charms.reactive import Endpoint as Base
from charms.reactive import when

LOG = []


class MysqlRequires(Base):
    @when("plain.flag")  # no endpoint flag: 1.x gave this method no self (#184)
    def go(self):
        LOG.append(self.endpoint_name)
"""


def test_an_endpoint_method_gets_self_whatever_its_flags_and_imports(tools, hook_runtime, write):
    write(IFACE + "interface.yaml", "name: mysql\nsummary: test\n")
    write(IFACE + "__init__.py", "")
    write(IFACE + "requires.py", SELF_BINDING)
    write("reactive/setup.py", 'from charms.reactive import hook, set_flag\n'
          '@hook("install")\ndef install():\n    set_flag("plain.flag")\n')  # fmt: skip
    tools.ids = {"db": [], "db2": []}
    hook_runtime("install")
    main()

    assert sorted(sys.modules["relations.mysql.requires"].LOG) == ["db", "db2"]


def test_an_error_in_an_endpoint_module_propagates_as_itself(tools, hook_runtime, write):
    write(IFACE + "interface.yaml", "name: mysql\nsummary: test\n")
    write(IFACE + "__init__.py", "")
    write(IFACE + "requires.py", "raise RuntimeError('broken layer: mysql')\n")
    hook_runtime("update-status")

    with pytest.raises(RuntimeError, match="broken layer: mysql"):
        Endpoint.from_name("db")


def test_the_remote_app_bag_is_read_without_units_never_the_local_one(iface, tools, hook_runtime):
    tools.ids = {"db": ["db:1"], "db2": []}
    tools.units = {"db:1": []}
    tools.bags = {"db:1": {"mysql": {"mode": "ha"}, "local": {"mode": "LOCAL"}}}
    hook(hook_runtime, "changed", app="mysql")  # an app-bag change before any unit joined
    main()

    hook_runtime("update-status")  # no JUJU_REMOTE_APP: the app seen on db:1 is remembered
    relation = Endpoint.from_name("db").relations["db:1"]
    assert relation.application_name == "mysql"
    assert relation.received_app_raw["mode"] == "ha"
    assert ("relation-get", ("db:1", "--app", "mysql")) in tools.calls
