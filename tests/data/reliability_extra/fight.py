"""Two handlers fighting over a flag: dispatch can never settle (DispatchLimitError)."""

from charms.reactive import clear_flag, set_flag, when, when_not


@when_not("fight.on")
def switch_on():
    set_flag("fight.on")


@when("fight.on")
def switch_off():
    clear_flag("fight.on")
