"""Reliability fixture interface (scopes.SERVICE), in the charms.reactive 1.x idiom."""

import os

from charms.reactive import RelationBase, hook, scopes


class SvcReq(RelationBase):
    scope = scopes.SERVICE

    @hook("{requires:rel-svc}-relation-{joined,changed}")
    def joined_or_changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.connected")
        conv.set_local("seen", os.environ.get("JUJU_REMOTE_UNIT", ""))
        conv.set_remote("hello", os.environ["JUJU_UNIT_NAME"])
        conv.toggle_state("{relation_name}.available", bool(conv.get_remote("value")))

    @hook("{requires:rel-svc}-relation-{departed,broken}")
    def departed(self):
        self.conversation().remove_state("{relation_name}.available")
