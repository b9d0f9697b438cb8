"""Benchmark handlers: the same code on charms.reactive 1.5.3 and on this layer."""

import hashlib

import benchpeak  # lib/benchpeak.py, copied in by bench/assemble.py
from charmhelpers.core import hookenv

from charms.reactive import hook, toggle_state, when

KEYS = ("key-0", "key-1", "key-2", "key-3", "key-4")

benchpeak.record_at_exit()


@hook("config-changed")
def configure():
    toggle_state("bench.answering", bool(hookenv.config().get("answer")))
    toggle_state("bench.level", bool(hookenv.config().get("level")))


@when("db.available", "bench.level")
def watch(available):
    """Level-triggered: reads every conversation's keys in every hook (writes nothing)."""
    digest = hashlib.sha256()
    for conv in available.conversations():
        for key in KEYS:
            digest.update(str(conv.get_remote(key)).encode())


@when("db.available", "db.changed", "bench.answering")
def answer(available, changed):
    for conv in available.conversations():
        digest = hashlib.sha256()
        for key in KEYS:
            digest.update(str(conv.get_remote(key)).encode())
        conv.set_remote("answer", digest.hexdigest()[:16])
    for conv in changed.conversations():
        conv.remove_state("{relation_name}.changed")
