"""Test interface layer (scopes.SERVICE), written as charms.reactive 1.x interface layers are."""

from charms.reactive import RelationBase, hook, scopes
from charms.reactive.helpers import is_state


class UpgSvcProvides(RelationBase):
    scope = scopes.SERVICE
    auto_accessors = ["wanted-motd"]

    @hook("{provides:upg-svc}-relation-{joined,changed}")
    def changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        if self.wanted_motd():
            conv.set_state("{relation_name}.wants-motd")
        self.set_local(seen=conv.scope)

    @hook("{provides:upg-svc}-relation-departed")
    def departed(self):
        self.conversation().remove_state("{relation_name}.wants-motd")

    def send_motd(self, motd):
        """Send the motd to every remote application (one conversation each)."""
        for conv in self.conversations():
            conv.set_remote("motd", motd)
        return is_state("svcrel.connected")
