"""Charm handlers of the fixture charm: flag-derived instances, and a switch to fail hooks."""

import os

from charms.reactive import RelationBase, hook, when


@hook("{requires:rt-unit}-relation-joined", "{requires:rt-glob}-relation-joined")
def fail_on_request():
    if os.path.exists(os.path.join(os.environ["JUJU_CHARM_DIR"], "FAIL")):
        raise RuntimeError("failing on request (FAIL exists)")


@when("unitrel.connected")
def unit_conversations(unitrel):
    # The instance comes from the flag: it holds exactly the flag's conversations.
    for conv in unitrel.conversations():
        assert conv.units == {conv.scope}, conv
        assert conv.relation_ids == [conv.namespace], conv


@when("svcrel.connected", "globrel.connected")
def service_and_global(svcrel, globrel):
    for conv in svcrel.conversations():
        assert all(u.split("/")[0] == conv.scope for u in conv.units), conv
    assert [c.scope for c in globrel.conversations()] == ["global"]


@when("custrel.connected")
def custom(custrel):
    same = RelationBase.from_state("custrel.connected")
    assert [c.key for c in same.conversations()] == ["reactive.conversations.custrel.pool"]
    assert custrel.conversation().scope == "pool"
