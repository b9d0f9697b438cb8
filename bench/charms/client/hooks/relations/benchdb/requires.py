"""Requires side of the benchmark interface, in the charms.reactive 1.x RelationBase idiom."""

from charms.reactive import RelationBase, hook, scopes


class BenchRequires(RelationBase):
    scope = scopes.UNIT
    auto_accessors = ("key-0", "key-1", "key-2", "key-3", "key-4")

    @hook("{requires:benchdb}-relation-{joined,changed}")
    def changed(self):
        conv = self.conversation()
        conv.set_state("{relation_name}.available")
        conv.set_state("{relation_name}.changed")

    @hook("{requires:benchdb}-relation-departed")
    def departed(self):
        conv = self.conversation()
        conv.remove_state("{relation_name}.available")
        conv.remove_state("{relation_name}.changed")
