"""Test interface layer (scopes.UNIT), written as charms.reactive 1.x interface layers are."""

import os

from charms.reactive import RelationBase, hook, scopes


class UnitRequires(RelationBase):
    scope = scopes.UNIT
    auto_accessors = ["the-value"]

    @hook("{requires:rt-unit}-relation-{joined,changed}")
    def joined_or_changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        if self._hook_kind() == "joined":
            # Greet every remote side (data= and keywords; True is sent as 'True').
            self.set_remote(data={"hello": self.relation_name}, scope=conv.scope, greeted=True)
            conv.set_local("joined", conv.scope.split("/")[0])

    @hook("{requires:rt-unit}-relation-changed")
    def changed(self):
        self.toggle_state("{relation_name}.available", bool(self.the_value()))

    @hook("{requires:rt-unit}-relation-{departed,broken}")
    def departed(self):
        self.conversation().remove_state("{relation_name}.available")

    def _hook_kind(self):
        return os.environ["JUJU_HOOK_NAME"].rsplit("-", 1)[-1]

    def values(self):
        """Return [key, the-value] of every conversation (for relation_call)."""
        return [[conv.key, conv.get_remote("the-value")] for conv in self.conversations()]
