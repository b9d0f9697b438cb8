"""Benchmark handlers (Endpoint API): the same code on charms.reactive 1.5.3 and on this layer."""

import benchpeak  # lib/benchpeak.py, copied in by bench/assemble.py
from charmhelpers.core import hookenv

from charms.reactive import clear_flag, endpoint_from_flag, hook, toggle_flag, when

benchpeak.record_at_exit()


@hook("config-changed")
def configure():
    toggle_flag("bench.answering", bool(hookenv.config().get("answer")))
    toggle_flag("bench.level", bool(hookenv.config().get("level")))


@when("db.available", "bench.level")
def watch():
    """Level-triggered: reads every joined unit's keys in every hook (writes nothing)."""
    endpoint_from_flag("db.available").digest()


@when("db.available", "db.changed", "bench.answering")
def answer():
    endpoint_from_flag("db.available").answer()
    clear_flag("db.changed")
