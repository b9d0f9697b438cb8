"""Requires side of the benchmark interface, in the charms.reactive ``Endpoint`` idiom.

The Endpoint twin of ``bench/charms/client``'s ``RelationBase`` interface: the same work,
the same code on charms.reactive 1.5.3 and on this layer. Public flags:
``{endpoint_name}.available`` (some remote unit joined) and ``{endpoint_name}.changed``
(remote data changed; the charm clears it once it has answered).
"""

import hashlib

from charms.reactive import Endpoint, clear_flag, set_flag, toggle_flag, when, when_not

KEYS = ("key-0", "key-1", "key-2", "key-3", "key-4")


class BenchRequires(Endpoint):
    @when("endpoint.{endpoint_name}.joined")
    @when_not("{endpoint_name}.available")
    def joined(self):
        set_flag(self.expand_name("{endpoint_name}.available"))

    @when("endpoint.{endpoint_name}.changed")
    def changed(self):
        set_flag(self.expand_name("{endpoint_name}.changed"))
        clear_flag(self.expand_name("changed"))

    @when("endpoint.{endpoint_name}.departed")
    def departed(self):
        toggle_flag(self.expand_name("{endpoint_name}.available"), self.is_joined)
        # A real interface would act on the departed units; then it forgets them, so the
        # list (kept in the unit's state DB) does not grow with every repetition.
        self.all_departed_units.clear()
        clear_flag(self.expand_name("departed"))

    def answer(self):
        """Read the 5 keys of every joined unit; answer each relation with one key."""
        for relation in self.relations:
            relation.to_publish["answer"] = self._digest(relation)

    def digest(self):
        """Read the 5 keys of every joined unit of every relation; publish nothing."""
        return [self._digest(relation) for relation in self.relations]

    @staticmethod
    def _digest(relation):
        digest = hashlib.sha256()
        for unit in relation.joined_units:
            for key in KEYS:
                digest.update(str(unit.received[key]).encode())
        return digest.hexdigest()[:16]
