"""main(): transactional hooks, callbacks, the state lock, restricted hooks, two log lines."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from charms.reactive import _main, get_flags, main, set_flag
from charms.reactive.errors import HookLockError
from charms.reactive.trace import load_trace

LIB = str(Path(__file__).resolve().parents[2] / "lib")


def stored_rows(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("select key, data from kv"))
    finally:
        conn.close()


def commit_flags(hook_runtime, *names):
    rt = hook_runtime("install")
    for name in names:
        set_flag(name)
    rt.commit()


def test_flags_persist_when_the_hook_succeeds(hook_runtime, write):
    write(
        "reactive/h.py",
        """
        from charms.reactive import hook, set_flag
        @hook('install')
        def install():
            set_flag('installed')
        """,
    )
    hook_runtime("install")

    main()

    hook_runtime("update-status")
    assert get_flags() == ["installed"]


def test_a_failing_hook_leaves_the_store_exactly_as_before(hook_runtime, write):
    commit_flags(hook_runtime, "before")
    write(
        "reactive/h.py",
        """
        from charms.reactive import clear_flag, data_changed, set_flag, when
        @when('before')
        def breaks():
            set_flag('during')
            clear_flag('before')
            data_changed('x', 1)
            raise RuntimeError('boom')
        """,
    )
    rt = hook_runtime("config-changed")
    before = stored_rows(rt.db_path)

    with pytest.raises(RuntimeError, match="boom"):
        main()

    assert stored_rows(rt.db_path) == before


def test_a_failing_hook_is_rolled_back_after_an_external_handler(hook_runtime, write, monkeypatch):
    commit_flags(hook_runtime, "before")
    monkeypatch.setenv("PYTHONPATH", LIB)
    write(
        "reactive/ext",
        f"""
        #!/bin/sh
        [ "$1" = --test ] && exit 0
        exec {sys.executable} -c 'import sys; from charms.reactive.cli import main; \\
        sys.exit(main(sys.argv[1:]))' set_flag from.external
        """,
        executable=True,
    )
    write(
        "reactive/z.py",
        """
        from charms.reactive import when
        @when('from.external')
        def breaks():
            raise RuntimeError('after the external handler')
        """,
    )
    rt = hook_runtime("config-changed")
    before = stored_rows(rt.db_path)

    with pytest.raises(RuntimeError, match="after the external handler"):
        main()

    assert stored_rows(rt.db_path) == before


def test_external_handler_flags_count_as_changes(hook_runtime, write, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", LIB)
    write(
        "reactive/ext",
        f"""
        #!/bin/sh
        if [ "$1" = --test ]; then
            {sys.executable} -c 'import sys; from charms.reactive.cli import main; \\
            sys.exit(main(sys.argv[1:]))' when_not from.external && echo go
            exit $?
        fi
        [ "$2" = go ] || exit 9
        exec {sys.executable} -c 'import sys; from charms.reactive.cli import main; \\
        sys.exit(main(sys.argv[1:]))' set_flag from.external
        """,
        executable=True,
    )
    write(
        "reactive/z.py",
        """
        from charms.reactive import set_flag, when
        @when('from.external')
        def after():
            set_flag('python.saw.it')
        """,
    )
    hook_runtime("config-changed")

    main()

    hook_runtime("update-status")
    assert get_flags() == ["from.external", "python.saw.it"]


def test_a_failing_external_handler_fails_the_hook(hook_runtime, write):
    write("reactive/ext", '#!/bin/sh\n[ "$1" = --test ] && exit 0\nexit 3\n', executable=True)
    hook_runtime("install")

    with pytest.raises(Exception, match=r"external handler reactive/ext failed with exit code 3"):
        main()


@pytest.mark.parametrize(
    ("code", "fails"), [(0, False), (None, False), (3, True)], ids=["zero", "none", "three"]
)
def test_system_exit_zero_is_success(hook_runtime, write, code, fails):
    write(
        "reactive/h.py",
        f"""
        import sys
        from charms.reactive import hook, set_flag
        @hook('install')
        def install():
            set_flag('installed')
            sys.exit({code!r})
        """,
    )
    hook_runtime("install")

    if fails:
        with pytest.raises(SystemExit):
            main()
    else:
        main()

    hook_runtime("update-status")
    assert get_flags() == ([] if fails else ["installed"])


def test_main_logs_two_lines_at_the_end(hook_runtime, write, tools):
    write(
        "reactive/h.py",
        """
        from charms.reactive import hook, set_flag, when
        @hook('install')
        def install():
            set_flag('installed')
        @when('installed')
        def configure():
            pass
        """,
    )
    hook_runtime("install")

    main()

    assert [level for level, _ in tools.log] == ["INFO", "DEBUG"]
    assert tools.log[0][1].splitlines() == [
        "Reactive main running for hook install",
        "Invoking reactive handler: reactive/h.py:2:install",
        "Invoking reactive handler: reactive/h.py:5:configure",
    ]
    assert tools.log[1][1].startswith("tracer: hook install: ok")


def test_a_hook_in_which_nothing_happens_logs_nothing_but_saves_its_trace(
    hook_runtime, write, tools
):
    write(
        "reactive/h.py",
        """
        from charms.reactive import when
        @when('never.set')
        def configure():
            pass
        """,
    )
    rt = hook_runtime("update-status")

    main()

    assert tools.log == []
    saved = load_trace(rt)
    assert saved is not None
    assert saved["hook"] == "update-status"
    assert {
        "event": "skip",
        "handler": "reactive/h.py:2:configure",
        "reason": "flags not set: never.set",
    } in saved["events"]


def test_a_hook_that_only_changes_flags_logs_the_trace_alone(hook_runtime, write, tools):
    write(
        "reactive/h.py",
        """
        from charms.reactive import when
        @when('never.set')
        def configure():
            pass
        """,
    )
    hook_runtime("pre-series-upgrade")  # sets the automatic upgrade.series.in-progress flag

    main()

    [(level, message)] = tools.log
    assert level == "DEBUG"
    assert "++ set upgrade.series.in-progress" in message


def test_a_failure_is_logged_at_error_with_the_handler_and_traceback(hook_runtime, write, tools):
    write(
        "reactive/h.py",
        """
        from charms.reactive import hook
        @hook('install')
        def install():
            raise ValueError('bad config')
        """,
    )
    hook_runtime("install")

    with pytest.raises(ValueError, match="bad config"):
        main()

    [(level, message), (debug, trace)] = tools.log
    assert level == "ERROR"
    assert "Hook error in handler reactive/h.py:2:install:" in message
    assert "Traceback" in message
    assert "ValueError: bad config" in message
    assert debug == "DEBUG"
    # The trace names the error's type, not its text (it may hold relation data).
    assert "error in reactive/h.py:2:install: ValueError (message in the juju log" in trace
    assert "bad config" not in trace


def test_a_failed_hook_keeps_its_trace(hook_runtime, write):
    write(
        "reactive/h.py", "from charms.reactive import hook\n@hook('install')\ndef x():\n    1/0\n"
    )
    rt = hook_runtime("install")

    with pytest.raises(ZeroDivisionError):
        main()

    data = load_trace(rt)
    assert data["outcome"] == "error"
    assert data["invoked"] == ["reactive/h.py:2:x"]


def test_charmhelpers_callbacks_run_around_dispatch(hook_runtime, write):
    write(
        "reactive/h.py",
        """
        from charmhelpers.core import hookenv
        from charms.reactive import is_flag_set, set_flag, when
        LOG = []
        hookenv.atstart(lambda: set_flag('from.atstart'))
        hookenv.atexit(lambda: LOG.append(('atexit', is_flag_set('from.handler'))))
        @when('from.atstart')
        def handler():
            set_flag('from.handler')
        """,
    )
    hook_runtime("config-changed")

    main()

    assert sys.modules["reactive.h"].LOG == [("atexit", True)]
    hook_runtime("update-status")
    assert get_flags() == ["from.atstart", "from.handler"]


def test_restricted_hooks_skip_callbacks(hook_runtime, write, tools):
    write(
        "reactive/h.py",
        """
        from charmhelpers.core import hookenv
        from charms.reactive import collect_metrics, set_flag
        hookenv.atstart(lambda: set_flag('from.atstart'))
        @collect_metrics()
        def metrics():
            set_flag('metrics')
        """,
    )
    hook_runtime("collect-metrics")

    main()

    from charmhelpers.core import hookenv

    hookenv._atstart.clear()
    hook_runtime("update-status")
    assert get_flags() == ["metrics"]
    assert tools.log[0][1].startswith("Reactive main running for hook collect-metrics. Restricted")


@pytest.mark.parametrize(
    ("hook_name", "expected"),
    [("pre-series-upgrade", ["upgrade.series.in-progress"]), ("post-series-upgrade", [])],
    ids=["pre", "post"],
)
def test_series_upgrade_flag_is_managed(hook_runtime, hook_name, expected):
    commit_flags(hook_runtime) if hook_name.startswith("pre") else commit_flags(
        hook_runtime, "upgrade.series.in-progress"
    )
    hook_runtime(hook_name)

    main()

    hook_runtime("update-status")
    assert get_flags() == expected


def test_triggers_are_forgotten_at_the_end_of_the_hook(hook_runtime, write):
    write(
        "reactive/h.py",
        "from charms.reactive import register_trigger\nregister_trigger(when='a', set_flag='b')\n",
    )
    rt = hook_runtime("install")

    main()

    assert rt.kv.getrange("reactive.flag_set_triggers.") == {}


def test_main_waits_for_the_state_lock_then_names_its_holder(hook_runtime):
    rt = hook_runtime("install")
    lock = Path(f"{rt.db_path}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"hook config-changed (pid 1)")
        with pytest.raises(HookLockError, match=r"locked by hook config-changed \(pid 1\)"):
            _main.run_hook(rt, lock_timeout=0.2)
    finally:
        os.close(fd)


def test_main_without_an_active_runtime_runs_the_hook_and_leaves_after_the_commit(
    charm_dir, write
):
    """A hook process (no runtime active): main() builds one from the environment, commits,
    runs the atexit handlers and exits 0 at once, skipping the interpreter's teardown."""
    write(
        "reactive/h.py",
        "from charms.reactive import hook, set_flag\n@hook('install')\n"
        "def x():\n    set_flag('done')\n",
    )
    hook = charm_dir / "hooks" / "install"
    hook.parent.mkdir()
    hook.write_text(
        f"import atexit, sys\nsys.path.insert(0, {LIB!r})\n"
        "atexit.register(lambda: print('atexit ran', flush=True))\n"
        "from charms.reactive import main\nmain()\nprint('after main')\n"
    )
    db = charm_dir / ".unit-state.db"
    env = {
        "JUJU_CHARM_DIR": str(charm_dir),
        "JUJU_UNIT_NAME": "local/0",
        "JUJU_HOOK_NAME": "install",
        "UNIT_STATE_DB": str(db),
        "PATH": "/nonexistent",  # juju-log cannot run: logged to stderr instead
    }

    proc = subprocess.run(
        [sys.executable, str(hook)], env=env, capture_output=True, text=True, check=False
    )

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "atexit ran\n"
    assert [k for k, _ in stored_rows(db) if k.startswith("reactive.states.")] == [
        "reactive.states.done"
    ]


def test_a_hook_that_changes_nothing_writes_nothing(hook_runtime, write):
    write(
        "reactive/h.py",
        """
        from charms.reactive import hook, set_flag, when
        @hook('install')
        def install():
            set_flag('installed')
        @when('db.ready')
        def never():
            pass
        """,
    )
    hook_runtime("install")
    main()
    rt = hook_runtime("update-status")

    main()

    assert rt.kv.storage.conn.total_changes == 0  # no write transaction, so no fsync at commit
