"""Cluster membership over a peer relation (scope UNIT).

Each peer unit is its own conversation; ``members()`` lists them.
"""

from charms.reactive import RelationBase, hook, scopes, set_flag


class ClusterPeers(RelationBase):
    scope = scopes.UNIT
    auto_accessors = ["address"]

    @hook("{peers:cluster}-relation-joined")
    def joined(self):
        self.conversation().set_state("{relation_name}.connected")

    @hook("{peers:cluster}-relation-changed")
    def changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        if conv.get_remote("address"):
            conv.set_state("{relation_name}.available")

    @hook("{peers:cluster}-relation-departed")
    def departed(self):
        conv = self.conversation()
        conv.remove_state("{relation_name}.available")
        conv.remove_state("{relation_name}.connected")
        set_flag(f"{self.relation_name}.departed")

    def publish_address(self, address):
        """Tell every peer this unit's address."""
        for conv in self.conversations():
            conv.set_remote(address=address)

    def members(self):
        """Return ``{unit name: address or None}`` for every connected peer, sorted."""
        return {
            conv.scope: conv.get_remote("address")
            for conv in sorted(self.conversations(), key=lambda c: c.scope)
        }
