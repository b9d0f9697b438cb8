"""Test interface layer (a custom string scope), as charms.reactive 1.x interface layers are.

A custom scope's conversation is relation-wide (namespace = relation name); 1.x cannot send
or read relation data through it (its relation id is the relation name), so it only keeps
flags and local data.
"""

from charmhelpers.core import hookenv

from charms.reactive import RelationBase, hook


class UpgCustRequires(RelationBase):
    scope = "upg-pool"

    @hook("{requires:upg-cust}-relation-joined")
    def joined(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.pooled")
        conv.set_local("joins", (conv.get_local("joins") or 0) + 1)
        conv.set_local(data={"last": hookenv.remote_unit()})

    @hook("{requires:upg-cust}-relation-broken")
    def broken(self):
        self.conversation().remove_state("{relation_name}.pooled")

    def joins(self):
        return self.conversation().get_local("joins")
