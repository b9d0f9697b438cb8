"""Test interface layer (peers, scopes.UNIT), written as charms.reactive 1.x interface layers are."""

from charmhelpers.core import hookenv

from charms.reactive import RelationBase, hook, scopes


class UpgPeers(RelationBase):
    scope = scopes.UNIT

    @hook("{peers:upg-peer}-relation-joined")
    def joined(self):
        conv = self.conversation()
        conv.set_remote("peer-of", hookenv.local_unit())
        conv.set_state("{relation_name}.peered")

    @hook("{peers:upg-peer}-relation-departed")
    def departed(self):
        self.conversation().remove_state("{relation_name}.peered")

    def peers(self):
        return sorted(conv.scope for conv in self.conversations())
