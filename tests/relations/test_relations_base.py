"""RelationBase, AutoAccessors, the class lookup, endpoint_from_*, relation_call."""

from __future__ import annotations

import json

import pytest

from charms.reactive import flags, relations
from charms.reactive._conversations import Conversation, scopes
from charms.reactive._relation_lookup import RelationFactory, lookup
from charms.reactive.errors import (
    AmbiguousConversationError,
    ConversationNotFoundError,
    RelationImplementationError,
    RelationNotFoundError,
)
from charms.reactive.relations import RelationBase, relation_call

# --- AutoAccessors --------------------------------------------------------------------------


class Fields(RelationBase):
    auto_accessors = ["field-one", "field_two"]  # noqa: RUF012 -- the 1.x idiom

    def field_one(self):
        return "replaced by the accessor"

    def get_remote(self, key, default=None, scope=None):
        return ("get_remote", key, default, scope)


class MoreFields(Fields):
    auto_accessors = ["three"]  # noqa: RUF012


def test_auto_accessors_are_named_documented_and_call_get_remote_with_the_dashed_name():
    accessor = Fields.field_one
    assert accessor.__name__ == "field_one"
    assert accessor.__qualname__ == "Fields.field_one"
    assert accessor.__doc__ == "Get the field-one, if available, or None."
    assert accessor.__module__ == __name__
    instance = Fields("db", [])
    assert instance.field_one() == ("get_remote", "field-one", None, None)
    assert instance.field_two() == ("get_remote", "field_two", None, None)


def test_auto_accessors_are_inherited_and_only_the_class_body_list_is_processed():
    assert "field_one" not in vars(MoreFields)
    assert MoreFields("db", []).three() == ("get_remote", "three", None, None)
    assert MoreFields("db", []).field_one() == ("get_remote", "field-one", None, None)


def test_relation_base_defaults():
    assert RelationBase.scope == scopes.UNIT
    assert RelationBase.auto_accessors == []
    assert isinstance(RelationBase, relations.AutoAccessors)
    assert issubclass(RelationBase, RelationFactory)


def test_relation_factory_methods_are_abstract():
    with pytest.raises(NotImplementedError):
        RelationFactory.from_name("db")
    with pytest.raises(NotImplementedError):
        RelationFactory.from_flag("db.x")


# --- from_name and the hook context ---------------------------------------------------------


def test_from_name_in_a_hook_of_the_relation_joins_the_remote_unit(charm):
    charm.relate("website:1", "web/0")
    with charm.hook("relation-joined", "website:1", "web/0"):
        rel = RelationBase.from_name("website")
        assert type(rel).__name__ == "HttpProvides"
        assert rel.relation_name == "website"
        assert [c.key for c in rel.conversations()] == ["reactive.conversations.website:1.web/0"]
        assert repr(rel) == "<HttpProvides website [reactive.conversations.website:1.web/0]>"
    assert list(charm.conversations()) == ["reactive.conversations.website:1.web/0"]


def test_from_name_outside_a_hook_of_the_relation_holds_all_its_conversations(charm):
    charm.relate("website:1", "web/0", "web/1")
    charm.relate("website:2", "blog/0")
    for rid, unit in [("website:1", "web/0"), ("website:1", "web/1"), ("website:2", "blog/0")]:
        with charm.hook("relation-joined", rid, unit):
            relations.endpoint_from_name("website")
    before = charm.stored()
    for hook, rid, unit in [("config-changed", None, None), ("relation-changed", "db:1", "m/0")]:
        charm.relate("db:1", "m/0")
        with charm.hook(hook, rid, unit, lifecycle=False):
            rel = relations.endpoint_from_name("website")
            assert [c.scope for c in rel.conversations()] == ["web/0", "web/1", "blog/0"]
            assert rel.hosts() == [("blog", None), ("web", None), ("web", None)]
    assert charm.stored() == before  # nothing stored outside a hook of the relation


def test_from_name_of_unknown_or_unimplemented_relations_is_none(charm):
    with charm.hook():
        assert RelationBase.from_name(None) is None
        assert RelationBase.from_name("nope") is None
        assert relations.endpoint_from_name(None) is None
        assert relations.endpoint_from_name("nope") is None
    charm.write("metadata.yaml", "name: x\nrequires:\n  juju-info: {interface: juju-info}\n")
    with charm.hook():
        assert relations.relation_factory("juju-info") is None


def test_from_name_with_explicit_conversations(charm):
    conv = Conversation("db", ["a/0"], "global")
    with charm.hook():
        assert RelationBase.from_name("db", [conv]).conversations() == [conv]
        assert RelationBase.from_name("db", []).conversations() == []


def test_class_lookup_is_cached_on_the_runtime(charm):
    charm.write(
        "hooks/relations/svc/provides.py",
        """
        from charms.reactive.relations import RelationBase, scopes
        import builtins
        builtins.IMPORTS = getattr(builtins, "IMPORTS", 0) + 1

        class SvcProvides(RelationBase):
            scope = scopes.SERVICE
        """,
    )
    import builtins

    builtins.IMPORTS = 0
    with charm.hook() as rt:
        first = relations.relation_factory("api")
        assert relations.relation_factory("api") is first
        assert lookup(rt) is lookup()
        assert lookup(rt).find("api") is first
    assert builtins.IMPORTS == 1
    del builtins.IMPORTS


def test_lookup_uses_an_interface_module_already_imported(charm):
    import sys
    import types

    module = types.ModuleType("relations.svc.provides")

    class Preloaded(RelationBase):
        pass

    Preloaded.__module__ = module.__name__
    module.Preloaded = Preloaded
    sys.modules[module.__name__] = module
    with charm.hook():
        assert relations.relation_factory("api") is Preloaded


def test_lookup_finds_peers_and_hyphenated_interfaces(charm):
    charm.write("metadata.yaml", "name: x\npeers:\n  ring: {interface: hyphen-ated}\n")
    charm.write(
        "hooks/relations/hyphen-ated/peers.py",
        """
        from charms.reactive.relations import RelationBase

        class Base(RelationBase):
            pass

        class Leaf(Base):
            pass
        """,
    )
    with charm.hook():
        assert relations.relation_factory("ring").__name__ == "Leaf"


def test_lookup_prefers_the_reactive_relations_module(charm):
    charm.write("metadata.yaml", "name: x\nprovides:\n  api: {interface: svc}\n")
    charm.write(
        "reactive/relations/svc/provides.py",
        """
        from charms.reactive.relations import RelationBase

        class FromReactive(RelationBase):
            pass
        """,
    )
    with charm.hook():
        assert relations.relation_factory("api").__name__ == "FromReactive"


def test_an_import_error_inside_an_interface_is_reported_as_itself(charm):
    charm.write("hooks/relations/svc/provides.py", "import no_such_module_here\n")
    with charm.hook(), pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        relations.endpoint_from_name("api")


def test_an_interface_with_two_classes_is_an_error_naming_them(charm):
    charm.write(
        "hooks/relations/svc/provides.py",
        """
        from charms.reactive.relations import RelationBase

        class One(RelationBase):
            pass

        class Two(RelationBase):
            pass
        """,
    )
    with charm.hook(), pytest.raises(RelationImplementationError, match=r"\(One, Two\)"):
        relations.endpoint_from_name("api")


def test_an_imported_class_does_not_compete_with_the_module_own(charm):
    charm.write(
        "hooks/relations/svc/provides.py",
        """
        from charms.reactive.relations import RelationBase
        from relations.peer.peers import PeerRelation

        class Own(RelationBase):
            pass
        """,
    )
    with charm.hook():
        assert relations.relation_factory("api").__name__ == "Own"


def test_an_interface_without_a_class_gives_none_and_a_warning(charm):
    charm.write("hooks/relations/svc/provides.py", "X = 1\n")
    with charm.hook():
        assert relations.endpoint_from_name("api") is None
    assert charm.tools.log[-1][0] == "WARNING"
    assert "defines no RelationBase subclass" in charm.tools.log[-1][1]


# --- conversation(): inference, errors, ambiguity -------------------------------------------


def test_conversation_inference_per_scope_in_a_hook(charm):
    charm.relate("website:1", "web/0")
    charm.relate("api:3", "cli/2")
    charm.relate("db:1", "mysql/0")
    charm.relate("cache:1", "mc/0")
    cases = [
        ("website:1", "web/0", "reactive.conversations.website:1.web/0"),
        ("api:3", "cli/2", "reactive.conversations.api:3.cli"),
        ("db:1", "mysql/0", "reactive.conversations.db.global"),
        ("cache:1", "mc/0", "reactive.conversations.cache.memcache-pool"),
    ]
    for rid, unit, key in cases:
        with charm.hook("relation-changed", rid, unit):
            assert relations.endpoint_from_name(rid.split(":")[0]).conversation().key == key


def test_conversation_outside_a_hook_of_the_relation(charm):
    charm.relate("website:1", "web/0")
    with charm.hook("relation-joined", "website:1", "web/0"):
        relations.endpoint_from_name("website")
    with charm.hook():
        rel = relations.endpoint_from_name("website")
        with pytest.raises(ConversationNotFoundError, match="Unable to determine default scope"):
            rel.conversation()
        with pytest.raises(ValueError, match="Conversation with scope 'web/9' not found"):
            rel.conversation("web/9")
        assert rel.conversation("web/0").key == "reactive.conversations.website:1.web/0"
        # The relation-wide conversation of a global relation is known without any unit.
        db = relations.endpoint_from_name("db")
        assert db.conversations() == []
        assert db.conversation().key == "reactive.conversations.db.global"
        assert db.conversation().units == set()
    assert "reactive.conversations.db.global" not in charm.stored()


def test_conversation_with_one_application_related_twice(charm):
    charm.relate("api:1", "cli/0")
    charm.relate("api:2", "cli/0")
    for rid in ("api:1", "api:2"):
        with charm.hook("relation-joined", rid, "cli/0"):
            relations.endpoint_from_name("api").set_state("{relation_name}.ready")
    with charm.hook("relation-changed", "api:2", "cli/0", lifecycle=False):
        rel = RelationBase.from_flag("api.ready")
        assert rel.conversation().key == "reactive.conversations.api:2.cli"
        assert rel.conversation("cli").key == "reactive.conversations.api:2.cli"
    with charm.hook():
        rel = RelationBase.from_flag("api.ready")
        with pytest.raises(AmbiguousConversationError, match="api:1, api:2") as err:
            rel.conversation("cli")
        assert err.value.namespaces == ["api:1", "api:2"]
        assert isinstance(err.value, ValueError)


def test_conversation_in_broken_and_created_hooks_never_fails(charm):
    charm.relate("website:1", "web/0", "web/1")
    for unit in ("web/0", "web/1"):
        with charm.hook("relation-joined", "website:1", unit):
            relations.endpoint_from_name("website").set_state("{relation_name}.up")
    with charm.hook("relation-broken", "website:1", app="web", lifecycle=False):
        rel = relations.endpoint_from_name("website")
        assert len(rel.conversations()) == 2
        conv = rel.conversation()  # two conversations, no remote unit: a detached one
        assert (conv.key, conv.units) == ("reactive.conversations.website:1.web", set())
    with charm.hook("relation-created", "api:7", app="cli", lifecycle=False):
        charm.relate("api:7")
        assert relations.endpoint_from_name("api").conversation().key == (
            "reactive.conversations.api:7.cli"
        )
    charm.relate("website:2", "solo/0")
    with charm.hook("relation-joined", "website:2", "solo/0"):
        relations.endpoint_from_name("website")
    with charm.hook("relation-broken", "website:2", app="solo", lifecycle=False):
        rel = relations.endpoint_from_name("website")
        assert rel.conversation().key == "reactive.conversations.website:2.solo/0"


# --- delegation -----------------------------------------------------------------------------


def test_delegating_methods_use_the_conversation_of_the_scope(charm):
    charm.relate("website:1", "web/0", "web/1")
    charm.set_data("website:1", "web/1", hostname="h1")
    for unit in ("web/0", "web/1"):
        with charm.hook("relation-joined", "website:1", unit):
            relations.endpoint_from_name("website")
    with charm.hook():
        rel = relations.endpoint_from_name("website")
        rel.set_state("{relation_name}.a", "web/0")
        rel.set_flag("{relation_name}.b", scope="web/1")
        assert rel.is_state("website.a", "web/0")
        assert rel.is_flag_set("website.b", "web/1")
        assert not rel.is_state("website.a", "web/1")
        rel.remove_state("website.a", "web/0")
        rel.remove_flag("website.b", "web/1")
        assert flags.get_flags() == []
        rel.toggle_state("website.t", scope="web/0")
        rel.toggle_flag("website.t", True, "web/1")
        rel.toggle_flag("website.t", False, scope="web/0")
        assert flags.get_flag_value("website.t")["conversations"] == [
            "reactive.conversations.website:1.web/1"
        ]
        rel.set_remote("k", "v", {"d": "1"}, "web/0", kw="2")
        assert rel.get_remote("hostname", scope="web/1") == "h1"
        assert rel.get_remote("hostname", "dflt", "web/0") == "dflt"
        assert rel.hostname  # the accessor exists; it needs a scope outside a hook
        rel.set_local("k", "v", {"d": 1}, "web/0", kw=2)
        assert rel.get_local("kw", scope="web/0") == 2
        assert rel.get_local("k", None, "web/0") == "v"
    assert charm.tools.bags["website:1"]["local/0"] == {"k": "v", "d": "1", "kw": "2"}


def test_accessors_read_the_default_conversation(charm):
    charm.relate("db:1", "mysql/0")
    charm.set_data("db:1", "mysql/0", host="10.0.0.1", **{"private-address": "10.1.1.1"})
    with charm.hook("relation-changed", "db:1", "mysql/0"):
        rel = relations.endpoint_from_name("db")
        assert rel.host() == "10.0.0.1"
        assert rel.private_address() == "10.1.1.1"
        assert rel.port() is None
    assert charm.tools.count("relation-get") == 1


# --- from_flag and endpoint_from_flag -------------------------------------------------------


def test_from_flag_holds_the_flag_conversations_that_still_exist(charm):
    charm.relate("website:1", "web/0", "web/1")
    for unit in ("web/0", "web/1"):
        with charm.hook("relation-joined", "website:1", unit):
            relations.endpoint_from_name("website").set_state("{relation_name}.up")
    with charm.hook():
        flags.set_flag(
            "website.up",
            {
                "relation": "website",
                "conversations": [
                    "reactive.conversations.website:1.web/1",
                    "reactive.conversations.website:1.gone/0",
                    "reactive.conversations.website:1.web/0",
                ],
            },
        )
        for rel in (
            RelationBase.from_flag("website.up"),
            RelationBase.from_state("website.up"),
            relations.endpoint_from_flag("website.up"),
            relations.relation_from_flag("website.up"),
            relations.relation_from_state("website.up"),
        ):
            assert type(rel).__name__ == "HttpProvides"
            assert [c.scope for c in rel.conversations()] == ["web/1", "web/0"]


def test_flags_without_conversations_give_none(charm):
    with charm.hook():
        flags.set_flag("db.plain")
        assert RelationBase.from_flag("db.plain") is None
        assert RelationBase.from_flag("db.unset") is None
        assert relations.endpoint_from_flag("db.plain") is None
        assert relations.endpoint_from_flag("nodots") is None
        assert relations.endpoint_from_flag("notarelation.x") is None
        assert relations.endpoint_from_flag("endpoint.nope.joined") is None


def test_endpoint_from_flag_uses_the_stored_relation_name(charm):
    with charm.hook():
        flags.set_flag("anything", {"relation": "db", "conversations": []})
        rel = relations.endpoint_from_flag("anything")
        assert (type(rel).__name__, rel.conversations()) == ("MysqlRequires", [])


def test_endpoint_from_flag_asks_the_class_for_endpoint_flags(charm):
    charm.write(
        "hooks/relations/svc/provides.py",
        """
        from charms.reactive._relation_lookup import RelationFactory

        class Custom(RelationFactory):
            @classmethod
            def from_flag(cls, flag):
                return ("from_flag", flag)

            @classmethod
            def from_name(cls, name):
                return ("from_name", name)
        """,
    )
    with charm.hook():
        assert relations.endpoint_from_flag("endpoint.api.joined") == (
            "from_flag",
            "endpoint.api.joined",
        )
        assert relations.endpoint_from_flag("api.ready") == ("from_flag", "api.ready")
        assert relations.endpoint_from_name("api") == ("from_name", "api")
        assert RelationBase.from_name("api") == ("from_name", "api")


# --- relation_call --------------------------------------------------------------------------


def test_relation_call_by_name_flag_and_state(charm):
    charm.relate("api:1", "cli/0")
    charm.relate("api:2", "srv/0")
    for rid, unit in [("api:1", "cli/0"), ("api:2", "srv/0")]:
        with charm.hook("relation-joined", rid, unit):
            relations.endpoint_from_name("api").set_state("{relation_name}.ready")
    before = charm.stored()
    with charm.hook():
        assert relation_call("conversations", "api") == ["cli", "srv"]
        assert relation_call("echo", "api", None, None, "a", "b") == ["a", "b"]
        assert relation_call("conversations", None, "api.ready") == ["cli", "srv"]
        assert relation_call("conversations", None, None, "api.ready") == ["cli", "srv"]
        assert relation_call("conversations", relation_name="db") == []
    assert charm.stored() == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"relation_name": "nope"}, RelationNotFoundError, "Relation not found: nope"),
        ({"flag": "nope.x"}, RelationNotFoundError, "Relation not found: nope.x"),
        ({"state": "nope.x"}, RelationNotFoundError, "Relation not found: nope.x"),
        ({}, ValueError, "Must specify either relation_name or flag"),
    ],
    ids=["name", "flag", "state", "neither"],
)
def test_relation_call_errors(charm, kwargs, error, message):
    with charm.hook(), pytest.raises(error, match=message):
        relation_call("conversations", **kwargs)
    assert issubclass(error, ValueError)


def test_relation_call_result_of_an_unknown_method_raises_attribute_error(charm):
    with charm.hook(), pytest.raises(AttributeError):
        relation_call("no_such_method", "db")


def test_module_names_of_1x(charm):
    assert set(relations.__all__) == {
        "endpoint_from_name",
        "endpoint_from_flag",
        "relation_from_flag",
        "scopes",
        "RelationBase",
        "relation_from_state",
    }
    for name in (
        "Conversation",
        "relation_from_name",
        "relation_call",
        "relation_factory",
        "RelationFactory",
        "AutoAccessors",
        "TOGGLE",
        "ALL",
    ):
        assert hasattr(relations, name), name
    assert json.loads(json.dumps(relations.scopes.GLOBAL)) == "global"
