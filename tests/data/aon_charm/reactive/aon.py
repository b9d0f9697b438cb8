"""Handlers of the all-or-nothing fixture: each one's effects must commit with its hook."""

import os
import sys
import time

from charmhelpers.core import hookenv, unitdata

from charms.reactive import hook, set_flag, when


def _count(name):
    kv = unitdata.kv()
    kv.set(name, kv.get(name, 0) + 1)


@hook("db-relation-changed")
def answered():
    _count("aon.answers")  # not idempotent: a handler run twice shows here


@hook("update-status")
def tick():
    _count("aon.ticks")


@hook("config-changed")
def configured():
    behaviour = hookenv.config().get("behaviour") or ""
    kv = unitdata.kv()
    kv.set("aon.behaviour", behaviour)
    if behaviour.startswith("flush"):
        kv.set("aon.flushed", behaviour)
        kv.flush()  # charm code committing mid-hook: must wait for the hook's commit
        if behaviour == "flush-then-fail":
            raise RuntimeError("failing after the flush")
    elif behaviour == "secret":
        raise RuntimeError("cannot connect with password=hunter2")
    elif behaviour.startswith("ext"):
        set_flag("aon.ext.go")
    elif behaviour == "fork":
        _daemon()
    elif behaviour.startswith("slow:"):  # slow:<seconds>[:fail]
        set_flag("aon.slow")
        _, seconds, *fail = behaviour.split(":")
        time.sleep(float(seconds))
        if fail:
            raise RuntimeError("failing after a slow start")


def _daemon():
    """A helper daemon, forked the sloppy way: its end is sys.exit(0), not os._exit."""
    if os.fork():
        return
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    time.sleep(1.5)
    sys.exit(0)


@when("aon.ext.done")
def after_ext():
    hookenv.status_set("active", "after the executable handler")
    set_flag("aon.after-ext")
