"""Test interface layer (scopes.UNIT), written as charms.reactive 1.x interface layers are."""

from charmhelpers.core import hookenv

from charms.reactive import RelationBase, hook, scopes
from charms.reactive.bus import State, StateList


class UpgUnitRequires(RelationBase):
    scope = scopes.UNIT
    auto_accessors = ["host", "port", "private-address"]

    class states(StateList):
        connected = State("{relation_name}.connected")
        available = State("{relation_name}.available")

    @hook("{requires:upg-unit}-relation-{joined,changed}")
    def changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        # set_remote with data= and **kwargs at once.
        conv.set_remote(
            data={"client-app": hookenv.service_name()}, client_unit=hookenv.local_unit()
        )
        conv.set_local("remote-app", conv.scope.split("/")[0])
        if self.host() and self.port():
            conv.set_state("{relation_name}.available")
        else:
            conv.remove_state("{relation_name}.available")
        conv.toggle_state("{relation_name}.primary", self.host() == "primary")

    @hook("{requires:upg-unit}-relation-departed")
    def departed(self):
        conv = self.conversation()
        conv.remove_state("{relation_name}.available")
        conv.remove_state("{relation_name}.primary")
        conv.remove_state("{relation_name}.connected")

    def hosts(self):
        """Return [unit, host, port] of every available conversation."""
        return sorted(
            [conv.scope, conv.get_remote("host"), conv.get_remote("port")]
            for conv in self.conversations()
        )
