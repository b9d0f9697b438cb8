"""Endpoint test interface layer (requires side), written as charms.reactive 1.x layers are.

Its handlers log what the automatic flags said into the unit's store (``eptest.*`` keys), so
the upgrade tests can compare what a unit saw before and after the switch of framework.
"""

from charmhelpers.core import hookenv, unitdata

from charms.reactive import Endpoint, clear_flag, set_flag, when
from charms.reactive.flags import get_flags


def _log(name, entry):
    kv = unitdata.kv()
    kv.set(name, [*kv.get(name, []), entry])


class EpDbRequires(Endpoint):
    @when("endpoint.{endpoint_name}.changed")
    def record_changes(self):
        """Log which ``changed.<key>`` flags were raised, then clear them (as layers do)."""
        self._record("changed")

    @when("endpoint.{endpoint_name}.app.changed")
    def record_app_changes(self):
        """The same for the remote application's bag (flags 1.5.3 never sets)."""
        self._record("app.changed")

    def _record(self, base):
        prefix = self.expand_name(base + ".")
        keys = sorted(f[len(prefix) :] for f in get_flags() if f.startswith(prefix))
        _log("eptest.changes", [hookenv.hook_name(), base, keys])
        clear_flag(self.expand_name(base))
        for key in keys:
            clear_flag(prefix + key)

    @when("endpoint.{endpoint_name}.joined")
    def publish(self):
        """Publish what this side wants, in every hook (idempotent writes)."""
        for relation in self.relations:
            relation.to_publish["client"] = {
                "app": hookenv.service_name(),
                "want": ["host", "port"],
            }
            relation.to_publish_raw["port-wanted"] = "5432"
        set_flag(self.expand_name("{endpoint_name}.published"))

    @when("endpoint.{endpoint_name}.departed")
    def record_departed(self):
        _log("eptest.departed", [hookenv.hook_name(), self.departed_summary()])

    def departed_summary(self):
        """``[unit, host]`` of every unit in ``all_departed_units`` (the data it left)."""
        return [[unit.unit_name, unit.received_raw["host"]] for unit in self.all_departed_units]

    def hosts(self):
        """``[unit, host, port]`` of every joined unit (the merged view is not used)."""
        return [
            [unit.unit_name, unit.received_raw["host"], unit.received["port"]]
            for unit in self.all_joined_units
        ]
