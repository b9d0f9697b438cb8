"""Discovery and dispatch: order, phases, iterations, re-tests, limits."""

from __future__ import annotations

import sys

import pytest

from charms.reactive import _conditions, bus
from charms.reactive._handlers import ExternalHandler, Registry, use_registry
from charms.reactive.errors import DispatchLimitError
from charms.reactive.flags import get_flags, set_flag

LOG = """
LOG = []
"""


def run(rt, registry):
    bus.discover(rt, registry)
    bus.dispatch(rt=rt, registry=registry)


def log_of(name="reactive.log"):
    return sys.modules[name].LOG


def test_discover_imports_handler_files_in_sorted_order(rt, registry, write):
    write("reactive/log.py", LOG)
    for name in ("b", "a", "sub/c"):
        write(f"reactive/{name}.py", f"from reactive.log import LOG\nLOG.append({name!r})\n")
    write("hooks/reactive/d.py", "from reactive.log import LOG\nLOG.append('d')\n")
    write("hooks/relations/iface/requires.py", "from reactive.log import LOG\nLOG.append('e')\n")

    bus.discover(rt, registry)

    assert log_of() == ["a", "b", "sub/c", "d", "e"]
    assert "relations.iface.requires" in sys.modules
    assert "reactive.sub.c" in sys.modules


def test_discover_skips_pycache_and_non_handler_files(rt, registry, write):
    write("reactive/__pycache__/x.py", "raise AssertionError('imported __pycache__')")
    write("reactive/README", "not a handler")
    write("reactive/notes.txt", "#!/bin/sh\n", executable=True)
    write("reactive/plain", "no shebang\n", executable=True)
    write("reactive/script", "#!/bin/sh\nexit 1\n", executable=False)

    bus.discover(rt, registry)

    assert registry.handlers(rt) == []


@pytest.mark.parametrize("name", ["handler", "handler.sh"], ids=["no-extension", "sh"])
def test_discover_registers_executables_with_a_shebang(rt, registry, write, name):
    write(f"reactive/{name}", "#!/bin/sh\nexit 1\n", executable=True)

    bus.discover(rt, registry)

    [handler] = registry.handlers(rt)
    assert isinstance(handler, ExternalHandler)
    assert handler.display == f"reactive/{name}"


def test_discover_twice_into_one_registry_registers_once(rt, registry, write):
    write("reactive/a.py", "from charms.reactive import when\n@when('x')\ndef a():\n    pass\n")

    bus.discover(rt, registry)
    bus.discover(rt, registry)

    assert [h.display for h in registry.handlers(rt)] == ["reactive/a.py:2:a"]


def test_discover_into_a_fresh_registry_loads_the_modules_again(rt, registry, write):
    write("reactive/a.py", "from charms.reactive import when\n@when('x')\ndef a():\n    pass\n")
    bus.discover(rt, registry)

    with use_registry(Registry()) as fresh:
        bus.discover(rt, fresh)

    assert len(fresh.handlers(rt)) == 1


def test_import_errors_propagate(rt, registry, write):
    write("reactive/broken.py", "import does_not_exist_anywhere\n")

    with pytest.raises(ModuleNotFoundError, match="does_not_exist_anywhere"):
        bus.discover(rt, registry)


HANDLERS = """
from charms.reactive import clear_flag, hook, only_once, set_flag, when, when_not
from reactive.log import LOG

@hook('update-status')
def in_hook():
    LOG.append('hook')
    set_flag('from-hook')

@when('from-hook')
def first():
    LOG.append('first')
    set_flag('from-first')

@when('from-first')
def second():
    LOG.append('second')

@when_not('from-hook')
def never():
    LOG.append('never')
"""


def test_dispatch_runs_the_hooks_phase_then_iterations(rt, registry, write):
    write("reactive/log.py", LOG)
    write("reactive/h.py", HANDLERS)

    run(rt, registry)

    assert log_of() == ["hook", "first", "second"]
    assert get_flags() == ["from-first", "from-hook"]


def test_dispatch_persists_the_phase_as_1x(rt, registry, write):
    write("reactive/log.py", LOG)
    write("reactive/h.py", HANDLERS)

    run(rt, registry)

    assert rt.kv.get(_conditions.PHASE_KEY) == "other"
    assert rt.kv.get("reactive.state_watch") is None


def test_flags_set_in_an_iteration_take_effect_in_the_next(rt, registry, write):
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        """
        from charms.reactive import set_flag, when, when_not
        from reactive.log import LOG

        @when('b')
        def needs_b():
            LOG.append('needs_b')

        @when_not('a')
        def sets_b():
            LOG.append('sets_b')
            set_flag('a')
            set_flag('b')

        @when_not('b')
        def before_b():
            LOG.append('before_b')
        """,
    )

    run(rt, registry)

    # before_b was queued in iteration 0 and b being set does not dequeue it
    assert log_of() == ["sets_b", "before_b", "needs_b"]


def test_clearing_a_flag_retests_the_rest_of_the_queue(rt, registry, write):
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        """
        from charms.reactive import clear_flag, when
        from reactive.log import LOG

        @when('a')
        def clears():
            LOG.append('clears')
            clear_flag('b')

        @when('b')
        def needs_b():
            LOG.append('needs_b')
        """,
    )
    set_flag("a")
    set_flag("b")

    run(rt, registry)

    assert log_of() == ["clears"]


def test_handler_rerun_only_when_its_flags_change(rt, registry, write):
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        """
        from charms.reactive import is_flag_set, set_flag, when
        from reactive.log import LOG

        @when('a')
        def on_a():
            LOG.append('on_a')
            if not is_flag_set('c'):
                set_flag('c')

        @when('c')
        def on_c():
            LOG.append('on_c')
        """,
    )
    set_flag("a")

    run(rt, registry)

    assert log_of() == ["on_a", "on_c"]


def test_dispatch_that_never_settles_names_the_flags(rt, registry, write):
    write(
        "reactive/h.py",
        """
        from charms.reactive import clear_flag, set_flag, when, when_not

        @when_not('flip')
        def on():
            set_flag('flip')

        @when('flip')
        def off():
            clear_flag('flip')
        """,
    )

    with pytest.raises(DispatchLimitError) as err:
        run(rt, registry)

    assert err.value.flags == ["flip"]
    assert "flip" in str(err.value)
    assert err.value.iterations == bus.MAX_ITERATIONS
    assert any("reactive/h.py" in h for h in err.value.handlers)


def test_restricted_dispatch_runs_only_restricted_handlers(hook_runtime, registry, write):
    rt = hook_runtime("collect-metrics")
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        """
        from charms.reactive import collect_metrics, meter_status_changed, only_once, when_not
        from reactive.log import LOG

        @collect_metrics()
        def metrics():
            LOG.append('metrics')

        @meter_status_changed
        def meter():
            LOG.append('meter')

        @only_once
        def once():
            LOG.append('once')

        @when_not('x')
        def other():
            LOG.append('other')
        """,
    )
    bus.discover(rt, registry)

    bus.dispatch(True, rt=rt, registry=registry)

    assert log_of() == ["metrics"]
    assert rt.kv.get(_conditions.PHASE_KEY) == "restricted"


def test_only_once_runs_in_the_hooks_phase_of_one_hook_only(hook_runtime, registry, write):
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        """
        from charms.reactive import hook, only_once
        from reactive.log import LOG

        @hook('install')
        def install():
            LOG.append('install')

        @only_once()
        def once():
            LOG.append('once')
        """,
    )
    for hook in ("install", "config-changed"):
        rt = hook_runtime(hook)
        run(rt, registry)
        rt.commit()

    assert log_of() == ["install", "once"]
    assert rt.kv.get(f"reactive.invoked.{registry.specs[1].id}") is True


def test_when_file_changed_fires_every_handler_of_the_file_once(hook_runtime, registry, write):
    target = write("data.txt", "one")
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        f"""
        from charms.reactive import set_flag, when_file_changed
        from reactive.log import LOG

        @when_file_changed({str(target)!r})
        def first():
            LOG.append('first')
            set_flag('x')

        @when_file_changed(lambda: {str(target)!r})
        def second():
            LOG.append('second')
        """,
    )
    rt = hook_runtime()
    run(rt, registry)
    rt.commit()
    assert log_of() == ["first", "second"]
    assert rt.kv.get(f"reactive.files_changed.{target}") is not None

    rt = hook_runtime()
    run(rt, registry)
    rt.commit()
    assert log_of() == ["first", "second"]

    target.write_text("two")
    rt = hook_runtime()
    run(rt, registry)
    assert log_of() == ["first", "second", "first", "second"]


def test_when_file_changed_sees_a_file_written_earlier_in_the_hook(rt, registry, write):
    target = rt.context.charm_dir / "out.conf"
    write("reactive/log.py", LOG)
    write(
        "reactive/h.py",
        f"""
        from charms.reactive import when, when_file_changed
        from reactive.log import LOG

        @when('render')
        def render():
            with open({str(target)!r}, 'w') as fh:
                fh.write('rendered')
            LOG.append('render')

        @when_file_changed({str(target)!r})
        def restart():
            LOG.append('restart')
        """,
    )
    set_flag("render")

    run(rt, registry)

    assert log_of() == ["render", "restart"]


INTERFACE = """
from charms.reactive import when, when_not
from reactive.log import LOG

@when('{endpoint_name}.ready')
def per_relation():
    LOG.append('per_relation')

@when_not('never.set')
def once_for_all():
    LOG.append('once_for_all')
"""


def test_interface_handlers_are_registered_per_relation(rt, registry, write):
    write("reactive/log.py", LOG)
    write("hooks/relations/mysql/interface.yaml", "name: mysql\nsummary: x\n")
    write("hooks/relations/mysql/requires.py", INTERFACE)
    write("hooks/relations/unused/provides.py", INTERFACE)
    set_flag("db2.ready")
    bus.discover(rt, registry)

    handlers = [h.display for h in registry.handlers(rt)]

    assert handlers == [
        "hooks/relations/mysql/requires.py:4:per_relation:db",
        "hooks/relations/mysql/requires.py:4:per_relation:db2",
        "hooks/relations/mysql/requires.py:8:once_for_all",
    ]
    bus.dispatch(rt=rt, registry=registry)
    assert log_of() == ["per_relation", "once_for_all"]


def test_interface_name_comes_from_interface_yaml(rt, registry, write):
    write("reactive/log.py", LOG)
    write("hooks/relations/dirname/interface.yaml", "name: 'mysql'\n")
    write("hooks/relations/dirname/requires.py", INTERFACE)
    bus.discover(rt, registry)

    assert len(registry.handlers(rt)) == 3
