"""Per-hook caching of reads and buffering of writes."""

from __future__ import annotations

import pytest

from charms.reactive._hookcache import CachedHookTools
from helpers.fakes import FakeHookTools


@pytest.fixture
def fake():
    return FakeHookTools(
        local_unit="web/0",
        bags={"db:1": {"mysql/0": {"host": "h"}, "web/0": {"mine": "1"}, "mysql": {"app": "x"}}},
        units={"db:1": ["mysql/0"]},
        ids={"db": ["db:1"]},
        config={"port": 80},
    )


def test_bag_is_fetched_once_per_unit(fake):
    tools = CachedHookTools(fake, "web/0")
    for _ in range(3):
        assert tools.relation_get("db:1", "mysql/0") == {"host": "h"}
    assert fake.count("relation-get") == 1


def test_returned_values_are_copies(fake):
    tools = CachedHookTools(fake, "web/0")
    tools.relation_get("db:1", "mysql/0")["host"] = "changed"
    tools.relation_list("db:1").append("ghost/9")
    tools.relation_ids("db").append("db:99")
    assert tools.relation_get("db:1", "mysql/0") == {"host": "h"}
    assert tools.relation_list("db:1") == ["mysql/0"]
    assert tools.relation_ids("db") == ["db:1"]
    assert fake.count("relation-list") == 1
    assert fake.count("relation-ids") == 1


def test_writes_are_buffered_merged_and_flushed_once_per_relation_id(fake):
    tools = CachedHookTools(fake, "web/0")
    tools.relation_set("db:1", {"a": "1"})
    tools.relation_set("db:1", {"b": "2", "a": "3"})
    tools.relation_set("db:1", {"c": "x"}, app=True)
    assert fake.count("relation-set") == 0
    tools.flush()
    sets = [args for name, args in fake.calls if name == "relation-set"]
    assert sets == [("db:1", {"a": "3", "b": "2"}, False), ("db:1", {"c": "x"}, True)]
    tools.flush()
    assert fake.count("relation-set") == 2


def test_local_bag_reads_see_buffered_writes_and_deletions(fake):
    tools = CachedHookTools(fake, "web/0")
    tools.relation_set("db:1", {"new": "v", "mine": ""})
    assert tools.relation_get("db:1", "web/0") == {"new": "v"}
    tools.relation_set("db:1", {"k": "v"}, app=True)
    assert tools.relation_get_app("db:1", "web") == {"k": "v"}


def test_discard_drops_buffered_writes(fake):
    tools = CachedHookTools(fake, "web/0")
    tools.relation_set("db:1", {"a": "1"})
    tools.discard()
    tools.flush()
    assert fake.count("relation-set") == 0


def test_non_string_values_are_rejected_naming_the_relation(fake):
    tools = CachedHookTools(fake, "web/0")
    with pytest.raises(TypeError, match="db:1"):
        tools.relation_set("db:1", {"a": 1})  # type: ignore[dict-item]


def test_config_and_leadership_are_asked_once(fake):
    tools = CachedHookTools(fake, "web/0")
    assert tools.config_get() == {"port": 80}
    assert tools.config_get() == {"port": 80}
    assert tools.is_leader() is True
    assert tools.is_leader() is True
    assert fake.count("config-get") == 1
    assert fake.count("is-leader") == 1


def test_logging_is_passed_through(fake):
    tools = CachedHookTools(fake, "web/0")
    tools.juju_log("a", "DEBUG")
    tools.juju_log("b")
    assert fake.log == [("DEBUG", "a"), ("INFO", "b")]
