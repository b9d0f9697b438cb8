"""Python handlers of the core fixture charm."""

from charmhelpers.core import hookenv

from charms.reactive import hook, set_flag, when, when_not


@hook("install")
def install():
    set_flag("installed")


@when("installed")
@when_not("configured")
def configure():
    set_flag("configured")


@hook("config-changed")
def maybe_fail():
    if hookenv.config("fail"):
        set_flag("doomed")
        raise RuntimeError("config asked this hook to fail")


@when("db.ready")
def use_db():
    hookenv.log("never runs: nothing sets db.ready")
