"""Reliability fixture interface (Endpoint), in the charms.reactive 1.x idiom."""

from charmhelpers.core import hookenv, unitdata

from charms.reactive import Endpoint, clear_flag, set_flag, when


class RelEpRequires(Endpoint):
    @when("endpoint.{endpoint_name}.changed.value")
    def answer(self):
        """Read every remote value; publish their sum (unit and app bags); note it in kv."""
        values = {unit.unit_name: unit.received["value"] for unit in self.all_joined_units}
        total = sum(v for v in values.values() if isinstance(v, int))
        for relation in self.relations:
            relation.to_publish["answer"] = {"total": total, "units": sorted(values)}
            relation.to_publish_raw["seen"] = ",".join(
                f"{name}={values[name]}" for name in sorted(values)
            )
            if hookenv.is_leader():
                relation.to_publish_app["summary"] = {"total": total, "count": len(values)}
        unitdata.kv().set("eptest.values", values)
        set_flag(self.expand_name("{endpoint_name}.answered"))
        if total % 2:
            set_flag(self.expand_name("{endpoint_name}.odd"))
        else:
            clear_flag(self.expand_name("{endpoint_name}.odd"))
        clear_flag(self.expand_name("changed.value"))
        clear_flag(self.expand_name("changed"))
